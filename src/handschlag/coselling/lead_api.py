"""Leads and deal registrations under /api/v1/: `/leads` and `/deal-registrations`.

Our people get the internal answers (`LeadOut`, `RegistrationOut`: what the engine found among our accounts, the
owner, the conflicts). A partner user gets his own output schemas (`LeadPartnerOut`, `RegistrationPartnerOut`),
built field by field from an allow-list (docs/partner-portal.md), never ours with fields removed; he sees his own
partner's leads and registrations only, everything else answers 404. Contact details of a lead are shown to its
receiver only after he accepted it (its sender knows them anyway).
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.models import User
from handschlag.core.roles import is_internal
from handschlag.coselling.lead_access import (
    access_lead_by_id,
    access_registration_by_id,
    check_leads_work,
    check_registrations_decide,
    check_registrations_read,
    partner_of_portal_user,
)
from handschlag.coselling.lead_enums import (
    AccountResolution,
    ExtensionStatus,
    LeadDeclineReason,
    LeadDirection,
    LeadSource,
    LeadStatus,
    RegistrationConflictKind,
    RegistrationStatus,
)
from handschlag.coselling.lead_inputs import (
    DealRegistrationInput,
    ExtensionDecisionInput,
    ExtensionRequestInput,
    LeadDecisionInput,
    LeadOfferInput,
    RegistrationDecisionInput,
)
from handschlag.coselling.models import DealRegistration, Lead
from handschlag.coselling.selectors.leads import (
    lead_list,
    lead_resolution,
    partner_lead_list,
    partner_registration_list,
    registration_conflicts,
    registration_list,
    registrations_expiring_soon,
)
from handschlag.coselling.services import leads as lead_services
from handschlag.coselling.services import registrations as registration_services

router = Router(tags=["leads", "deal-registrations"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- leads -------------------------------------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    email: str
    phone: str


class ResolutionOut(Schema):
    account_id: int | None
    account_name: str
    is_customer: bool
    owner_name: str
    score: float | None
    open_opportunity_ids: list[int]


class LeadOut(Schema):
    id: int
    direction: LeadDirection
    source: LeadSource
    partner_id: int | None
    partner_name: str
    status: LeadStatus
    company_name: str
    company_domain: str
    company_street: str
    company_postal_code: str
    company_city: str
    company_country: str
    product_line_id: int | None
    need: str
    estimated_amount: Decimal | None
    contact: ContactOut | None
    offered_by_id: int
    offered_at: dt.datetime
    respond_by: dt.datetime
    receiver_user_id: int | None
    decided_at: dt.datetime | None
    decline_reason: LeadDeclineReason | Literal[""]
    decision_note: str
    expired_at: dt.datetime | None
    resolution: ResolutionOut
    opportunity_id: int | None


class LeadPartnerOut(Schema):
    """A lead as the partner's users see it. `box`: "received" (we offered it to him) or "sent" (his own)."""

    id: int
    box: Literal["received", "sent"]
    status: LeadStatus
    company_name: str
    company_domain: str
    company_street: str
    company_postal_code: str
    company_city: str
    company_country: str
    product_line: str
    need: str
    estimated_amount: Decimal | None
    contact: ContactOut | None
    offered_at: dt.datetime
    respond_by: dt.datetime
    decided_at: dt.datetime | None
    decline_reason: LeadDeclineReason | Literal[""]
    decision_note: str


def contact_visible(lead: Lead, *, internal: bool) -> bool:
    """The sender knows the contact; the receiver sees it once he accepted."""
    sender_is_us = lead.direction == LeadDirection.TO_PARTNER
    if internal == sender_is_us:
        return True
    return lead.status == LeadStatus.ACCEPTED


def _contact(lead: Lead, *, internal: bool) -> dict[str, str] | None:
    if not contact_visible(lead, internal=internal):
        return None
    return {"name": lead.contact_name, "email": lead.contact_email, "phone": lead.contact_phone}


def _company(item: Lead | DealRegistration) -> dict[str, Any]:
    return {
        "company_name": item.company_name,
        "company_domain": item.company_domain,
        "company_street": item.company_street,
        "company_postal_code": item.company_postal_code,
        "company_city": item.company_city,
        "company_country": item.company_country,
    }


def _lead_internal(lead: Lead, *, with_resolution: bool = True) -> dict[str, Any]:
    resolution = lead_resolution(lead=lead) if with_resolution else None
    return {
        "id": lead.pk,
        "direction": lead.direction,
        "source": lead.source,
        "partner_id": lead.partner_id,
        "partner_name": lead.partner.name if lead.partner else "",
        "status": lead.status,
        **_company(lead),
        "product_line_id": lead.product_line_id,
        "need": lead.need,
        "estimated_amount": lead.estimated_amount,
        "contact": _contact(lead, internal=True),
        "offered_by_id": lead.offered_by_id,
        "offered_at": lead.offered_at,
        "respond_by": lead.respond_by,
        "receiver_user_id": lead.receiver_user_id,
        "decided_at": lead.decided_at,
        "decline_reason": lead.decline_reason,
        "decision_note": lead.decision_note,
        "expired_at": lead.expired_at,
        "resolution": {
            "account_id": resolution.account_id if resolution else lead.resolved_account_id,
            "account_name": resolution.account_name if resolution else "",
            "is_customer": resolution.is_customer if resolution else False,
            "owner_name": resolution.owner_name if resolution else "",
            "score": lead.resolution_score,
            "open_opportunity_ids": [item.pk for item in resolution.open_opportunities] if resolution else [],
        },
        "opportunity_id": lead.opportunity_id,
    }


def lead_for_partner(lead: Lead) -> dict[str, Any]:
    """Built from the lead field by field: never what the engine found among our accounts, our people or ids."""
    return {
        "id": lead.pk,
        "box": "received" if lead.direction == LeadDirection.TO_PARTNER else "sent",
        "status": LeadStatus(lead.status),
        **_company(lead),
        "product_line": lead.product_line.name if lead.product_line else "",
        "need": lead.need,
        "estimated_amount": lead.estimated_amount,
        "contact": _contact(lead, internal=False),
        "offered_at": lead.offered_at,
        "respond_by": lead.respond_by,
        "decided_at": lead.decided_at,
        "decline_reason": LeadDeclineReason(lead.decline_reason) if lead.decline_reason else "",
        "decision_note": lead.decision_note,
    }


def _lead_out(user: User, lead: Lead) -> dict[str, Any]:
    return _lead_internal(lead) if is_internal(user) else lead_for_partner(lead)


LeadAnyOut = LeadOut | LeadPartnerOut


@router.get("/leads", response={200: list[LeadAnyOut], **ERROR_RESPONSES})
@paginate(Page)
def lead_index(
    request: HttpRequest, box: Literal["inbox", "outbox", "all"] = "inbox", status: LeadStatus | None = None
) -> Any:
    """Our people (LEADS_WORK): the inbox (leads to us), outbox (leads we offered) or all. Partner users: "inbox"
    what we offered them, "outbox" what they offered us."""
    user = _user(request)
    if is_internal(user):
        check_leads_work(user)
        return [
            _lead_internal(lead, with_resolution=False) for lead in lead_list(box=box, status=status or "")
        ]
    partner = partner_of_portal_user(user)
    leads = partner_lead_list(partner=partner, box="inbox" if box == "inbox" else "outbox")
    if status:
        leads = leads.filter(status=status)
    return [lead_for_partner(lead) for lead in leads]


@router.post("/leads", response={201: LeadAnyOut, **ERROR_RESPONSES})
def lead_create(request: HttpRequest, payload: LeadOfferInput) -> tuple[int, Any]:
    """A partner user offers a lead to us; our people offer one to a partner (`partner_id`). The same company
    offered again while its lead is open: 409 `lead_offered_twice`."""
    user = _user(request)
    return 201, _lead_out(user, lead_services.lead_offer(actor=user, data=payload))


@router.get("/leads/{lead_id}", response={200: LeadAnyOut, **ERROR_RESPONSES})
def lead_read(request: HttpRequest, lead_id: int) -> Any:
    user = _user(request)
    return _lead_out(user, access_lead_by_id(user, lead_id))


@router.post("/leads/{lead_id}/decision", response={200: LeadAnyOut, **ERROR_RESPONSES})
def lead_decision(request: HttpRequest, lead_id: int, payload: LeadDecisionInput) -> Any:
    """The receiver accepts (a lead to us becomes an opportunity) or declines with a reason code. Decided or
    expired before: 409."""
    user = _user(request)
    lead = access_lead_by_id(user, lead_id)
    return _lead_out(user, lead_services.lead_decide(actor=user, lead=lead, data=payload))


# --- deal registrations ------------------------------------------------------------------------------------------


class RegistrationOut(Schema):
    id: int
    partner_id: int
    partner_name: str
    registered_by_id: int
    account_id: int | None
    resolution: AccountResolution
    resolution_score: float | None
    company_name: str
    company_domain: str
    company_street: str
    company_postal_code: str
    company_city: str
    company_country: str
    product_line_id: int
    title: str
    amount: Decimal
    expected_close_date: dt.date | None
    description: str
    status: RegistrationStatus
    decision_reason: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    duplicate_of_id: int | None
    protection_days: int
    protected_until: dt.date | None
    extension_status: ExtensionStatus
    extension_days: int | None
    extension_reason: str
    extension_decision_reason: str
    created_at: dt.datetime


class RegistrationPartnerOut(Schema):
    """A registration as the partner's users see it: status and reasons; never our account, the engine's verdict
    or who of ours decided."""

    id: int
    company_name: str
    company_domain: str
    company_street: str
    company_postal_code: str
    company_city: str
    company_country: str
    product_line: str
    title: str
    amount: Decimal
    expected_close_date: dt.date | None
    description: str
    status: RegistrationStatus
    decision_reason: str
    decided_at: dt.datetime | None
    protected_until: dt.date | None
    extension_status: ExtensionStatus
    extension_days: int | None
    extension_reason: str
    extension_decision_reason: str
    created_at: dt.datetime


class ConflictOut(Schema):
    kind: RegistrationConflictKind
    label: str
    summary: str
    when: dt.datetime | None


def _registration_internal(registration: DealRegistration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "partner_id": registration.partner_id,
        "partner_name": registration.partner.name,
        "registered_by_id": registration.registered_by_id,
        "account_id": registration.account_id,
        "resolution": registration.resolution,
        "resolution_score": registration.resolution_score,
        **_company(registration),
        "product_line_id": registration.product_line_id,
        "title": registration.title,
        "amount": registration.amount,
        "expected_close_date": registration.expected_close_date,
        "description": registration.description,
        "status": registration.status,
        "decision_reason": registration.decision_reason,
        "decided_by_id": registration.decided_by_id,
        "decided_at": registration.decided_at,
        "duplicate_of_id": registration.duplicate_of_id,
        "protection_days": registration.protection_days,
        "protected_until": registration.protected_until,
        "extension_status": registration.extension_status,
        "extension_days": registration.extension_days,
        "extension_reason": registration.extension_reason,
        "extension_decision_reason": registration.extension_decision_reason,
        "created_at": registration.created_at,
    }


def registration_for_partner(registration: DealRegistration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        **_company(registration),
        "product_line": registration.product_line.name,
        "title": registration.title,
        "amount": registration.amount,
        "expected_close_date": registration.expected_close_date,
        "description": registration.description,
        "status": RegistrationStatus(registration.status),
        "decision_reason": registration.decision_reason,
        "decided_at": registration.decided_at,
        "protected_until": registration.protected_until,
        "extension_status": ExtensionStatus(registration.extension_status),
        "extension_days": registration.extension_days,
        "extension_reason": registration.extension_reason,
        "extension_decision_reason": registration.extension_decision_reason,
        "created_at": registration.created_at,
    }


def _registration_out(user: User, registration: DealRegistration) -> dict[str, Any]:
    return (
        _registration_internal(registration) if is_internal(user) else registration_for_partner(registration)
    )


RegistrationAnyOut = RegistrationOut | RegistrationPartnerOut


@router.get("/deal-registrations", response={200: list[RegistrationAnyOut], **ERROR_RESPONSES})
@paginate(Page)
def registration_index(
    request: HttpRequest,
    status: Literal["active", "extension", "pending", "approved", "rejected", "duplicate", "expired"]
    | None = None,
) -> Any:
    """Our people: every registration (filter `status`; "active" = pending or approved, "extension" = an
    extension waits). Partner users: their own partner's."""
    user = _user(request)
    if is_internal(user):
        check_registrations_read(user)
        return [_registration_internal(item) for item in registration_list(status=status or "")]
    registrations = partner_registration_list(partner=partner_of_portal_user(user))
    if status in RegistrationStatus.values:
        registrations = registrations.filter(status=status)
    return [registration_for_partner(item) for item in registrations]


@router.post("/deal-registrations", response={201: RegistrationPartnerOut, **ERROR_RESPONSES})
def registration_create(request: HttpRequest, payload: DealRegistrationInput) -> tuple[int, Any]:
    """A partner user registers a deal. One active registration per account and product line: 409
    `registration_exists` (also when many arrive at once). Our people: 404 (partners register)."""
    user = _user(request)
    registration = registration_services.registration_create(actor=user, data=payload)
    return 201, registration_for_partner(registration)


@router.get("/deal-registrations/expiring-soon", response={200: list[RegistrationOut], **ERROR_RESPONSES})
def registration_expiring_soon(request: HttpRequest) -> Any:
    user = _user(request)
    check_registrations_read(user)
    return [_registration_internal(item) for item in registrations_expiring_soon()]


@router.get("/deal-registrations/{registration_id}", response={200: RegistrationAnyOut, **ERROR_RESPONSES})
def registration_read(request: HttpRequest, registration_id: int) -> Any:
    user = _user(request)
    return _registration_out(user, access_registration_by_id(user, registration_id))


@router.get(
    "/deal-registrations/{registration_id}/conflicts", response={200: list[ConflictOut], **ERROR_RESPONSES}
)
def registration_conflict_list(request: HttpRequest, registration_id: int) -> Any:
    """Before the decision: our open opportunity on the account and product line, another partner's active
    registration on the account, our sellers' activity on it in the last days. Partner users: 404."""
    user = _user(request)
    check_registrations_read(user)
    registration = access_registration_by_id(user, registration_id)
    return [
        {"kind": item.kind, "label": str(item.kind.label), "summary": item.summary, "when": item.when}
        for item in registration_conflicts(registration=registration)
    ]


@router.post(
    "/deal-registrations/{registration_id}/decision", response={200: RegistrationOut, **ERROR_RESPONSES}
)
def registration_decision(
    request: HttpRequest, registration_id: int, payload: RegistrationDecisionInput
) -> Any:
    """Approve (protection_days, default 90), reject (reason) or mark a duplicate. Decided before: 409."""
    user = _user(request)
    check_registrations_decide(user)
    registration = access_registration_by_id(user, registration_id)
    return _registration_internal(
        registration_services.registration_decide(actor=user, registration=registration, data=payload)
    )


@router.post(
    "/deal-registrations/{registration_id}/extension",
    response={200: RegistrationPartnerOut, **ERROR_RESPONSES},
)
def registration_extension(request: HttpRequest, registration_id: int, payload: ExtensionRequestInput) -> Any:
    """The partner asks for more protection; it waits for our approval. Our people: 404."""
    user = _user(request)
    partner_of_portal_user(user)
    registration = access_registration_by_id(user, registration_id)
    return registration_for_partner(
        registration_services.registration_extension_request(
            actor=user, registration=registration, data=payload
        )
    )


@router.post(
    "/deal-registrations/{registration_id}/extension/decision",
    response={200: RegistrationOut, **ERROR_RESPONSES},
)
def registration_extension_decision(
    request: HttpRequest, registration_id: int, payload: ExtensionDecisionInput
) -> Any:
    user = _user(request)
    check_registrations_decide(user)
    registration = access_registration_by_id(user, registration_id)
    return _registration_internal(
        registration_services.registration_extension_decide(
            actor=user, registration=registration, data=payload
        )
    )
