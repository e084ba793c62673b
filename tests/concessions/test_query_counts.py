"""The concessions pages, and the partner portal's joint opportunities, make as many queries for a ledger five
times as large (issue 15): the figures are computed from a few queries whatever the number of entries, and the
lists page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from handschlag.concessions.demo import large_history
from handschlag.concessions.models import Concession
from handschlag.core.demo import DemoContext, build_organisation
from handschlag.core.models import User
from handschlag.core.passwords import demo_passwords_allowed
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PAGES = [
    ("leitung", "/"),
    ("verkauf", "/"),
    ("leitung", "/concessions/"),
    ("verkauf", "/concessions/"),
    ("leitung", "/concessions/approvals/"),
    ("leitung", "/concessions/figures/"),
    ("leitung", "/concessions/{concession}/"),
    ("leitung", "/insights/concessions/"),
    ("leitung", "/api/v1/concessions"),
]


def _grow(context: DemoContext, accounts: int, entries: int) -> None:
    sellers = context.sellers
    customers = [
        AccountFactory(owner=sellers[index % len(sellers)], customer_since=TODAY - dt.timedelta(days=3000))
        for index in range(accounts)
    ]
    large_history(context, customers, entries, today=TODAY, creep_accounts=2)


def _queries(user: User, path: str) -> int:
    client = Client()
    client.force_login(user)
    url = path.format(concession=Concession.objects.order_by("pk").values_list("pk", flat=True).first())
    client.get(url)  # warm: session, content types
    cache.clear()  # the figures computed again, not read back
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def test_concession_pages_make_as_many_queries_for_a_larger_ledger() -> None:
    with demo_passwords_allowed():
        context = build_organisation(size="small")
    _grow(context, accounts=20, entries=150)
    small = {(name, path): _queries(context.users[name], path) for name, path in PAGES}
    _grow(context, accounts=80, entries=750)
    large = {(name, path): _queries(context.users[name], path) for name, path in PAGES}

    grown = {key: (small[key], large[key]) for key in small if large[key] > small[key]}
    assert not grown, f"queries grew with the data (small, large): {grown}"
