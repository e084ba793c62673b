"""Leads from marketing (source 004): a marketing-qualified lead (MQL) handed to sales.

The same `Lead` as a partner's lead to us — direction to us, no partner, source marketing — so sales decides it in
the same inbox with the same service (`lead_decide`): accepting makes it a sales-accepted lead (an opportunity),
declining needs one of the marketing reasons (lead_enums.DECLINE_REASONS_BY_SOURCE), within the business hours
the source allows (LEAD_DECISION_BUSINESS_HOURS, 8 for marketing), else the expiry sweep ends it. Written for the
alignment module (marketing and sales), which links the lead to its campaign.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.core.access import require_capability
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, is_internal
from handschlag.coselling.company_key import company_key
from handschlag.coselling.lead_enums import LeadDirection, LeadSource
from handschlag.coselling.lead_inputs import LeadOfferInput
from handschlag.coselling.models import Lead
from handschlag.coselling.services.leads import (
    LEAD_OFFERED_TWICE,
    _notify_each,
    _receivers_of,
    _resolve,
    lead_respond_by,
)


@transaction.atomic
def lead_offer_from_marketing(*, actor: User, data: LeadOfferInput, now: dt.datetime | None = None) -> Lead:
    """Marketing hands a lead to sales. The seller who owns the account the matching engine finds receives it;
    otherwise it waits in the leads inbox for anyone who works leads. The same company twice while a marketing
    lead on it is open: 409 lead_offered_twice (a unique constraint)."""
    require_capability(actor, Capability.MARKETING_MANAGE)
    if data.partner_id is not None:
        raise InvalidInput.for_field(
            "partner_id", _("A lead from marketing goes to our sales team, not a partner.")
        )
    key = company_key(data.company_name)
    if not key:
        raise InvalidInput.for_field("company_name", _("Enter the company's name."))
    offered_at = now or timezone.now()
    account_id, score = _resolve(data)
    lead = Lead(
        direction=LeadDirection.TO_US,
        source=LeadSource.MARKETING,
        partner=None,
        company_name=data.company_name,
        company_key=key,
        company_domain=data.company_domain,
        company_street=data.company_street,
        company_postal_code=data.company_postal_code,
        company_city=data.company_city,
        company_country=data.company_country,
        need=data.need,
        estimated_amount=data.estimated_amount,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        offered_by=actor,
        offered_at=offered_at,
        respond_by=lead_respond_by(source=LeadSource.MARKETING, offered_at=offered_at),
        resolved_account_id=account_id,
        resolution_score=score,
    )
    if account_id is not None and lead.resolved_account is not None:
        owner = lead.resolved_account.owner
        if owner is not None and owner.is_active and is_internal(owner):
            lead.receiver_user = owner
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        raise Conflict(_(LEAD_OFFERED_TWICE), code="lead_offered_twice") from None
    audit_record(
        actor=actor,
        action="lead.offer",
        target=lead,
        summary=f"lead {lead.company_name} offered (marketing to sales)",
        changes={
            "direction": LeadDirection.TO_US,
            "source": LeadSource.MARKETING,
            "partner": None,
            "company_name": lead.company_name,
            "respond_by": lead.respond_by,
            "resolved_account": account_id,
        },
    )
    _notify_each(
        _receivers_of(lead),
        lead,
        gettext_noop("New lead: %(company)s, please accept or decline by %(due)s"),
        {"company": lead.company_name, "due": lead.respond_by},
    )
    return lead
