"""The large demo's two years of complaints (DESIGN §5): written in bulk, consistent enough for the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from handschlag.accounts.demo import build_accounts
from handschlag.complaints.demo import _history, _rules
from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.selectors import complaint_figures
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed

pytestmark = pytest.mark.django_db


def test_history_spreads_routed_cases_over_two_years() -> None:
    with demo_passwords_allowed():
        context = build_organisation(size="small", seed=7)
        accounts = build_accounts(context, count=40)
    _rules(context)
    assert _history(context, accounts, 600) == 600
    cases = Complaint.objects.all()
    oldest = cases.order_by("created_at").first()
    assert oldest is not None
    assert oldest.created_at < timezone.now() - dt.timedelta(days=600)
    closed = cases.filter(status=ComplaintStatus.CLOSED)
    assert closed.count() > 400
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not cases.filter(owner__isnull=True, in_triage=False).exists()
    today = timezone.localdate()
    figures = complaint_figures(
        user=context.users["leitung"], start=today - dt.timedelta(days=730), end=today
    )
    assert figures.cases == 600
    assert figures.resolution_hours_median is not None
    assert 0 < (figures.repeat_rate or 0) < 20
