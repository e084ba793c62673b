"""Figures of DESIGN §3.8 aggregated in SQL: equal to the Python clock rules, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.utils import timezone

from handschlag.complaints import sla
from handschlag.complaints.models import Complaint
from handschlag.complaints.selectors import complaint_figures
from handschlag.complaints.services.cases import complaint_create
from tests.complaints.conftest import complaint_input

pytestmark = pytest.mark.django_db


def _cases(org, count: int) -> list[Complaint]:
    return [
        complaint_create(
            actor=org.seller,
            data=complaint_input(
                org.account,
            ),
        )
        for _ in range(count)
    ]


def test_sql_figures_equal_the_python_clock_rules(org):
    # Given cases in every clock state: met, met late, overdue, running, paused, closed
    now = timezone.now()
    cases = _cases(org, 6)
    Complaint.objects.filter(pk=cases[0].pk).update(
        first_response_at=now - dt.timedelta(days=30),
        first_response_due=now - dt.timedelta(days=29),
        first_response_seconds=3600,
    )
    Complaint.objects.filter(pk=cases[1].pk).update(
        first_response_at=now - dt.timedelta(days=1),
        first_response_due=now - dt.timedelta(days=2),
        first_response_seconds=7 * 3600,
    )
    Complaint.objects.filter(pk=cases[2].pk).update(containment_due=now - dt.timedelta(hours=1))
    Complaint.objects.filter(pk=cases[3].pk).update(
        containment_due=now - dt.timedelta(hours=1), paused_since=now - dt.timedelta(hours=2)
    )
    Complaint.objects.filter(pk=cases[4].pk).update(
        status="closed", closed_at=now, resolution_seconds=50 * 3600, paused_seconds=3600
    )
    Complaint.objects.filter(pk=cases[5].pk).update(
        status="closed", closed_at=now, resolution_seconds=20 * 3600, is_repeat=True, escalation_level=2
    )

    # When
    figures = complaint_figures(
        user=org.management, start=now.date() - dt.timedelta(days=1), end=now.date(), now=now
    )

    # Then: the same as computing each case's state in Python
    rows = list(Complaint.objects.all())
    for clock, due, met_at in (
        ("first_response", "first_response_due", "first_response_at"),
        ("containment", "containment_due", "contained_at"),
        ("resolution", "resolution_due", "closed_at"),
    ):
        states = [
            sla.clock_state(due=getattr(row, due), met_at=getattr(row, met_at), now=now, paused=row.is_paused)
            for row in rows
        ]
        met, missed = states.count("met"), states.count("missed") + states.count("overdue")
        assert figures.sla_compliance[clock]["met"] == met, clock
        assert figures.sla_compliance[clock]["missed"] == missed, clock
        assert figures.sla_compliance[clock]["running"] == len(rows) - met - missed, clock
    assert figures.sla_compliance["first_response"]["met"] == 1
    assert figures.sla_compliance["first_response"]["missed"] >= 1
    assert figures.cases == 6
    assert figures.open_cases == 4
    assert figures.first_response_hours_mean == 4.0
    assert figures.first_response_hours_median == 4.0
    assert figures.resolution_hours_mean == 35.0
    assert figures.resolution_hours_median == round(statistics.median([50, 20]), 1)
    assert figures.paused_hours_mean == 0.5
    assert figures.repeat_rate == round(100 * sum(row.is_repeat for row in rows) / 6, 1)
    assert figures.escalation_rate == round(100 / 6, 1)


def test_median_of_an_odd_count_is_the_middle_value(org):
    cases = _cases(org, 3)
    for case, hours in zip(cases, (1, 9, 4), strict=True):
        Complaint.objects.filter(pk=case.pk).update(first_response_seconds=hours * 3600)
    today = timezone.localdate()

    figures = complaint_figures(user=org.management, start=today, end=today)

    assert figures.first_response_hours_median == 4.0
    assert figures.first_response_hours_mean == round(14 / 3, 1)


@pytest.mark.parametrize(
    "path", ["/complaints/figures/", "/complaints/management/", "/api/v1/complaints/figures"]
)
def test_query_count_does_not_grow_with_the_cases(page_as, org, path, django_assert_max_num_queries):
    client = page_as(org.management)
    first = _cases(org, 2)
    Complaint.objects.filter(pk=first[0].pk).update(
        status="closed", closed_at=timezone.now(), resolution_seconds=3600, first_response_seconds=600
    )
    with django_assert_max_num_queries(30) as small:
        assert client.get(path).status_code == 200
    cases = _cases(org, 12)
    Complaint.objects.filter(pk__in=[case.pk for case in cases[:6]]).update(
        status="closed", closed_at=timezone.now(), resolution_seconds=3600, first_response_seconds=600
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200
