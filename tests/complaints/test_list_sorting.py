"""Sorting the complaint list: every whitelisted ordering (both directions) answers 200 with the expected first
row, an unknown value falls back to the newest first, the header marks the current column and keeps the queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.selectors import COMPLAINT_SORT_KEYS
from handschlag.complaints.services.cases import complaint_create
from tests.complaints.conftest import Organisation, complaint_input
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(org: Organisation) -> dict[str, Complaint]:
    """Two open cases that differ in every sortable column: `early` is smaller in each, `late` larger."""
    org.head.last_name = "Aaberg"
    org.head.save()
    org.owner.last_name = "Zwick"
    org.owner.save()
    other_account = AccountFactory(name="Zylinderbau Nord", owner=org.seller)
    early = complaint_create(actor=org.seller, data=complaint_input(org.account, severity="low"))
    late = complaint_create(actor=org.seller, data=complaint_input(other_account, severity="critical"))
    now = timezone.now()
    Complaint.objects.filter(pk=early.pk).update(
        created_at=now - dt.timedelta(days=3),
        status=ComplaintStatus.IN_PROGRESS,
        department=org.production,
        owner=org.head,
        resolution_due=now + dt.timedelta(days=1),
        revenue_at_risk=Decimal("1000.00"),
    )
    Complaint.objects.filter(pk=late.pk).update(
        created_at=now - dt.timedelta(days=1),
        status=ComplaintStatus.OPEN,
        department=org.quality,
        owner=org.owner,
        resolution_due=now + dt.timedelta(days=5),
        revenue_at_risk=Decimal("90000.00"),
    )
    return {"early": early, "late": late}


# ordering: (first row ascending, first row descending); "Produktion" < "Qualität", "in_progress" < "open"
EXPECTED_FIRST = {
    "created": ("early", "late"),
    "account": ("early", "late"),
    "severity": ("early", "late"),
    "status": ("early", "late"),
    "department": ("early", "late"),
    "owner": ("early", "late"),
    "due": ("early", "late"),
    "risk": ("early", "late"),
}


def test_every_ordering_answers_with_the_right_first_row(
    org: Organisation, cases: dict[str, Complaint], page_as: Any
) -> None:
    assert set(EXPECTED_FIRST) == set(COMPLAINT_SORT_KEYS)
    client = page_as(org.management)
    for key, (ascending, descending) in EXPECTED_FIRST.items():
        for ordering, expected in ((key, ascending), (f"-{key}", descending)):
            response = client.get(reverse("complaints:list"), {"queue": "all", "sort": ordering})
            assert response.status_code == 200, ordering
            assert response.context["page"].paginator.count == 2
            assert response.context["page"][0] == cases[expected], ordering
            assert 'aria-sort="' in response.content.decode()


@pytest.mark.parametrize("bogus", ["bogus", "-", "severity_rank", "--created", "account__name"])
def test_an_unknown_ordering_falls_back_to_newest_first(
    org: Organisation, cases: dict[str, Complaint], page_as: Any, bogus: str
) -> None:
    response = page_as(org.management).get(reverse("complaints:list"), {"queue": "all", "sort": bogus})
    assert response.status_code == 200
    assert response.context["ordering"] == "-created"
    assert response.context["page"][0] == cases["late"]


def test_the_header_keeps_the_queue_and_filters(
    org: Organisation, cases: dict[str, Complaint], page_as: Any
) -> None:
    response = page_as(org.management).get(
        reverse("complaints:list"),
        {"queue": "all", "severity": "critical", "sort": "risk"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "sort=-risk" in html
    assert "queue=all" in html
    assert "severity=critical" in html
