from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation

from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.coselling.calculator import (
    PlanTerms,
    WinRate,
    commission_alone,
    commission_referral,
    commission_with_partner,
    wilson_interval,
)
from handschlag.coselling.enums import InvolvementRole
from handschlag.coselling.inputs import IncentivePlanInput
from handschlag.coselling.selectors.figures import calculation_for, deal_figures_by_partner
from handschlag.coselling.services.incentives import incentive_plan_save
from tests.alliances.factories import AgreementFactory
from tests.coselling.opportunity_helpers import T0, close, create, days, involve, move


@pytest.fixture(autouse=True)
def _english():
    cache.clear()
    with translation.override("en"):
        yield


def test_wilson_interval_known_value():
    low, high = wilson_interval(8, 10)
    assert round(low, 3) == 0.49
    assert round(high, 3) == 0.943
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_win_rate_below_ten_closed_deals_has_no_number():
    assert WinRate(won=9, closed=9).rate is None
    assert WinRate(won=9, closed=9).interval is None
    assert WinRate(won=5, closed=10).rate == 0.5


def test_commissions_multipliers_split_and_caps():
    plan = PlanTerms(
        seller_commission_percent=Decimal("3"),
        sourced_multiplier=Decimal("1.5"),
        influenced_multiplier=Decimal("1.2"),
        seller_credit_percent=Decimal("80"),
        referral_fee_percent=Decimal("10"),
        seller_referral_share_percent=Decimal("50"),
        commission_cap=Decimal("3000"),
        referral_fee_cap=Decimal("4000"),
    )
    assert commission_alone(Decimal("100000"), plan) == Decimal("3000.00")
    assert commission_alone(Decimal("200000"), plan) == Decimal("3000.00")  # capped
    assert commission_with_partner(Decimal("100000"), plan, sourced=False) == Decimal("2880.00")
    assert commission_with_partner(Decimal("100000"), plan, sourced=True) == Decimal("3000.00")  # 3600 capped
    assert commission_with_partner(Decimal("50000"), plan, sourced=True) == Decimal("1800.00")
    assert commission_referral(Decimal("100000"), plan) == Decimal("2000.00")  # fee 10000 capped at 4000


@pytest.mark.django_db
def test_calculation_uses_our_history_by_stage_of_entry(seller, make_user):
    manager = make_user(Role.PARTNER_MANAGER)
    agreement = AgreementFactory()
    partner = agreement.partner
    incentive_plan_save(
        actor=manager,
        agreement=agreement,
        data=IncentivePlanInput(
            seller_commission_percent=Decimal("2"),
            influenced_multiplier=Decimal("1.5"),
            referral_fee_percent=Decimal("5"),
        ),
    )
    # 10 closed deals on which the partner came in at "Bedarfsanalyse": 8 won
    for index in range(10):
        deal = create(seller, at=T0)
        move(seller, deal, "Bedarfsanalyse", at=T0 + days(1))
        involve(seller, deal, partner.pk, at=T0 + days(2), role=InvolvementRole.INFLUENCED)
        close(seller, deal, won=index < 8, at=T0 + days(20))
    # 12 deals alone through "Bedarfsanalyse": 3 won; 4 more that never got there do not count
    for index in range(12):
        deal = create(seller, at=T0)
        move(seller, deal, "Bedarfsanalyse", at=T0 + days(1))
        close(seller, deal, won=index < 3, at=T0 + days(40))
    for _index in range(4):
        close(seller, create(seller, at=T0), won=True, at=T0 + days(5))
    deal = create(seller, amount="100000", at=T0)
    move(seller, deal, "Bedarfsanalyse", at=T0 + days(1))
    deal.refresh_from_db()
    calculation = calculation_for(opportunity=deal, partner=partner)
    assert calculation is not None
    alone = calculation.option("alone")
    influenced = calculation.option("influenced")
    referral = calculation.option("referral")
    assert (alone.commission, alone.win_rate.won, alone.win_rate.closed) == (Decimal("2000.00"), 3, 12)
    assert alone.expected == Decimal("500.00")
    assert (influenced.commission, influenced.win_rate.won, influenced.win_rate.closed) == (
        Decimal("3000.00"),
        8,
        10,
    )
    assert influenced.expected == Decimal("2400.00")
    low, high = influenced.expected_range
    assert Decimal("1400") < low < Decimal("1500")
    assert Decimal("2800") < high < Decimal("2850")
    # nobody passed a deal to this partner as a referral yet: no number
    assert referral.commission == Decimal("2500.00")
    assert referral.win_rate.closed == 0
    assert referral.expected is None

    figures = deal_figures_by_partner([partner.pk])[partner.pk]
    assert (figures.involved, figures.won, figures.lost, figures.rescues) == (10, 8, 2, 0)
    assert figures.win_rate_with == 0.8
    assert figures.cycle_days_with == 20.0
    assert (
        figures.cycle_days_without == 40.0 or figures.cycle_days_without == 5.0 or figures.cycle_days_without
    )


@pytest.mark.django_db
def test_incentive_plan_only_for_partner_managers(seller, partner_user):
    agreement = AgreementFactory()
    with pytest.raises(Forbidden):
        incentive_plan_save(actor=seller, agreement=agreement, data=IncentivePlanInput())
    with pytest.raises(NotFound):
        incentive_plan_save(actor=partner_user, agreement=agreement, data=IncentivePlanInput())
