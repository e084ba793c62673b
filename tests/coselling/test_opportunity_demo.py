"""The demo's opportunities (source 002 and 000) together with the leads: the lived alliance is "lived" because of
what both sides did, the logo partner "paper only" with its rescue deal as the reason, a seller earns more with the
partner, and the commission partner of source 000 got a deal as a referral. The large demo's bulk writer keeps
every opportunity's stage history."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from handschlag.accounts.demo import build_accounts
from handschlag.alliances.demo import LIVED_PARTNER, PAPER_PARTNER, build_partnerships
from handschlag.alliances.enums import HealthVerdict
from handschlag.alliances.models import Partner
from handschlag.alliances.selectors import partner_health
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed
from handschlag.coselling.enums import InvolvementRole, OpportunityStatus, RescueReason, StageKind
from handschlag.coselling.lead_demo import build_leads
from handschlag.coselling.models import Opportunity, PartnerInvolvement, StageChange
from handschlag.coselling.opportunity_demo import (
    CALCULATOR_DEAL,
    COMMISSION_PARTNER,
    RESCUE_DEAL,
    build_large,
    build_opportunities,
)
from handschlag.coselling.selectors.figures import calculation_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    cache.clear()
    with translation.override("en"):
        yield


def _demo():
    with demo_passwords_allowed():
        context = build_organisation(size="small")
        context.built["accounts"] = build_accounts(context, count=80)
        context.built["partnerships"] = build_partnerships(context)
    context.built["opportunities"] = build_opportunities(context)
    build_leads(context)
    return context


def test_the_story_of_source_002_and_000() -> None:
    context = _demo()
    lived = partner_health(partner=Partner.objects.get(name=LIVED_PARTNER))
    assert lived.verdict == HealthVerdict.LIVED, lived.reasons
    assert any(reason.startswith("Leads from the partner: 7 in 90 days") for reason in lived.reasons)
    assert "No rescue deals: the partner comes in early." in lived.reasons
    assert "Win rate with the partner 86 % (n = 14) vs. 33 % without (n = 24)." in lived.reasons

    paper = partner_health(partner=Partner.objects.get(name=PAPER_PARTNER))
    assert paper.verdict == HealthVerdict.PAPER_ONLY
    assert paper.reasons[0] == "Paper only: no leads either way and no joint deals beyond rescues."
    rescue_reason = next(reason for reason in paper.reasons if reason.startswith("Rescue deals"))
    assert "1 of 1 joint deals (100 %)" in rescue_reason
    assert RESCUE_DEAL in rescue_reason
    rescue = PartnerInvolvement.objects.get(opportunity__title=RESCUE_DEAL)
    assert rescue.rescue_reason == RescueReason.LOST

    # the seller earns more with the partner, on our own history
    deal = Opportunity.objects.get(title=CALCULATOR_DEAL)
    calculation = calculation_for(opportunity=deal, partner=Partner.objects.get(name=LIVED_PARTNER))
    alone, influenced = calculation.option("alone"), calculation.option("influenced")
    assert alone.win_rate.closed >= 10
    assert influenced.win_rate.closed >= 10
    assert influenced.expected > 2 * alone.expected

    # source 000: a referral passed to the commission partner, who pays 10 %
    referral = PartnerInvolvement.objects.get(partner__name=COMMISSION_PARTNER)
    assert referral.role == InvolvementRole.FULFILLED
    assert referral.opportunity.status == OpportunityStatus.WON
    assert Partner.objects.get(name=COMMISSION_PARTNER).agreements.get().incentives.referral_fee_percent == 10

    assert build_opportunities(context) == {}  # a second run adds nothing


def test_every_demo_opportunity_has_its_history() -> None:
    context = _demo()
    before = Opportunity.objects.count()
    assert build_large(context, count=500) == 500
    assert Opportunity.objects.count() == before + 500
    for opportunity in Opportunity.objects.select_related("stage").order_by("-id")[:50]:
        changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "id"))
        assert changes[0].from_stage is None
        assert changes[-1].to_stage_id == opportunity.stage_id
        assert (opportunity.stage.kind != StageKind.OPEN) == (opportunity.closed_at is not None)
    new = Opportunity.objects.create(  # the sequences were moved past the written ids
        account=opportunity.account,
        title="x",
        stage=opportunity.stage,
        stage_entered_at=opportunity.created_at,
        created_at=opportunity.created_at,
    )
    assert new.pk > before + 500
