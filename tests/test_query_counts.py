"""Query counts stay flat between a small and a larger dataset (issue 15): every page and list endpoint listed here
is opened as the role that uses it, the data grows five-fold, and the number of queries must not change — a page
that loads per row (N+1) fails here long before the large demo shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handschlag.accounts.models import Account
from handschlag.complaints.enums import ComplaintCategory, Severity
from handschlag.complaints.models import Complaint, ComplaintComment, ComplaintWatcher
from handschlag.core.enums import Role
from handschlag.core.models import Department, User
from tests.factories import AccountFactory, ContactFactory, DepartmentFactory, OrderFactory

pytestmark = pytest.mark.django_db

PAGES = [
    (Role.MANAGEMENT, "/"),
    (Role.SELLER, "/"),
    (Role.PROCESS_OWNER, "/"),
    (Role.MANAGEMENT, "/accounts/"),
    (Role.MANAGEMENT, "/accounts/?q=werk"),
    (Role.MANAGEMENT, "/accounts/?sort=-revenue"),
    (Role.MANAGEMENT, "/accounts/{account}/"),
    (Role.MANAGEMENT, "/complaints/"),
    (Role.PROCESS_OWNER, "/complaints/?queue=mine"),
    (Role.MANAGEMENT, "/complaints/{complaint}/"),
    (Role.MANAGEMENT, "/complaints/figures/"),
    (Role.MANAGEMENT, "/insights/"),
    (Role.MANAGEMENT, "/insights/complaints/"),
    (Role.MANAGEMENT, "/insights/goals/"),
    (Role.ADMIN, "/audit/"),
    (Role.MANAGEMENT, "/api/v1/accounts"),
    (Role.MANAGEMENT, "/api/v1/complaints"),
    (Role.MANAGEMENT, "/api/v1/insights"),
    (Role.MANAGEMENT, "/api/v1/goals"),
]


class World:
    def __init__(self, make_user: Callable[..., User]) -> None:
        self.production: Department = DepartmentFactory(name="Produktion")
        self.users = {
            Role.MANAGEMENT: make_user(Role.MANAGEMENT, username="chefin"),
            Role.SELLER: make_user(Role.SELLER, username="verkauf"),
            Role.PROCESS_OWNER: make_user(Role.PROCESS_OWNER, username="prozess", department=self.production),
            Role.ADMIN: make_user(Role.ADMIN, username="admin"),
        }
        self.account: Account | None = None
        self.complaint: Complaint | None = None

    def grow(self, count: int) -> None:
        """`count` more accounts (each with contacts and orders) and as many complaints with comments."""
        now = timezone.now()
        seller = self.users[Role.SELLER]
        for index in range(count):
            account = AccountFactory(name=f"Werkzeugbau {index} {now.timestamp()}", owner=seller)
            ContactFactory.create_batch(2, account=account)
            OrderFactory(account=account, value=Decimal("1000.00"))
            complaint = Complaint.objects.create(
                account=account,
                reporter=seller,
                owner=self.users[Role.PROCESS_OWNER],
                department=self.production,
                title=f"Fall {index}",
                description="Beschreibung",
                category=ComplaintCategory.choices[0][0],
                severity=Severity.choices[index % 4][0],
                first_response_due=now - dt.timedelta(hours=1),
                containment_due=now + dt.timedelta(days=1),
                resolution_due=now + dt.timedelta(days=9),
                cancellation_threat=index % 3 == 0,
            )
            ComplaintWatcher.objects.create(complaint=complaint, user=seller)
            ComplaintComment.objects.create(complaint=complaint, author=seller, text="Kunde informiert")
            self.account = self.account or account
            self.complaint = self.complaint or complaint

    def queries(self, role: str, path: str) -> int:
        client = Client()
        client.force_login(self.users[role])
        assert self.account is not None
        assert self.complaint is not None
        url = path.format(account=self.account.pk, complaint=self.complaint.pk)
        client.get(url)  # warm: sessions, the cache of the home page's totals, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(captured.captured_queries)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    return World(make_user)


def test_query_counts_do_not_grow_with_the_data(world: World) -> None:
    world.grow(3)
    small = {(role, path): world.queries(role, path) for role, path in PAGES}
    world.grow(12)
    large = {(role, path): world.queries(role, path) for role, path in PAGES}
    grown: dict[Any, tuple[int, int]] = {
        key: (small[key], large[key]) for key in small if large[key] > small[key]
    }
    assert not grown, f"queries grew with the data (small, large): {grown}"
