"""The demo tells source 003's story (the friendly account on the trap list with positive creep, a well-traded one
for contrast, one entry waiting for the manager) and the figures are computed as DESIGN §3.8 defines them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from handschlag.concessions.analytics import concession_figures, price_waterfall
from handschlag.concessions.demo import FRIENDLY, WELL_TRADED, build_concessions
from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.periods import Quarter, last_quarters, slope
from handschlag.concessions.selectors import account_history, approvals_waiting
from handschlag.core.demo import build_organisation
from handschlag.core.enums import Role
from handschlag.core.passwords import demo_passwords_allowed
from tests.concessions.helpers import record
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def demo():
    with demo_passwords_allowed():
        context = build_organisation(size="small")
    built = build_concessions(context, today=TODAY)
    return context, built


def test_the_friendly_account_stands_on_the_trap_list_with_its_reasons(demo):
    context, built = demo
    with translation.override("de"):
        figures = concession_figures(user=context.users["leitung"], today=TODAY)
    trapped = {entry.account.label: entry for entry in figures.trap}
    assert list(trapped) == [f"{FRIENDLY} GmbH"] or list(trapped) == [FRIENDLY]
    entry = next(iter(trapped.values()))
    assert entry.account.creep is not None
    assert entry.account.creep > 0
    assert entry.reasons[0] == "Seit 12 Jahren Kunde"
    assert entry.reasons[1] == "0 Reklamationen in den letzten 12 Monaten"
    assert entry.reasons[3] == "Nur 0,0 % des Zugeständniswerts mit Gegenleistung"
    assert "Abwanderung" in entry.reasons[4]
    traded = next(group for group in figures.accounts if group.key == built["well_traded"].pk)
    assert traded.coverage == 100.0
    assert built["well_traded"].pk not in [entry.account.key for entry in figures.trap]


def test_five_concessions_in_four_quarters_and_one_waits_for_leitung(demo):
    context, built = demo
    history = account_history(user=context.users["leitung"], account=built["friendly"], today=TODAY)
    assert sum(rate.entries for rate in history.quarters) == 5
    assert all(rate.entries for rate in history.quarters)
    rates = [rate.rate for rate in history.quarters]
    assert rates == sorted(rates)  # each quarter more than the one before
    assert history.trend == "rising"
    assert len(history.gives_without_gets) == 5
    waiting = approvals_waiting(user=context.users["leitung"])
    assert [entry.pk for entry in waiting] == [built["waiting"].pk]
    assert built["waiting"].approval_status == ApprovalStatus.PENDING
    assert approvals_waiting(user=context.users["verkauf"]) == []


def test_the_seller_sees_only_his_own_trap_signals(demo):
    context, built = demo
    mine = concession_figures(user=context.users["verkauf"], today=TODAY)
    other = concession_figures(user=context.users["verkauf2"], today=TODAY)
    assert [entry.account.key for entry in mine.trap] == [built["friendly"].pk]
    assert other.trap == []
    assert [group.key for group in other.accounts] == [built["well_traded"].pk]
    assert concession_figures(user=context.users["marketing"], today=TODAY).accounts == []


def test_figures_by_the_definitions(seller):
    account = AccountFactory(owner=seller, name=WELL_TRADED)
    day = dt.date(2026, 10, 5)
    # 10 % discount on 10,000 (on the invoice), a free service of 500 with nothing in return on another deal of 5,000
    record(seller, account.pk, granted_on=day, percent="10.00", list_value="10000.00")
    record(
        seller,
        account.pk,
        granted_on=day,
        kind="free_service",
        percent=None,
        amount="500.00",
        list_value="5000.00",
        get_kind="nothing",
        get_value=None,
        get_due_on=None,
        nothing_reason="Kulanz",
    )
    figures = concession_figures(user=seller, today=TODAY)
    total = figures.total
    assert (total.value, total.list_value) == (Decimal("1500.00"), Decimal("15000.00"))
    assert total.rate == 10.0  # 1,500 / 15,000
    assert total.depth == 6.67  # 1,000 on the invoice / 15,000
    assert total.coverage == 66.67  # 1,000 of 1,500 with a return
    assert total.fulfilment is None  # nothing due yet
    waterfall = price_waterfall(user=seller, start=day, end=TODAY)
    assert (waterfall.list_value, waterfall.invoice, waterfall.pocket) == (
        Decimal("15000.00"),
        Decimal("14000.00"),
        Decimal("13500.00"),
    )
    assert [step.is_total for step in waterfall.steps] == [True, False, True, False, True]


def test_quarters_and_slope():
    assert [quarter.label for quarter in last_quarters(TODAY, 4)] == [
        "Q1/2026",
        "Q2/2026",
        "Q3/2026",
        "Q4/2026",
    ]
    assert Quarter(2026, 4).end == dt.date(2026, 12, 31)
    assert slope([(0, 2.0), (1, 3.0), (2, 4.0)]) == pytest.approx(1.0)
    assert slope([(0, 2.0)]) is None


def test_marketing_gets_no_figures(make_user, demo):
    assert concession_figures(user=make_user(Role.MARKETING), today=TODAY).trap == []
