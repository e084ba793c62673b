"""Partnerships API: /api/v1/partners, /api/v1/agreements, /api/v1/offers.

Request bodies are the services' own inputs (`alliances.inputs`). Partner users reach only GET /agreements
(their own partner's), GET /agreements/{id} and POST /agreements/{id}/opt-in, and get their own output schema
there (`AgreementPartnerOut`: only the fields docs/partner-portal.md lists); every other endpoint answers them 404.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from handschlag.alliances import services
from handschlag.alliances.access import (
    access_agreement_by_id,
    access_offer_by_id,
    access_partner_by_id,
    portal_partner_for,
)
from handschlag.alliances.enums import (
    AgreementStatus,
    HealthVerdict,
    OfferStatus,
    PartnerStatus,
    PartnerTier,
    PartnerType,
)
from handschlag.alliances.inputs import (
    AgreementInput,
    AgreementPatch,
    FitRatingsInput,
    FitWeightsInput,
    OfferDecisionInput,
    OfferInput,
    PartnerContactInput,
    PartnerInput,
    PartnerPatch,
    PortalUserInput,
    PortalUserPatch,
)
from handschlag.alliances.models import Agreement
from handschlag.alliances.selectors import (
    agreement_list,
    enablement_coverage,
    fit_criteria,
    offer_assess,
    offer_list,
    partner_health,
    partner_list,
    partner_scorecard,
    portal_user_list,
)
from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, is_internal

partners_router = Router(tags=["partners"])
agreements_router = Router(tags=["agreements"])
offers_router = Router(tags=["offers"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _internal(user: User, capability: Capability) -> None:
    """Partner users and roles without the capability: internal endpoints do not exist for them."""
    if not is_internal(user):
        raise NotFound
    require_capability(user, capability)


# --- partners --------------------------------------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    partner_type: PartnerType
    tier: PartnerTier
    website: str
    description: str
    status: PartnerStatus
    manager_id: int | None
    organisation_id: int
    created_at: dt.datetime


class ContactOut(Schema):
    id: int
    name: str
    position: str
    email: str
    phone: str


class PortalUserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    organisation_id: int
    language: str
    is_active: bool


class ScorecardLineOut(Schema):
    criterion_id: int
    criterion: str
    category: str
    weight: int
    score: int | None


class RedFlagOut(Schema):
    code: str
    message: str


class ScorecardOut(Schema):
    score: int | None
    lines: list[ScorecardLineOut]
    red_flags: list[RedFlagOut]


class HealthOut(Schema):
    verdict: HealthVerdict
    points: int
    reasons: list[str]


class CriterionOut(Schema):
    id: int
    name: str
    category: str
    weight: int


@partners_router.get("", response={200: list[PartnerOut], **ERROR_RESPONSES})
@paginate(Page)
def partner_index(request: HttpRequest, q: str = "") -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return partner_list(search=q[:200])


@partners_router.post("", response={201: PartnerOut, **ERROR_RESPONSES})
def partner_create(request: HttpRequest, payload: PartnerInput) -> tuple[int, Any]:
    """A new partner; a name another partner has (in any case) answers 409 `partner_name_taken`."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    return 201, services.partner_create(actor=user, data=payload)


@partners_router.get("/fit-criteria", response={200: list[CriterionOut], **ERROR_RESPONSES})
def fit_criteria_index(request: HttpRequest) -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return list(fit_criteria())


@partners_router.put("/fit-criteria", response={200: list[CriterionOut], **ERROR_RESPONSES})
def fit_criteria_update(request: HttpRequest, payload: FitWeightsInput) -> Any:
    user = _user(request)
    _internal(user, Capability.FIT_WEIGHTS_EDIT)
    services.fit_weights_update(actor=user, data=payload)
    return list(fit_criteria())


@partners_router.get("/{partner_id}", response={200: PartnerOut, **ERROR_RESPONSES})
def partner_read(request: HttpRequest, partner_id: int) -> Any:
    return access_partner_by_id(_user(request), partner_id)


@partners_router.patch("/{partner_id}", response={200: PartnerOut, **ERROR_RESPONSES})
def partner_update(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Any:
    """Change the fields sent; a name another partner has (in any case) answers 409 `partner_name_taken`."""
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return services.partner_update(actor=user, partner=partner, patch=payload)


@partners_router.get("/{partner_id}/contacts", response={200: list[ContactOut], **ERROR_RESPONSES})
def partner_contact_index(request: HttpRequest, partner_id: int) -> Any:
    return list(access_partner_by_id(_user(request), partner_id).contacts.all())


@partners_router.post("/{partner_id}/contacts", response={201: ContactOut, **ERROR_RESPONSES})
def partner_contact_create(
    request: HttpRequest, partner_id: int, payload: PartnerContactInput
) -> tuple[int, Any]:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return 201, services.partner_contact_create(actor=user, partner=partner, data=payload)


@partners_router.get("/{partner_id}/portal-users", response={200: list[PortalUserOut], **ERROR_RESPONSES})
def portal_user_index(request: HttpRequest, partner_id: int) -> Any:
    """The partner's portal logins, the deactivated ones included."""
    return list(portal_user_list(partner=access_partner_by_id(_user(request), partner_id)))


@partners_router.post("/{partner_id}/portal-users", response={201: PortalUserOut, **ERROR_RESPONSES})
def portal_user_create(request: HttpRequest, partner_id: int, payload: PortalUserInput) -> tuple[int, Any]:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return 201, services.portal_user_create(actor=user, partner=partner, data=payload)


@partners_router.post(
    "/{partner_id}/portal-users/{user_id}/deactivate", response={200: PortalUserOut, **ERROR_RESPONSES}
)
def portal_user_deactivate(request: HttpRequest, partner_id: int, user_id: int) -> Any:
    """The login stops working (sessions and API tokens included); the person stays in the audit log."""
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return services.portal_user_deactivate(actor=user, partner=partner, user_id=user_id)


@partners_router.patch(
    "/{partner_id}/portal-users/{user_id}", response={200: PortalUserOut, **ERROR_RESPONSES}
)
def portal_user_update(request: HttpRequest, partner_id: int, user_id: int, payload: PortalUserPatch) -> Any:
    """Change a portal login's name, e-mail address or language, or (re)activate it."""
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return services.portal_user_update(actor=user, partner=partner, user_id=user_id, patch=payload)


@partners_router.get("/{partner_id}/scorecard", response={200: ScorecardOut, **ERROR_RESPONSES})
def partner_scorecard_read(request: HttpRequest, partner_id: int) -> Any:
    scorecard = partner_scorecard(partner=access_partner_by_id(_user(request), partner_id))
    return {
        "score": scorecard.score,
        "lines": [
            {
                "criterion_id": line.criterion.pk,
                "criterion": line.criterion.name,
                "category": line.criterion.category,
                "weight": line.criterion.weight,
                "score": line.score,
            }
            for line in scorecard.lines
        ],
        "red_flags": [{"code": flag.code, "message": flag.message} for flag in scorecard.red_flags],
    }


@partners_router.put("/{partner_id}/scorecard", response={200: ScorecardOut, **ERROR_RESPONSES})
def partner_scorecard_rate(request: HttpRequest, partner_id: int, payload: FitRatingsInput) -> Any:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    services.fit_ratings_set(actor=user, partner=partner, data=payload)
    return partner_scorecard_read(request, partner_id)


@partners_router.get("/{partner_id}/health", response={200: HealthOut, **ERROR_RESPONSES})
def partner_health_read(request: HttpRequest, partner_id: int) -> Any:
    health = partner_health(partner=access_partner_by_id(_user(request), partner_id))
    return {"verdict": health.verdict, "points": health.points, "reasons": health.reasons}


# --- agreements ---------------------------------------------------------------------------------------------------


class AgreementOut(Schema):
    """An agreement as our own people see it: targets and the sellers' incentive plan included."""

    id: int
    partner_id: int
    partner_name: str
    title: str
    status: AgreementStatus
    scope: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    leads_to_us_per_quarter: int
    leads_to_partner_per_quarter: int
    joint_pipeline_target: Decimal
    joint_wins_target: int
    incentive_plan: str
    value_proposition: str
    value_proposition_version: int
    home_opted_in: bool
    partner_opted_in: bool


class AgreementPartnerOut(Schema):
    """An agreement as the partner's users see it: only the fields docs/partner-portal.md lists. Never our
    targets, the sellers' incentive plan or the enablement state. A field added here must be added to that list
    (its test compares the two)."""

    id: int
    partner_name: str
    title: str
    status: AgreementStatus
    scope: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    value_proposition: str
    home_opted_in: bool
    partner_opted_in: bool


def _agreement_internal(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "partner_id": agreement.partner_id,
        "partner_name": agreement.partner.name,
        "title": agreement.title,
        "status": agreement.status,
        "scope": agreement.scope,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "leads_to_us_per_quarter": agreement.leads_to_us_per_quarter,
        "leads_to_partner_per_quarter": agreement.leads_to_partner_per_quarter,
        "joint_pipeline_target": agreement.joint_pipeline_target,
        "joint_wins_target": agreement.joint_wins_target,
        "incentive_plan": agreement.incentive_plan,
        "value_proposition": agreement.value_proposition,
        "value_proposition_version": agreement.value_proposition_version,
        "home_opted_in": agreement.home_opt_in_at is not None,
        "partner_opted_in": agreement.partner_opt_in_at is not None,
    }


def _agreement_for_partner(agreement: Agreement) -> dict[str, Any]:
    """Built from the agreement field by field, never by trimming the internal answer."""
    return {
        "id": agreement.pk,
        "partner_name": agreement.partner.name,
        "title": agreement.title,
        "status": agreement.status,
        "scope": agreement.scope,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "value_proposition": agreement.value_proposition,
        "home_opted_in": agreement.home_opt_in_at is not None,
        "partner_opted_in": agreement.partner_opt_in_at is not None,
    }


def _agreement_out(user: User, agreement: Agreement) -> dict[str, Any]:
    """The answer by role, chosen before anything is serialised."""
    return _agreement_internal(agreement) if is_internal(user) else _agreement_for_partner(agreement)


# Internal answers validate as AgreementOut; a partner's lacks its fields and so can only be AgreementPartnerOut.
AgreementAnyOut = AgreementOut | AgreementPartnerOut


class CoverageOut(Schema):
    percent: int | None
    read: list[str]
    missing: list[str]


class RemindOut(Schema):
    reminded: int


@agreements_router.get("", response={200: list[AgreementAnyOut], **ERROR_RESPONSES})
@paginate(Page)
def agreement_index(request: HttpRequest) -> Any:
    """Our people: every agreement (`AgreementOut`). Partner users: their own partner's (`AgreementPartnerOut`)."""
    user = _user(request)
    if is_internal(user):
        require_capability(user, Capability.PARTNERS_VIEW)
        return [_agreement_out(user, agreement) for agreement in agreement_list()]
    return [_agreement_out(user, agreement) for agreement in agreement_list(partner=portal_partner_for(user))]


@agreements_router.post("", response={201: AgreementOut, **ERROR_RESPONSES})
def agreement_create(request: HttpRequest, payload: AgreementInput) -> tuple[int, Any]:
    """A second active agreement of a partner answers 409 `active_agreement_exists`."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    return 201, _agreement_internal(services.agreement_create(actor=user, data=payload))


@agreements_router.get("/{agreement_id}", response={200: AgreementAnyOut, **ERROR_RESPONSES})
def agreement_read(request: HttpRequest, agreement_id: int) -> Any:
    user = _user(request)
    return _agreement_out(user, access_agreement_by_id(user, agreement_id))


@agreements_router.patch("/{agreement_id}", response={200: AgreementOut, **ERROR_RESPONSES})
def agreement_update(request: HttpRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    """Change the fields sent; making it active while another is active answers 409 `active_agreement_exists`."""
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    return _agreement_internal(services.agreement_update(actor=user, agreement=agreement, patch=payload))


@agreements_router.post("/{agreement_id}/opt-in", response={200: AgreementAnyOut, **ERROR_RESPONSES})
def agreement_opt_in(request: HttpRequest, agreement_id: int) -> Any:
    """Agree to the sharing rules: partner managers for our side, the partner's users for theirs."""
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id)
    return _agreement_out(user, services.agreement_opt_in(actor=user, agreement=agreement))


class OptInInviteOut(Schema):
    invited: list[str]


@agreements_router.post("/{agreement_id}/opt-in/invite", response={200: OptInInviteOut, **ERROR_RESPONSES})
def agreement_opt_in_invite(request: HttpRequest, agreement_id: int) -> Any:
    """E-mail the partner's active portal users to agree to the sharing rules (409 when he agreed already or has
    nobody to reach). Partner users: 404."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    invited = services.agreement_opt_in_invite(actor=user, agreement=agreement)
    return {"invited": [person.username for person in invited]}


@agreements_router.get("/{agreement_id}/enablement", response={200: CoverageOut, **ERROR_RESPONSES})
def agreement_enablement(request: HttpRequest, agreement_id: int) -> Any:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    coverage = enablement_coverage(agreement=access_agreement_by_id(user, agreement_id))
    return {
        "percent": coverage.percent,
        "read": [person.username for person in coverage.read],
        "missing": [person.username for person in coverage.missing],
    }


@agreements_router.post("/{agreement_id}/acknowledge", response={204: None, **ERROR_RESPONSES})
def agreement_acknowledge(request: HttpRequest, agreement_id: int) -> tuple[int, None]:
    """I have read the value proposition (its current version)."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    services.value_proposition_acknowledge(actor=user, agreement=access_agreement_by_id(user, agreement_id))
    return 204, None


@agreements_router.post("/{agreement_id}/remind", response={200: RemindOut, **ERROR_RESPONSES})
def agreement_remind(request: HttpRequest, agreement_id: int) -> Any:
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    return {"reminded": services.enablement_remind(actor=user, agreement=agreement)}


# --- offers -------------------------------------------------------------------------------------------------------


class OfferOut(Schema):
    id: int
    company_name: str
    contact_name: str
    contact_email: str
    received_on: dt.date
    summary: str
    gives: list[str]
    asks: list[str]
    status: OfferStatus
    decision_note: str
    decided_at: dt.datetime | None
    partner_id: int | None
    mutual_value_score: int
    one_sided: bool
    reasons: list[str]


def _offer_out(offer: Any) -> dict[str, Any]:
    assessment = offer_assess(offer)
    return {
        **{field: getattr(offer, field) for field in OfferOut.model_fields if hasattr(offer, field)},
        "partner_id": offer.partner_id,
        "mutual_value_score": assessment.score,
        "one_sided": assessment.one_sided,
        "reasons": assessment.reasons,
    }


@offers_router.get("", response={200: list[OfferOut], **ERROR_RESPONSES})
@paginate(Page)
def offer_index(request: HttpRequest, status: OfferStatus | None = None) -> Any:
    _internal(_user(request), Capability.OFFERS_TRIAGE)
    return [_offer_out(offer) for offer in offer_list(status=status or "")]


@offers_router.post("", response={201: OfferOut, **ERROR_RESPONSES})
def offer_create(request: HttpRequest, payload: OfferInput) -> tuple[int, Any]:
    user = _user(request)
    _internal(user, Capability.OFFERS_TRIAGE)
    return 201, _offer_out(services.offer_create(actor=user, data=payload))


@offers_router.get("/{offer_id}", response={200: OfferOut, **ERROR_RESPONSES})
def offer_read(request: HttpRequest, offer_id: int) -> Any:
    return _offer_out(access_offer_by_id(_user(request), offer_id))


@offers_router.post("/{offer_id}/decision", response={200: OfferOut, **ERROR_RESPONSES})
def offer_decide(request: HttpRequest, offer_id: int, payload: OfferDecisionInput) -> Any:
    """Accept, decline or ask for more; an offer decided already answers 409 `offer_decided`."""
    user = _user(request)
    offer = access_offer_by_id(user, offer_id)
    return _offer_out(services.offer_decide(actor=user, offer=offer, data=payload))
