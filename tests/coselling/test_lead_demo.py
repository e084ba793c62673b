"""The demo's leads and deal registrations (source 002): leads both ways on the lived alliance, one waiting each
way, a declined one with its reason; an approved registration on the "expiring soon" list and a waiting one whose
approver sees our own open opportunity as a conflict; nothing for the paper partner. The lead figures the health
score reads show both directions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from handschlag.accounts.demo import build_accounts
from handschlag.alliances.demo import LIVED_PARTNER, PAPER_PARTNER, build_partnerships
from handschlag.alliances.extensions import SIGNAL_LEADS, partnership_signals_for
from handschlag.alliances.models import Partner
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed
from handschlag.coselling.lead_demo import build_leads
from handschlag.coselling.lead_enums import (
    LeadDirection,
    LeadStatus,
    RegistrationConflictKind,
    RegistrationStatus,
)
from handschlag.coselling.models import DealRegistration, Lead
from handschlag.coselling.selectors.leads import registration_conflicts, registrations_expiring_soon

pytestmark = pytest.mark.django_db


def test_the_demo_exchanges_leads_both_ways_and_registers_deals() -> None:
    with demo_passwords_allowed():
        context = build_organisation(size="small")
        context.built["accounts"] = build_accounts(context, count=60)
        context.built["partnerships"] = build_partnerships(context)
    # marketing's leads of the alignment demo may come first; they do not stop the partner's
    now = timezone.now()
    Lead.objects.create(
        direction=LeadDirection.TO_US,
        source="marketing",
        company_name="Kiosk am Markt",
        company_key="kiosk am markt",
        contact_name="Jemand",
        offered_by=context.users["marketing"],
        offered_at=now,
        respond_by=now,
    )
    built = build_leads(context)
    lived = Partner.objects.get(name=LIVED_PARTNER)
    assert Lead.objects.filter(partner=lived, direction=LeadDirection.TO_US).count() == 7
    assert Lead.objects.filter(partner=lived, direction=LeadDirection.TO_PARTNER).count() == 6
    to_us = Lead.objects.filter(direction=LeadDirection.TO_US)
    assert to_us.filter(status=LeadStatus.ACCEPTED, opportunity__isnull=False).count() == 5
    assert to_us.get(status=LeadStatus.DECLINED).decline_reason == "no_capacity"
    assert Lead.objects.filter(partner=lived, status=LeadStatus.OFFERED).count() == 2
    assert not Lead.objects.filter(partner__name=PAPER_PARTNER).exists()
    approved, pending = built["registrations"]  # type: ignore[misc]
    assert approved.status == RegistrationStatus.APPROVED
    assert list(registrations_expiring_soon()) == [approved]
    pending = DealRegistration.objects.get(pk=pending.pk)
    assert pending.status == RegistrationStatus.PENDING
    kinds = {conflict.kind for conflict in registration_conflicts(registration=pending)}
    assert RegistrationConflictKind.OUR_OPPORTUNITY in kinds
    figures = partnership_signals_for([lived.agreements.get(status="active").pk])[SIGNAL_LEADS]
    lead_figures = next(iter(figures.values()))
    assert (lead_figures.received, lead_figures.sent, lead_figures.accepted) == (7, 6, 10)
    assert lead_figures.hours_to_accept is not None
