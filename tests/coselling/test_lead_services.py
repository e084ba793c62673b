"""Leads both ways: offer, the engine's resolution, the SLA on the business calendar, accept (→ opportunity with
the partner as sourced) and decline with a reason code of the lead's source, refused second offers and decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.models import AuditEvent
from handschlag.coselling.enums import InvolvementRole, OpportunitySource
from handschlag.coselling.lead_enums import LeadDirection, LeadSource, LeadStatus
from handschlag.coselling.lead_inputs import LeadDecisionInput
from handschlag.coselling.models import Lead, Opportunity
from handschlag.coselling.services.leads import lead_decide
from tests.coselling.lead_helpers import T0, World, offer, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_partner_user_offers_a_lead_to_us_resolved_against_our_accounts(world: World) -> None:
    lead = offer(world.partner_user, company_name="HANSA Praezisionsteile G.m.b.H.")

    assert (lead.direction, lead.source, lead.partner_id) == (
        LeadDirection.TO_US,
        LeadSource.PARTNER,
        world.partner.pk,
    )
    assert lead.status == LeadStatus.OFFERED
    assert lead.resolved_account_id == world.account.pk
    assert lead.receiver_user_id == world.seller.pk  # the account's owner picks it up
    # 16 business hours from Monday 10:00 Berlin (09:00 UTC): Monday 7 h, Tuesday 9 h → Tuesday 17:00 Berlin
    assert lead.respond_by == dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(action="lead.offer", target_id=str(lead.pk)).count() == 1


def test_sla_skips_weekend_and_public_holiday(world: World) -> None:
    # Thursday 2 April 2026, 15:00 Berlin; Good Friday 3 April and Easter Monday 6 April are holidays in BW
    lead = offer(world.partner_user, now=dt.datetime(2026, 4, 2, 13, 0, tzinfo=dt.UTC))
    # 2 h on Thursday, then Tuesday 7 April 08:00-17:00 (9 h), Wednesday 08:00 + 5 h = 13:00 Berlin (11:00 UTC)
    assert lead.respond_by == dt.datetime(2026, 4, 8, 11, 0, tzinfo=dt.UTC)


def test_unknown_company_is_not_resolved(world: World) -> None:
    lead = offer(world.partner_user, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    assert lead.resolved_account_id is None
    assert lead.receiver_user_id is None


def test_the_same_company_offered_twice_while_open_is_refused(world: World) -> None:
    offer(world.partner_user)
    with pytest.raises(Conflict) as refused:
        offer(world.partner_user, company_name="Hansa Präzisionsteile", contact_name="Jemand Anders")
    assert refused.value.code == "lead_offered_twice"
    assert Lead.objects.count() == 1


def test_another_partner_may_offer_the_same_company_and_a_decided_lead_may_be_offered_again(
    world: World,
) -> None:
    first = offer(world.partner_user)
    offer(world.other_partner_user)
    lead_decide(
        actor=world.seller,
        lead=first,
        data=LeadDecisionInput(decision="decline", reason="existing_customer"),
        now=T0 + dt.timedelta(hours=1),
    )
    offer(world.partner_user, now=T0 + dt.timedelta(hours=2))
    assert Lead.objects.count() == 3


def test_we_offer_a_lead_to_a_partner(world: World) -> None:
    lead = offer(world.seller, partner_id=world.partner.pk, company_name="Weserwerft AG")
    assert (lead.direction, lead.source) == (LeadDirection.TO_PARTNER, LeadSource.OURS)


def test_our_lead_needs_a_partner(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        offer(world.seller)
    assert "partner_id" in refused.value.fields


def test_partner_user_cannot_offer_in_another_partners_name(world: World) -> None:
    with pytest.raises(NotFound):
        offer(world.partner_user, partner_id=world.other_partner.pk)
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("role_user", ["marketing", "process_owner", "admin"])
def test_our_people_without_leads_work_offer_nothing(world: World, role_user: str) -> None:
    with pytest.raises(Forbidden):
        offer(getattr(world, role_user), partner_id=world.partner.pk)
    assert Lead.objects.count() == 0


def test_accepting_a_lead_to_us_converts_it_to_an_opportunity_with_the_partner_as_sourced(
    world: World,
) -> None:
    lead = offer(world.partner_user)
    lead_decide(
        actor=world.seller,
        lead=lead,
        data=LeadDecisionInput(decision="accept"),
        now=T0 + dt.timedelta(hours=2),
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    opportunity = Opportunity.objects.get(pk=lead.opportunity_id)
    assert opportunity.account_id == world.account.pk
    assert opportunity.source == OpportunitySource.LEAD
    assert opportunity.amount == lead.estimated_amount
    involvement = opportunity.involvements.get()
    assert (involvement.partner_id, involvement.role) == (world.partner.pk, InvolvementRole.SOURCED)
    assert AuditEvent.objects.filter(action="lead.accept", target_id=str(lead.pk)).count() == 1


def test_accepting_an_unknown_company_creates_a_prospect_for_a_seller(world: World) -> None:
    lead = offer(world.partner_user, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    lead_decide(actor=world.seller, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
    lead.refresh_from_db()
    assert lead.opportunity is not None
    assert lead.opportunity.account.name == "Gänzlich Unbekannt KG"


def test_partner_manager_who_may_not_create_accounts_is_asked_to_choose_one(world: World) -> None:
    lead = offer(world.partner_user, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    with pytest.raises(InvalidInput) as refused:
        lead_decide(actor=world.partner_manager, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
    assert "account_id" in refused.value.fields
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED
    lead_decide(
        actor=world.partner_manager,
        lead=lead,
        data=LeadDecisionInput(decision="accept", account_id=world.account.pk),
        now=T0,
    )
    lead.refresh_from_db()
    assert lead.opportunity is not None
    assert lead.opportunity.account_id == world.account.pk


def test_declining_needs_a_reason_of_the_leads_source(world: World) -> None:
    lead = offer(world.partner_user)
    with pytest.raises(InvalidInput):
        lead_decide(actor=world.seller, lead=lead, data=LeadDecisionInput(decision="decline"), now=T0)
    with pytest.raises(InvalidInput) as wrong:
        lead_decide(
            actor=world.seller,
            lead=lead,
            data=LeadDecisionInput(decision="decline", reason="not_sales_ready"),  # a marketing reason
            now=T0,
        )
    assert "reason" in wrong.value.fields
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED
    lead_decide(
        actor=world.seller,
        lead=lead,
        data=LeadDecisionInput(decision="decline", reason="already_in_pipeline", note="Läuft schon"),
        now=T0,
    )
    lead.refresh_from_db()
    assert (lead.status, lead.decline_reason, lead.opportunity_id) == (
        LeadStatus.DECLINED,
        "already_in_pipeline",
        None,
    )


def test_a_lead_is_decided_once(world: World) -> None:
    lead = offer(world.partner_user)
    lead_decide(actor=world.seller, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
    with pytest.raises(Conflict):
        lead_decide(
            actor=world.management,
            lead=Lead.objects.get(pk=lead.pk),
            data=LeadDecisionInput(decision="decline", reason="other"),
            now=T0,
        )
    assert Opportunity.objects.count() == 1


def test_after_its_time_a_lead_cannot_be_decided(world: World) -> None:
    lead = offer(world.partner_user)
    with pytest.raises(Conflict) as late:
        lead_decide(
            actor=world.seller,
            lead=lead,
            data=LeadDecisionInput(decision="accept"),
            now=T0 + dt.timedelta(days=5),
        )
    assert late.value.code == "lead_overdue"


def test_the_partner_decides_our_lead_and_we_do_not(world: World) -> None:
    lead = offer(world.seller, partner_id=world.partner.pk, company_name="Weserwerft AG")
    with pytest.raises(Forbidden):
        lead_decide(actor=world.management, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
    with pytest.raises(NotFound):
        lead_decide(
            actor=world.other_partner_user, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0
        )
    lead_decide(actor=world.partner_user, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert lead.opportunity_id is None  # the partner's deal, not an opportunity of ours


def test_partner_user_cannot_decide_his_own_lead(world: World) -> None:
    lead = offer(world.partner_user)
    with pytest.raises(NotFound):
        lead_decide(actor=world.partner_user, lead=lead, data=LeadDecisionInput(decision="accept"), now=T0)
