"""Marketing hands qualified leads to sales (MQL → SAL) through co-selling's lead: the lead, its SLA, sales'
acceptance or decline with a reason code live there; this module links each lead to its campaign and to what the
ideal customer profile scores it by."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from handschlag.alignment.access import require_in_module
from handschlag.alignment.inputs import MqlInput
from handschlag.alignment.models import Campaign, CampaignLead
from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.roles import Capability
from handschlag.coselling.lead_inputs import LeadOfferInput
from handschlag.coselling.services.marketing_leads import lead_offer_from_marketing

LEAD_FIELDS = (
    "company_name",
    "company_domain",
    "company_street",
    "company_postal_code",
    "company_city",
    "company_country",
    "need",
    "estimated_amount",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def mql_hand_over(*, actor: User, data: MqlInput) -> CampaignLead:
    """Offer the lead to sales (co-selling audits and notifies) and record its campaign and profile facts."""
    require_in_module(actor, Capability.MARKETING_MANAGE)
    campaign = None
    if data.campaign_id is not None:
        campaign = Campaign.objects.filter(pk=data.campaign_id).first()
        if campaign is None:
            raise InvalidInput.for_field("campaign_id", _("No such campaign."))
    offer = input_build(LeadOfferInput, {name: getattr(data, name) for name in LEAD_FIELDS})
    with transaction.atomic():
        lead = lead_offer_from_marketing(actor=actor, data=offer)
        return CampaignLead.objects.create(
            lead=lead,
            campaign=campaign,
            industry=data.industry,
            employees=data.employees,
            annual_revenue=data.annual_revenue,
        )
