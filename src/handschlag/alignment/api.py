"""Marketing and sales API under /api/v1/: surveys, materials, campaigns, icp, exchanges.

No endpoint returns one person's survey answers: there are none stored (docs/adr/0401-survey-anonymity.md). Results
of a survey appear after it is closed, each department only from its minimum number of answers. Partner users get
404 everywhere.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from handschlag.alignment.access import (
    access_exchange_by_id,
    access_feedback_by_id,
    access_material_by_id,
    access_survey_by_id,
    require_alignment_view,
    require_in_module,
)
from handschlag.alignment.enums import CampaignPhase, ExchangeKind, SurveyStatus
from handschlag.alignment.inputs import (
    CampaignInput,
    ExchangeFeedbackInput,
    ExchangeInput,
    FeedbackAnswerInput,
    FeedbackInput,
    IcpVersionInput,
    MaterialInput,
    MaterialPatch,
    MqlInput,
    SurveyAnswerInput,
    SurveyInput,
    SurveyItemInput,
    SurveyItemPatch,
)
from handschlag.alignment.models import Material, Survey
from handschlag.alignment.selectors import (
    campaign_list,
    exchange_list,
    icp_fit_for_accounts,
    icp_version_current,
    icp_version_list,
    material_feedback_list,
    material_list,
    materials_rated_poorly_before_launch,
    mql_figures,
    mql_fit,
    mql_list,
    new_customers,
    new_customers_per_seller,
    quarter_bounds,
    survey_has_answered,
    survey_list,
    survey_results,
    survey_trend,
    surveys_answered_by,
)
from handschlag.alignment.services import exchanges, icp, leads, marketing, surveys
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability

router = Router(tags=["alignment"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- surveys -------------------------------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    code: str
    text: str


class SurveyOut(Schema):
    id: int
    title: str
    year: int
    quarter: int
    status: SurveyStatus
    min_group_size: int
    opened_on: dt.date | None
    closed_on: dt.date | None
    items: list[ItemOut]
    answered_by_me: bool = False


def _survey_out(survey: Survey, user: User, *, answered: bool | None = None) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "title": survey.title,
        "year": survey.year,
        "quarter": survey.quarter,
        "status": survey.status,
        "min_group_size": survey.min_group_size,
        "opened_on": survey.opened_on,
        "closed_on": survey.closed_on,
        "items": [{"id": item.pk, "code": item.code, "text": item.text} for item in survey.items.all()],
        "answered_by_me": survey_has_answered(survey=survey, user=user) if answered is None else answered,
    }


@router.get("/surveys", response={200: list[SurveyOut], **ERROR_RESPONSES})
def survey_index(request: HttpRequest) -> Any:
    """Pulse surveys, newest quarter first (drafts only for those who manage surveys). No counts."""
    user = _user(request)
    require_alignment_view(user)
    answered = set(surveys_answered_by(user=user))
    return [
        _survey_out(survey, user, answered=survey.pk in answered)
        for survey in survey_list(user=user).prefetch_related("items")
    ]


@router.post("/surveys", response={201: SurveyOut, **ERROR_RESPONSES})
def survey_create(request: HttpRequest, payload: SurveyInput) -> Any:
    """A draft for a quarter with the previous quarter's items (or the three self-test questions and three more)."""
    user = _user(request)
    survey = surveys.survey_create(actor=user, data=payload)
    return 201, _survey_out(survey, user)


@router.get("/surveys/trend", response={200: list[dict[str, Any]], **ERROR_RESPONSES})
def survey_trend_read(request: HttpRequest) -> Any:
    """Alignment index per department and gap per closed quarter; `comparable` is false where the items changed."""
    user = _user(request)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    return [
        {
            "survey_id": point.survey.pk,
            "period": point.survey.period_label,
            "index_sales": _round(point.index.get("sales")),
            "index_marketing": _round(point.index.get("marketing")),
            "gap": _round(point.gap),
            "comparable": point.comparable,
        }
        for point in survey_trend()
    ]


@router.get("/surveys/{survey_id}", response={200: SurveyOut, **ERROR_RESPONSES})
def survey_read(request: HttpRequest, survey_id: int) -> Any:
    user = _user(request)
    return _survey_out(access_survey_by_id(user, survey_id), user)


@router.post("/surveys/{survey_id}/items", response={201: ItemOut, **ERROR_RESPONSES})
def survey_item_add(request: HttpRequest, survey_id: int, payload: SurveyItemInput) -> Any:
    user = _user(request)
    item = surveys.survey_item_add(actor=user, survey=access_survey_by_id(user, survey_id), data=payload)
    return 201, {"id": item.pk, "code": item.code, "text": item.text}


def _item_of(user: User, survey_id: int, item_id: int) -> Any:
    survey = access_survey_by_id(user, survey_id)
    item = survey.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound
    return item


@router.patch("/surveys/{survey_id}/items/{item_id}", response={200: ItemOut, **ERROR_RESPONSES})
def survey_item_update(request: HttpRequest, survey_id: int, item_id: int, payload: SurveyItemPatch) -> Any:
    """Reword a statement (drafts only: a statement changed after answers would not be the one answered)."""
    user = _user(request)
    item = surveys.survey_item_update(actor=user, item=_item_of(user, survey_id, item_id), patch=payload)
    return {"id": item.pk, "code": item.code, "text": item.text}


@router.delete("/surveys/{survey_id}/items/{item_id}", response={204: None, **ERROR_RESPONSES})
def survey_item_remove(request: HttpRequest, survey_id: int, item_id: int) -> Any:
    user = _user(request)
    surveys.survey_item_remove(actor=user, item=_item_of(user, survey_id, item_id))
    return 204, None


@router.post("/surveys/{survey_id}/open", response={200: SurveyOut, **ERROR_RESPONSES})
def survey_open(request: HttpRequest, survey_id: int) -> Any:
    user = _user(request)
    survey = surveys.survey_open(actor=user, survey=access_survey_by_id(user, survey_id))
    return _survey_out(survey, user)


@router.post("/surveys/{survey_id}/close", response={200: SurveyOut, **ERROR_RESPONSES})
def survey_close(request: HttpRequest, survey_id: int) -> Any:
    user = _user(request)
    survey = surveys.survey_close(actor=user, survey=access_survey_by_id(user, survey_id))
    return _survey_out(survey, user)


class AnsweredOut(Schema):
    answered: bool


@router.post("/surveys/{survey_id}/answer", response={201: AnsweredOut, **ERROR_RESPONSES})
def survey_answer(request: HttpRequest, survey_id: int, payload: SurveyAnswerInput) -> Any:
    """Answer every item once (1-5). Stored as counts without any link to you; a second answer is refused (409)."""
    user = _user(request)
    surveys.survey_answer(actor=user, survey=access_survey_by_id(user, survey_id), data=payload)
    return 201, {"answered": True}


@router.post("/surveys/{survey_id}/remind", response={200: dict[str, bool], **ERROR_RESPONSES})
def survey_remind(request: HttpRequest, survey_id: int) -> Any:
    """Notify those who have not answered yet (how many is not told while the survey runs)."""
    user = _user(request)
    surveys.survey_remind(actor=user, survey=access_survey_by_id(user, survey_id))
    return {"reminded": True}


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class GroupItemOut(Schema):
    answers: int
    mean: float | None = Field(description="0-100")
    favourable_share: float | None = Field(description="share of 4 and 5, in percent")


class ItemResultOut(Schema):
    code: str
    text: str
    sales: GroupItemOut | None = Field(description="null: fewer answers than the minimum (suppressed)")
    marketing: GroupItemOut | None
    gap: float | None = Field(description="|sales - marketing| of the means, 0-100")
    z: float | None
    p_value: float | None
    significant: bool = Field(description="two-proportion z-test on the favourable shares, p < 0.05")


class ResultsOut(Schema):
    survey_id: int
    period: str
    available: bool = Field(description="false while the survey runs: no results, no counts")
    min_group_size: int
    respondents: dict[str, int | None]
    index: dict[str, float | None]
    overall_index: float | None
    gap: float | None
    suppressed: list[str]
    items: list[ItemResultOut]


def _group_out(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    share = None if result.favourable_share is None else round(100 * result.favourable_share, 1)
    return {"answers": result.answers, "mean": _round(result.mean), "favourable_share": share}


@router.get("/surveys/{survey_id}/results", response={200: ResultsOut, **ERROR_RESPONSES})
def survey_results_read(request: HttpRequest, survey_id: int) -> Any:
    """Figures of a closed survey: index per department, favourability and perception gap per item."""
    user = _user(request)
    survey = access_survey_by_id(user, survey_id)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    results = survey_results(survey=survey)
    return {
        "survey_id": survey.pk,
        "period": survey.period_label,
        "available": results.available,
        "min_group_size": results.min_group_size,
        "respondents": results.respondents,
        "index": {group: _round(value) for group, value in results.index.items()},
        "overall_index": _round(results.overall_index),
        "gap": _round(results.gap),
        "suppressed": list(results.suppressed),
        "items": [
            {
                "code": item.code,
                "text": item.text,
                "sales": _group_out(item.groups.get("sales")),
                "marketing": _group_out(item.groups.get("marketing")),
                "gap": _round(item.gap),
                "z": _round(item.z, 3),
                "p_value": _round(item.p_value, 4),
                "significant": item.significant,
            }
            for item in results.items
        ],
    }


# --- campaigns and materials ---------------------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    starts_on: dt.date
    ends_on: dt.date
    phase: CampaignPhase


def _campaign_out(campaign: Any) -> dict[str, Any]:
    from handschlag.alignment.selectors import campaign_phase_on

    return {
        "id": campaign.pk,
        "name": campaign.name,
        "description": campaign.description,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "phase": campaign_phase_on(campaign, timezone.localdate()),
    }


@router.get("/campaigns", response={200: list[CampaignOut], **ERROR_RESPONSES})
@paginate(Page)
def campaign_index(request: HttpRequest) -> Any:
    require_alignment_view(_user(request))
    return [_campaign_out(campaign) for campaign in campaign_list()]


@router.post("/campaigns", response={201: CampaignOut, **ERROR_RESPONSES})
def campaign_create(request: HttpRequest, payload: CampaignInput) -> Any:
    return 201, _campaign_out(marketing.campaign_create(actor=_user(request), data=payload))


class MaterialOut(Schema):
    id: int
    title: str
    description: str
    campaign_id: int | None
    link: str
    has_file: bool
    version: int
    feedback_count: int
    used_count: int
    rating_mean: float | None
    before_rating: float | None


def _material_out(material: Material) -> dict[str, Any]:
    def rounded(value: Any) -> float | None:
        return None if value is None else round(float(value), 2)

    return {
        "id": material.pk,
        "title": material.title,
        "description": material.description,
        "campaign_id": material.campaign_id,
        "link": material.link,
        "has_file": bool(material.file),
        "version": material.version,
        "feedback_count": getattr(material, "feedback_count", 0),
        "used_count": getattr(material, "used_count", 0),
        "rating_mean": rounded(getattr(material, "rating_mean", None)),
        "before_rating": rounded(getattr(material, "before_rating", None)),
    }


def _annotated(material_id: int) -> Material:
    return material_list().get(pk=material_id)


@router.get("/materials", response={200: list[MaterialOut], **ERROR_RESPONSES})
@paginate(Page)
def material_index(request: HttpRequest) -> Any:
    """Materials with usage (feedback "used with a customer") and mean rating, overall and before launch."""
    require_alignment_view(_user(request))
    return [_material_out(material) for material in material_list()]


@router.post("/materials", response={201: MaterialOut, **ERROR_RESPONSES})
def material_create(request: HttpRequest, payload: MaterialInput) -> Any:
    """A material as a link (upload files on the page)."""
    material = marketing.material_create(actor=_user(request), data=payload)
    return 201, _material_out(_annotated(material.pk))


class PoorMaterialOut(MaterialOut):
    comments: list[dict[str, Any]]


@router.get("/materials/poorly-rated", response={200: list[PoorMaterialOut], **ERROR_RESPONSES})
def material_poorly_rated(request: HttpRequest) -> Any:
    """Materials rated 2 of 5 or worse on average before launch, with sales' comments (for marketing)."""
    require_in_module(_user(request), Capability.MARKETING_MANAGE)
    return [
        {
            **_material_out(material),
            "comments": [
                {"rating": feedback.rating, "comment": feedback.comment, "author": str(feedback.author)}
                for feedback in getattr(material, "before_feedback", [])
            ],
        }
        for material in materials_rated_poorly_before_launch()
    ]


@router.get("/materials/{material_id}", response={200: MaterialOut, **ERROR_RESPONSES})
def material_read(request: HttpRequest, material_id: int) -> Any:
    material = access_material_by_id(_user(request), material_id)
    return _material_out(_annotated(material.pk))


@router.patch("/materials/{material_id}", response={200: MaterialOut, **ERROR_RESPONSES})
def material_update(request: HttpRequest, material_id: int, payload: MaterialPatch) -> Any:
    user = _user(request)
    material = marketing.material_update(
        actor=user, material=access_material_by_id(user, material_id), patch=payload
    )
    return _material_out(_annotated(material.pk))


class FeedbackOut(Schema):
    id: int
    author: str
    phase: CampaignPhase
    material_version: int
    rating: int
    comment: str
    used_with_customer: bool
    created_at: dt.datetime
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None


def _feedback_out(feedback: Any) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "author": str(feedback.author),
        "phase": feedback.phase,
        "material_version": feedback.material_version,
        "rating": feedback.rating,
        "comment": feedback.comment,
        "used_with_customer": feedback.used_with_customer,
        "created_at": feedback.created_at,
        "answer": feedback.answer,
        "answered_by": str(feedback.answered_by) if feedback.answered_by else None,
        "answered_at": feedback.answered_at,
    }


@router.get("/materials/{material_id}/feedback", response={200: list[FeedbackOut], **ERROR_RESPONSES})
@paginate(Page)
def material_feedback_index(request: HttpRequest, material_id: int) -> Any:
    material = access_material_by_id(_user(request), material_id)
    return [_feedback_out(feedback) for feedback in material_feedback_list(material=material)]


@router.post("/materials/{material_id}/feedback", response={201: FeedbackOut, **ERROR_RESPONSES})
def material_feedback_give(request: HttpRequest, material_id: int, payload: FeedbackInput) -> Any:
    """Sales' rating (1-5), comment and "used with a customer?"; the phase is the campaign's today unless given."""
    user = _user(request)
    feedback = marketing.material_feedback_give(
        actor=user, material=access_material_by_id(user, material_id), data=payload
    )
    return 201, _feedback_out(feedback)


@router.post(
    "/materials/{material_id}/feedback/{feedback_id}/answer", response={200: FeedbackOut, **ERROR_RESPONSES}
)
def material_feedback_answer(
    request: HttpRequest, material_id: int, feedback_id: int, payload: FeedbackAnswerInput
) -> Any:
    user = _user(request)
    material = access_material_by_id(user, material_id)
    feedback = marketing.material_feedback_answer(
        actor=user, feedback=access_feedback_by_id(user, material, feedback_id), data=payload
    )
    return _feedback_out(feedback)


# --- ICP -----------------------------------------------------------------------------------------------------------


class CriterionOut(Schema):
    kind: str
    weight: int
    values: str
    minimum: float | None
    maximum: float | None


class IcpVersionOut(Schema):
    id: int
    number: int
    valid_from: dt.date
    note: str
    target_threshold: int
    criteria: list[CriterionOut]


def _version_out(version: Any) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "valid_from": version.valid_from,
        "note": version.note,
        "target_threshold": version.target_threshold,
        "criteria": [
            {
                "kind": criterion.kind,
                "weight": criterion.weight,
                "values": criterion.values,
                "minimum": None if criterion.minimum is None else float(criterion.minimum),
                "maximum": None if criterion.maximum is None else float(criterion.maximum),
            }
            for criterion in version.criteria.all()
        ],
    }


@router.get("/icp/versions", response={200: list[IcpVersionOut], **ERROR_RESPONSES})
def icp_version_index(request: HttpRequest) -> Any:
    """Every version of the ideal customer profile, newest first."""
    require_alignment_view(_user(request))
    return [_version_out(version) for version in icp_version_list()]


@router.post("/icp/versions", response={201: IcpVersionOut, **ERROR_RESPONSES})
def icp_version_create(request: HttpRequest, payload: IcpVersionInput) -> Any:
    """A new version (criteria with weights 1-10), valid from its day until the next one."""
    version = icp.icp_version_create(actor=_user(request), data=payload)
    return 201, _version_out(icp_version_list().get(pk=version.pk))


class FitOut(Schema):
    account_id: int
    score: int
    band: str
    reasons: list[dict[str, str]] = Field(description="per criterion: met, not_met or unknown")


class FitQuery(Schema):
    band: str | None = Field(None, pattern="^[ABCD]$")


@router.get("/icp/fit", response={200: list[FitOut], **ERROR_RESPONSES})
@paginate(Page)
def icp_fit_index(request: HttpRequest, filters: Query[FitQuery]) -> Any:
    """The fit of every account you may see against the current version, scored in bulk; best first."""
    user = _user(request)
    require_alignment_view(user)
    fits = icp_fit_for_accounts(user=user)
    rows: list[dict[str, Any]] = [
        {
            "account_id": account_id,
            "score": fit.score,
            "band": fit.band,
            "reasons": [{"criterion": kind, "verdict": verdict} for kind, verdict in fit.reasons],
        }
        for account_id, fit in fits.items()
        if filters.band is None or fit.band == filters.band
    ]
    rows.sort(key=lambda row: (-row["score"], row["account_id"]))
    return rows


class NewCustomerQuery(Schema):
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)


@router.get("/icp/new-customers", response={200: dict[str, Any], **ERROR_RESPONSES})
def icp_new_customers(request: HttpRequest, filters: Query[NewCustomerQuery]) -> Any:
    """New customers of a quarter per seller, each judged against the ICP version valid when it became a customer."""
    user = _user(request)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    start, end = quarter_bounds(filters.year, filters.quarter)
    customers = new_customers(user=user, start=start, end=end)
    return {
        "start": start,
        "end": end,
        "customers": [
            {
                "account_id": customer.account_id,
                "name": customer.name,
                "owner_id": customer.owner_id,
                "customer_since": customer.customer_since,
                "icp_version": customer.version_number,
                "score": customer.score,
                "band": customer.band,
                "in_target": customer.in_target,
                "reasons": [{"criterion": kind, "verdict": verdict} for kind, verdict in customer.reasons],
            }
            for customer in customers
        ],
        "per_seller": [
            {
                "owner_id": row.owner_id,
                "owner": row.owner_name,
                "new_customers": row.new_customers,
                "outside_target": row.outside_target,
                "unjudged": row.unjudged,
                "in_target_share": _round(row.in_target_share),
            }
            for row in new_customers_per_seller(customers)
        ],
    }


# --- exchanges -----------------------------------------------------------------------------------------------------


class ExchangeFeedbackOut(Schema):
    side: str
    author: str
    rating: int
    text: str


class ExchangeOut(Schema):
    id: int
    kind: ExchangeKind
    host_id: int
    guest_id: int
    date: dt.date
    account_ids: list[int]
    notes: str
    top_account_share: float | None
    representative: bool | None
    feedback: list[ExchangeFeedbackOut]


def _exchange_out(exchange: Any) -> dict[str, Any]:
    return {
        "id": exchange.pk,
        "kind": exchange.kind,
        "host_id": exchange.host_id,
        "guest_id": exchange.guest_id,
        "date": exchange.date,
        "account_ids": sorted(account.pk for account in exchange.accounts.all()),
        "notes": exchange.notes,
        "top_account_share": None
        if exchange.top_account_share is None
        else float(exchange.top_account_share),
        "representative": exchange.representative,
        "feedback": [
            {"side": item.side, "author": str(item.author), "rating": item.rating, "text": item.text}
            for item in exchange.feedback.all()
        ],
    }


@router.get("/exchanges", response={200: list[ExchangeOut], **ERROR_RESPONSES})
@paginate(Page)
def exchange_index(request: HttpRequest) -> Any:
    require_alignment_view(_user(request))
    return [
        _exchange_out(exchange)
        for exchange in exchange_list().prefetch_related("accounts", "feedback__author")
    ]


@router.post("/exchanges", response={201: ExchangeOut, **ERROR_RESPONSES})
def exchange_create(request: HttpRequest, payload: ExchangeInput) -> Any:
    """Record a job-rotation day or ride-along; `representative` is computed from the host's accounts."""
    user = _user(request)
    exchange = exchanges.exchange_create(actor=user, data=payload)
    return 201, _exchange_out(access_exchange_by_id(user, exchange.pk))


@router.post("/exchanges/{exchange_id}/feedback", response={201: ExchangeOut, **ERROR_RESPONSES})
def exchange_feedback(request: HttpRequest, exchange_id: int, payload: ExchangeFeedbackInput) -> Any:
    """Host or guest, once each."""
    user = _user(request)
    exchange = access_exchange_by_id(user, exchange_id)
    exchanges.exchange_feedback_give(actor=user, exchange=exchange, data=payload)
    return 201, _exchange_out(access_exchange_by_id(user, exchange_id))


# --- leads from marketing (MQL → SAL) ------------------------------------------------------------------------------


class MqlOut(Schema):
    id: int
    lead_id: int
    campaign_id: int | None
    company_name: str
    status: str = Field(description="co-selling's lead status: offered, accepted (SAL), declined, expired")
    respond_by: dt.datetime
    decline_reason: str
    fit_score: int | None = Field(description="against the current ideal customer profile")
    fit_band: str | None


def _mql_out(item: Any, version: Any) -> dict[str, Any]:
    fit = mql_fit(item, version)
    return {
        "id": item.pk,
        "lead_id": item.lead_id,
        "campaign_id": item.campaign_id,
        "company_name": item.lead.company_name,
        "status": item.lead.status,
        "respond_by": item.lead.respond_by,
        "decline_reason": item.lead.decline_reason,
        "fit_score": fit.score if fit else None,
        "fit_band": fit.band if fit else None,
    }


@router.get("/mql", response={200: list[MqlOut], **ERROR_RESPONSES})
@paginate(Page)
def mql_index(request: HttpRequest) -> Any:
    """Leads marketing handed to sales (sales decides them in /api/v1/leads); no contact details here."""
    require_alignment_view(_user(request))
    version = icp_version_current()
    return [_mql_out(item, version) for item in mql_list()]


@router.post("/mql", response={201: MqlOut, **ERROR_RESPONSES})
def mql_create(request: HttpRequest, payload: MqlInput) -> Any:
    """Hand a marketing-qualified lead to sales: co-selling's lead (source marketing, 8 business hours to decide)."""
    item = leads.mql_hand_over(actor=_user(request), data=payload)
    return 201, _mql_out(mql_list().get(pk=item.pk), icp_version_current())


@router.get("/mql/figures", response={200: list[dict[str, Any]], **ERROR_RESPONSES})
def mql_figures_read(request: HttpRequest) -> Any:
    """MQL → SAL per campaign: handed over, accepted, declined (with reason codes), expired, open, acceptance rate
    (accepted ÷ decided or expired, in percent)."""
    require_in_module(_user(request), Capability.ALIGNMENT_FIGURES_VIEW)
    return [
        {
            "campaign_id": row.campaign_id,
            "campaign": row.campaign_name,
            "handed_over": row.handed_over,
            "accepted": row.accepted,
            "declined": row.declined,
            "expired": row.expired,
            "open": row.open,
            "acceptance_rate": _round(row.acceptance_rate),
            "decline_reasons": row.reasons,
        }
        for row in mql_figures()
    ]
