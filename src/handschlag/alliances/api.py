"""Partnerships API: /api/v1/partners, /api/v1/agreements, /api/v1/offers.

Partner users reach only GET /agreements (their own partner's), GET /agreements/{id} and POST
/agreements/{id}/opt-in; every other endpoint answers them 404.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

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
    OfferAsk,
    OfferDecision,
    OfferGive,
    OfferStatus,
    PartnerTier,
    PartnerType,
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
)
from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import InvalidInput, NotFound
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
    manager_id: int | None
    organisation_id: int
    created_at: dt.datetime


class PartnerIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    partner_type: PartnerType = PartnerType.STRATEGIC_ALLIANCE
    tier: PartnerTier = PartnerTier.REGISTERED
    website: str = Field("", max_length=253)
    description: str = Field("", max_length=10_000)
    manager_id: int | None = None


class PartnerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    website: str | None = Field(None, max_length=253)
    description: str | None = Field(None, max_length=10_000)
    manager_id: int | None = None


def _partner_values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    for key in ("name", "partner_type", "tier", "website", "description"):
        if key in data and data[key] is None:
            raise InvalidInput.for_field(key, "This field cannot be null.")
    if "manager_id" in data:
        manager_id = data.pop("manager_id")
        manager = User.objects.filter(pk=manager_id).first() if manager_id is not None else None
        if manager_id is not None and manager is None:
            raise InvalidInput.for_field("manager_id", "No such user.")
        data["manager"] = manager
    return data


class ContactOut(Schema):
    id: int
    name: str
    position: str
    email: str
    phone: str


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    position: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class PortalUserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    password: str | None = Field(None, max_length=128)


class PortalUserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    organisation_id: int


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


class RatingsIn(Schema):
    scores: dict[int, int | None] = Field(description="criterion id → score 0-5 (null removes the rating)")


class HealthOut(Schema):
    verdict: HealthVerdict
    points: int
    reasons: list[str]


class CriterionOut(Schema):
    id: int
    name: str
    category: str
    weight: int


class WeightsIn(Schema):
    weights: dict[int, int] = Field(description="criterion id → weight 0-10")


@partners_router.get("", response={200: list[PartnerOut], **ERROR_RESPONSES})
@paginate(Page)
def partner_index(request: HttpRequest, q: str = "") -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return partner_list(search=q[:200])


@partners_router.post("", response={201: PartnerOut, **ERROR_RESPONSES})
def partner_create(request: HttpRequest, payload: PartnerIn) -> tuple[int, Any]:
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    return 201, services.partner_create(actor=user, data=_partner_values(payload, partial=False))


@partners_router.get("/fit-criteria", response={200: list[CriterionOut], **ERROR_RESPONSES})
def fit_criteria_index(request: HttpRequest) -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return list(fit_criteria())


@partners_router.put("/fit-criteria", response={200: list[CriterionOut], **ERROR_RESPONSES})
def fit_criteria_update(request: HttpRequest, payload: WeightsIn) -> Any:
    user = _user(request)
    _internal(user, Capability.FIT_WEIGHTS_EDIT)
    services.fit_weights_update(actor=user, weights=payload.weights)
    return list(fit_criteria())


@partners_router.get("/{partner_id}", response={200: PartnerOut, **ERROR_RESPONSES})
def partner_read(request: HttpRequest, partner_id: int) -> Any:
    return access_partner_by_id(_user(request), partner_id)


@partners_router.patch("/{partner_id}", response={200: PartnerOut, **ERROR_RESPONSES})
def partner_update(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Any:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return services.partner_update(actor=user, partner=partner, data=_partner_values(payload, partial=True))


@partners_router.get("/{partner_id}/contacts", response={200: list[ContactOut], **ERROR_RESPONSES})
def partner_contact_index(request: HttpRequest, partner_id: int) -> Any:
    return list(access_partner_by_id(_user(request), partner_id).contacts.all())


@partners_router.post("/{partner_id}/contacts", response={201: ContactOut, **ERROR_RESPONSES})
def partner_contact_create(request: HttpRequest, partner_id: int, payload: ContactIn) -> tuple[int, Any]:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return 201, services.partner_contact_create(actor=user, partner=partner, data=payload.dict())


@partners_router.post("/{partner_id}/portal-users", response={201: PortalUserOut, **ERROR_RESPONSES})
def portal_user_create(request: HttpRequest, partner_id: int, payload: PortalUserIn) -> tuple[int, Any]:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    return 201, services.portal_user_create(actor=user, partner=partner, **payload.dict())


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
def partner_scorecard_rate(request: HttpRequest, partner_id: int, payload: RatingsIn) -> Any:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    services.fit_ratings_set(actor=user, partner=partner, scores=payload.scores)
    return partner_scorecard_read(request, partner_id)


@partners_router.get("/{partner_id}/health", response={200: HealthOut, **ERROR_RESPONSES})
def partner_health_read(request: HttpRequest, partner_id: int) -> Any:
    health = partner_health(partner=access_partner_by_id(_user(request), partner_id))
    return {"verdict": health.verdict, "points": health.points, "reasons": health.reasons}


# --- agreements ---------------------------------------------------------------------------------------------------


class AgreementOut(Schema):
    id: int
    partner_id: int
    partner_name: str = Field(alias="partner.name")
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

    @staticmethod
    def resolve_home_opted_in(agreement: Agreement) -> bool:
        return agreement.home_opt_in_at is not None

    @staticmethod
    def resolve_partner_opted_in(agreement: Agreement) -> bool:
        return agreement.partner_opt_in_at is not None


class AgreementIn(Schema):
    partner_id: int
    title: str = Field(min_length=1, max_length=200)
    status: AgreementStatus = AgreementStatus.DRAFT
    scope: str = Field("", max_length=10_000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    leads_to_us_per_quarter: int = Field(0, ge=0, le=1_000_000)
    leads_to_partner_per_quarter: int = Field(0, ge=0, le=1_000_000)
    joint_pipeline_target: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    joint_wins_target: int = Field(0, ge=0, le=1_000_000)
    incentive_plan: str = Field("", max_length=10_000)
    value_proposition: str = Field("", max_length=10_000)


class AgreementPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    status: AgreementStatus | None = None
    scope: str | None = Field(None, max_length=10_000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    leads_to_us_per_quarter: int | None = Field(None, ge=0, le=1_000_000)
    leads_to_partner_per_quarter: int | None = Field(None, ge=0, le=1_000_000)
    joint_pipeline_target: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    joint_wins_target: int | None = Field(None, ge=0, le=1_000_000)
    incentive_plan: str | None = Field(None, max_length=10_000)
    value_proposition: str | None = Field(None, max_length=10_000)


class CoverageOut(Schema):
    percent: int | None
    read: list[str]
    missing: list[str]


class RemindOut(Schema):
    reminded: int


@agreements_router.get("", response={200: list[AgreementOut], **ERROR_RESPONSES})
@paginate(Page)
def agreement_index(request: HttpRequest) -> Any:
    user = _user(request)
    if is_internal(user):
        require_capability(user, Capability.PARTNERS_VIEW)
        return agreement_list()
    return agreement_list(partner=portal_partner_for(user))


@agreements_router.post("", response={201: AgreementOut, **ERROR_RESPONSES})
def agreement_create(request: HttpRequest, payload: AgreementIn) -> tuple[int, Any]:
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    data = payload.dict()
    partner = access_partner_by_id(user, data.pop("partner_id"), for_write=True)
    return 201, services.agreement_create(actor=user, partner=partner, data=data)


@agreements_router.get("/{agreement_id}", response={200: AgreementOut, **ERROR_RESPONSES})
def agreement_read(request: HttpRequest, agreement_id: int) -> Any:
    return access_agreement_by_id(_user(request), agreement_id)


@agreements_router.patch("/{agreement_id}", response={200: AgreementOut, **ERROR_RESPONSES})
def agreement_update(request: HttpRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    data = payload.dict(exclude_unset=True)
    for key in ("title", "status", "scope", "incentive_plan", "value_proposition"):
        if key in data and data[key] is None:
            raise InvalidInput.for_field(key, "This field cannot be null.")
    return services.agreement_update(actor=user, agreement=agreement, data=data)


@agreements_router.post("/{agreement_id}/opt-in", response={200: AgreementOut, **ERROR_RESPONSES})
def agreement_opt_in(request: HttpRequest, agreement_id: int) -> Any:
    """Agree to the sharing rules: partner managers for our side, the partner's users for theirs."""
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id)
    return services.agreement_opt_in(actor=user, agreement=agreement)


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
    missing = enablement_coverage(agreement=agreement).missing
    return {"reminded": services.enablement_remind(actor=user, agreement=agreement, missing=missing)}


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


class OfferIn(Schema):
    company_name: str = Field(min_length=1, max_length=200)
    contact_name: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=254)
    received_on: dt.date | None = None
    summary: str = Field("", max_length=10_000)
    gives: list[OfferGive] = Field(default_factory=list, max_length=20)
    asks: list[OfferAsk] = Field(default_factory=list, max_length=20)


class DecisionIn(Schema):
    decision: OfferDecision
    note: str = Field("", max_length=5000)


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
def offer_create(request: HttpRequest, payload: OfferIn) -> tuple[int, Any]:
    user = _user(request)
    _internal(user, Capability.OFFERS_TRIAGE)
    data = payload.dict()
    if data["received_on"] is None:
        data.pop("received_on")
    return 201, _offer_out(services.offer_create(actor=user, data=data))


@offers_router.get("/{offer_id}", response={200: OfferOut, **ERROR_RESPONSES})
def offer_read(request: HttpRequest, offer_id: int) -> Any:
    return _offer_out(access_offer_by_id(_user(request), offer_id))


@offers_router.post("/{offer_id}/decision", response={200: OfferOut, **ERROR_RESPONSES})
def offer_decide(request: HttpRequest, offer_id: int, payload: DecisionIn) -> Any:
    user = _user(request)
    offer = access_offer_by_id(user, offer_id)
    return _offer_out(
        services.offer_decide(actor=user, offer=offer, decision=payload.decision, note=payload.note)
    )
