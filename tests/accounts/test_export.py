"""The account export names the owner as people know him and writes dates as the reader's language does."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from handschlag.core.enums import Role
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def _export(client) -> list[dict[str, str]]:
    response = client.get("/accounts/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize(
    ("language", "owner_column", "since_column", "since", "revenue_column", "revenue"),
    [
        ("de", "Betreuer", "Kunde seit", "01.03.2019", "Jahresumsatz (EUR)", "12500000,00"),
        ("en", "Owner", "Customer since", "2019-03-01", "Annual revenue (EUR)", "12500000.00"),
    ],
)
def test_export_shows_the_owners_name_and_dates_in_the_readers_language(
    page_as, language, owner_column, since_column, since, revenue_column, revenue
):
    owner = UserFactory(username="tkern", first_name="Tobias", last_name="Kern", role=Role.SELLER)
    reader = UserFactory(username=f"reader_{language}", role=Role.MANAGEMENT, language=language)
    AccountFactory(
        name="Krause & Scholz",
        owner=owner,
        customer_since=dt.date(2019, 3, 1),
        annual_revenue=Decimal("12500000.00"),
    )

    rows = _export(page_as(reader))

    (row,) = rows
    assert row[owner_column] == "Tobias Kern"
    assert "tkern" not in row.values()
    assert row[since_column] == since
    assert row[revenue_column] == revenue
