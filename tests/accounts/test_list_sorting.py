"""Sorting the account list and the import list: every whitelisted ordering (both directions) answers 200 with the
expected first row; an unknown value falls back to the default; the header marks the current column."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.models import ImportRun
from handschlag.accounts.selectors import ACCOUNT_SORT_KEYS, IMPORT_RUN_ORDERINGS
from handschlag.core.enums import Role
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(make_user: Any) -> dict[str, Any]:
    anna = make_user(Role.SELLER, first_name="Anna", last_name="Albers")
    zora = make_user(Role.SELLER, first_name="Zora", last_name="Zeller")
    first = AccountFactory(
        name="Alpha Hydraulik",
        city="Zwickau",
        status=AccountStatus.CUSTOMER,
        annual_revenue=Decimal("5000000"),
        owner=anna,
        domain="zz-alpha.de",
    )
    last = AccountFactory(
        name="Zeta Pumpen",
        city="Aachen",
        status=AccountStatus.PROSPECT,
        annual_revenue=Decimal("100000"),
        owner=zora,
        domain="aa-zeta.de",
    )
    middle = AccountFactory(
        name="Mitte Antriebe",
        city="Münster",
        status=AccountStatus.CUSTOMER,
        annual_revenue=Decimal("900000"),
        owner=anna,
        domain="mm-mitte.de",
    )
    return {"first": first, "last": last, "middle": middle, "viewer": make_user(Role.MANAGEMENT)}


EXPECTED_FIRST = {
    # ordering: (first row ascending, first row descending)
    "name": ("first", "last"),
    "city": ("last", "first"),
    "revenue": ("last", "first"),
    "owner": ("first", "last"),
    "domain": ("last", "first"),
}


def test_every_account_ordering_answers_with_the_right_first_row(
    accounts: dict[str, Any], page_as: Any
) -> None:
    client = page_as(accounts["viewer"])
    for key, (ascending, descending) in EXPECTED_FIRST.items():
        for ordering, expected in ((key, ascending), (f"-{key}", descending)):
            response = client.get(reverse("accounts:list"), {"sort": ordering})
            assert response.status_code == 200, ordering
            assert response.context["page"][0] == accounts[expected], ordering
            assert response.context["ordering"] == ordering
    # status and updated sort too (the first row depends on the enum's values and the clock): 200 and all rows
    for key in ACCOUNT_SORT_KEYS:
        for ordering in (key, f"-{key}"):
            response = client.get(reverse("accounts:list"), {"sort": ordering})
            assert response.status_code == 200
            assert response.context["page"].paginator.count == 3


@pytest.mark.parametrize("bogus", ["bogus", "-", "--name", "name;drop", "owner__password", "-id"])
def test_an_unknown_ordering_falls_back_to_name(accounts: dict[str, Any], page_as: Any, bogus: str) -> None:
    response = page_as(accounts["viewer"]).get(reverse("accounts:list"), {"sort": bogus})
    assert response.status_code == 200
    assert response.context["ordering"] == "name"
    assert [account.name for account in response.context["page"]] == [
        "Alpha Hydraulik",
        "Mitte Antriebe",
        "Zeta Pumpen",
    ]


def test_the_header_marks_the_current_column_and_keeps_the_filters(
    accounts: dict[str, Any], page_as: Any
) -> None:
    response = page_as(accounts["viewer"]).get(
        reverse("accounts:list"), {"sort": "-revenue", "status": "customer", "page": "1"}
    )
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert html.count("aria-sort=") == 1
    # the revenue header now sorts ascending, keeps the status filter and drops the page
    assert _header_query(html, "revenue") == {"sort": ["revenue"], "status": ["customer"]}
    assert "▼" in html
    # another column starts ascending, a figure column descending
    assert _header_query(html, "name") == {"sort": ["name"], "status": ["customer"]}
    response = page_as(accounts["viewer"]).get(reverse("accounts:list"))
    assert _header_query(response.content.decode(), "revenue") == {"sort": ["-revenue"]}


def _header_query(html: str, key: str) -> dict[str, list[str]]:
    match = re.search(rf'<a href="\?([^"]*)"[^>]* data-sort="{key}"', html)
    assert match, key
    return parse_qs(unescape(match.group(1)))


def test_the_account_list_query_count_does_not_depend_on_the_ordering(
    accounts: dict[str, Any], page_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = page_as(accounts["viewer"])
    client.get(reverse("accounts:list"))
    for ordering in ("owner", "-domain", "city"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse("accounts:list"), {"sort": ordering}).status_code == 200


@pytest.fixture
def runs(make_user: Any) -> dict[str, Any]:
    importer = make_user(Role.ADMIN, first_name="Ida", last_name="Importer")
    other = make_user(Role.ADMIN, first_name="Bea", last_name="Bauer")
    older = ImportRun.objects.create(
        created_by=importer, original_name="b-kunden.csv", status="done", total_rows=500, error_count=0
    )
    newer = ImportRun.objects.create(
        created_by=other, original_name="a-kunden.csv", status="failed", total_rows=10, error_count=9
    )
    ImportRun.objects.filter(pk=older.pk).update(created_at=newer.created_at - dt.timedelta(days=1))
    return {"older": older, "newer": newer, "viewer": importer}


IMPORT_EXPECTED_FIRST = {
    "file": ("newer", "older"),
    "created": ("older", "newer"),
    "by": ("newer", "older"),
    "status": ("older", "newer"),
    "rows": ("newer", "older"),
    "errors": ("older", "newer"),
}


def test_every_import_ordering_answers_with_the_right_first_row(runs: dict[str, Any], page_as: Any) -> None:
    assert set(IMPORT_EXPECTED_FIRST) == {key for key in IMPORT_RUN_ORDERINGS if not key.startswith("-")}
    client = page_as(runs["viewer"])
    for key, (ascending, descending) in IMPORT_EXPECTED_FIRST.items():
        for ordering, expected in ((key, ascending), (f"-{key}", descending)):
            response = client.get(reverse("accounts:import_list"), {"sort": ordering})
            assert response.status_code == 200, ordering
            assert response.context["page"][0] == runs[expected], ordering
    response = client.get(reverse("accounts:import_list"), {"sort": "nonsense"})
    assert response.status_code == 200
    assert response.context["ordering"] == "-created"
    assert response.context["page"][0] == runs["newer"]
    assert 'aria-sort="descending"' in response.content.decode()
