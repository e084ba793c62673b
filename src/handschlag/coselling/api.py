"""Co-selling API under /api/v1/: opportunities (with stage history, partners and the incentive calculator) and
incentive plans. Leads and deal registrations are in lead_api.py. Partner users get 404 for all of it."""

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.alliances.access import access_agreement_by_id, access_partner_by_id
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.coselling.access import access_involvement_by_id, access_opportunity_by_id
from handschlag.coselling.calculator import Option
from handschlag.coselling.enums import (
    InvolvementReason,
    InvolvementRole,
    OpportunitySource,
    OpportunityStatus,
    RescueReason,
)
from handschlag.coselling.inputs import (
    Id,
    IncentivePlanInput,
    InvolvementInput,
    OpportunityInput,
    OpportunityPatch,
    RiskInput,
    StageMoveInput,
)
from handschlag.coselling.models import IncentivePlan, Opportunity, PartnerInvolvement
from handschlag.coselling.partner_figures import not_enough
from handschlag.coselling.selectors.figures import calculation_for
from handschlag.coselling.selectors.opportunities import (
    OpportunityFilters,
    opportunity_history,
    opportunity_involvements,
    opportunity_list,
    pipeline_stages,
)
from handschlag.coselling.services import imports as import_services
from handschlag.coselling.services import incentives as incentive_services
from handschlag.coselling.services import opportunities as services

router = Router(tags=["coselling"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_view(user: User) -> None:
    if not has_capability(user, Capability.OPPORTUNITIES_VIEW):
        raise NotFound


class StageOut(Schema):
    id: int
    name: str
    position: int
    kind: str


class OpportunityOut(Schema):
    id: int
    account_id: int
    title: str
    product_line_id: int | None
    amount: Decimal
    currency: str = "EUR"
    owner_id: int | None
    stage: StageOut
    status: OpportunityStatus
    expected_close_date: dt.date | None
    at_risk: bool
    at_risk_reason: str
    lost_reason: str
    external_id: str
    source: OpportunitySource
    stage_entered_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None


class StageChangeOut(Schema):
    at: dt.datetime
    by_id: int | None
    kind: str = Field(description="stage, risk or risk_cleared")
    from_stage: str
    to_stage: str
    reopened: bool
    note: str


class InvolvementOut(Schema):
    id: int
    partner_id: int
    role: InvolvementRole
    reason: InvolvementReason
    joined_at: dt.datetime
    stage_at_entry: str
    rescue: bool
    rescue_reason: RescueReason

    @staticmethod
    def resolve_stage_at_entry(obj: PartnerInvolvement) -> str:
        return obj.stage_at_entry.name

    @staticmethod
    def resolve_rescue(obj: PartnerInvolvement) -> bool:
        return obj.is_rescue


class OpportunityQuery(Schema):
    q: str = Field("", max_length=200)
    status: OpportunityStatus | None = None
    stage_id: Id | None = None
    owner_id: Id | None = None
    product_line_id: Id | None = None
    partner_id: Id | None = None
    account_id: Id | None = None
    at_risk: bool | None = None
    rescue: bool | None = None
    sort: str = Field("-created", description="created, amount, close, title, stage; '-' for descending")


def _opportunity(user: User, opportunity_id: int) -> Opportunity:
    return access_opportunity_by_id(user, opportunity_id)


@router.get("/opportunities", response={200: list[OpportunityOut], **ERROR_RESPONSES})
@paginate(Page)
def opportunity_index(request: HttpRequest, filters: Query[OpportunityQuery]) -> Any:
    """Opportunities, newest first unless sorted otherwise; `status` open, won or lost."""
    user = _user(request)
    _require_view(user)
    return opportunity_list(
        actor=user,
        filters=OpportunityFilters(
            search=filters.q.strip(),
            status=filters.status or "",
            stage_id=filters.stage_id,
            owner_id=filters.owner_id,
            product_line_id=filters.product_line_id,
            partner_id=filters.partner_id,
            account_id=filters.account_id,
            at_risk=filters.at_risk,
            rescue=filters.rescue,
            sort=filters.sort,
        ),
    )


@router.post("/opportunities", response={201: OpportunityOut, **ERROR_RESPONSES})
def opportunity_create(request: HttpRequest, payload: OpportunityInput) -> tuple[int, Any]:
    """A new opportunity on one of our accounts; without `stage_id` it starts in the first stage. The amount is
    never negative; the stage history starts with this creation."""
    user = _user(request)
    opportunity = services.opportunity_create(actor=user, data=payload)
    return 201, _opportunity(user, opportunity.pk)


class ImportProblemOut(Schema):
    line: int
    field: str
    value: str
    reason: str
    warning: bool


class ImportOut(Schema):
    created: int
    updated: int
    resolved_by: dict[str, int] = Field(description="accounts found by crm_id, domain, engine")
    problems: list[ImportProblemOut]


@router.post("/opportunities/import", response={200: ImportOut, **ERROR_RESPONSES})
def opportunity_import(request: HttpRequest, file: File[UploadedFile], preset: str = "") -> Any:
    """Opportunities from a CRM export (CSV or XLSX; `preset` salesforce, hubspot, pipedrive or empty to detect).
    Accounts are found by CRM id, then domain, then the matching engine; a known opportunity CRM id updates it.
    Management only."""
    user = _user(request)
    _require_view(user)
    with tempfile.NamedTemporaryFile(suffix=Path(file.name or "export.csv").suffix[:10]) as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        outcome = import_services.opportunity_import(
            actor=user, path=Path(handle.name), source=file.name or "export.csv", preset=preset
        )
    return {
        "created": outcome.created,
        "updated": outcome.updated,
        "resolved_by": outcome.resolved_by,
        "problems": [problem.__dict__ for problem in outcome.problems],
    }


@router.get("/opportunities/stages", response={200: list[StageOut], **ERROR_RESPONSES})
def opportunity_stages(request: HttpRequest) -> Any:
    """The stages of the default pipeline, in order."""
    _require_view(_user(request))
    return pipeline_stages()


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERROR_RESPONSES})
def opportunity_read(request: HttpRequest, opportunity_id: int) -> Any:
    return _opportunity(_user(request), opportunity_id)


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERROR_RESPONSES})
def opportunity_update(request: HttpRequest, opportunity_id: int, payload: OpportunityPatch) -> Any:
    """Title, product line, amount, owner, expected close date, CRM id. The stage changes with POST …/stage."""
    user = _user(request)
    services.opportunity_update(actor=user, opportunity=_opportunity(user, opportunity_id), patch=payload)
    return _opportunity(user, opportunity_id)


@router.post("/opportunities/{opportunity_id}/stage", response={200: OpportunityOut, **ERROR_RESPONSES})
def opportunity_move(request: HttpRequest, opportunity_id: int, payload: StageMoveInput) -> Any:
    """Move forward, or close (lost needs `lost_reason`). Going backwards is refused (400, code
    `stage_backwards`); a won or lost deal goes back to an open stage only with `reopen: true`."""
    user = _user(request)
    services.opportunity_move(actor=user, opportunity=_opportunity(user, opportunity_id), data=payload)
    return _opportunity(user, opportunity_id)


@router.post("/opportunities/{opportunity_id}/risk", response={200: OpportunityOut, **ERROR_RESPONSES})
def opportunity_risk(request: HttpRequest, opportunity_id: int, payload: RiskInput) -> Any:
    user = _user(request)
    services.opportunity_mark_risk(actor=user, opportunity=_opportunity(user, opportunity_id), data=payload)
    return _opportunity(user, opportunity_id)


@router.get(
    "/opportunities/{opportunity_id}/history", response={200: list[StageChangeOut], **ERROR_RESPONSES}
)
def opportunity_history_read(request: HttpRequest, opportunity_id: int) -> Any:
    """Every stage change (from, to, when, who) and at-risk mark, oldest first."""
    opportunity = _opportunity(_user(request), opportunity_id)
    return [
        {
            "at": line.at,
            "by_id": line.who.pk if line.who else None,
            "kind": line.kind,
            "from_stage": line.text_from,
            "to_stage": line.text_to,
            "reopened": line.reopened,
            "note": line.note,
        }
        for line in opportunity_history(opportunity)
    ]


@router.get(
    "/opportunities/{opportunity_id}/partners", response={200: list[InvolvementOut], **ERROR_RESPONSES}
)
def opportunity_partners(request: HttpRequest, opportunity_id: int) -> Any:
    return opportunity_involvements(_opportunity(_user(request), opportunity_id))


@router.post("/opportunities/{opportunity_id}/partners", response={201: InvolvementOut, **ERROR_RESPONSES})
def opportunity_partner_add(request: HttpRequest, opportunity_id: int, payload: InvolvementInput) -> Any:
    """The partner comes in. The stage at entry and whether it is a rescue deal are computed from the history
    (after the pipeline's rescue stage, or after the deal was at risk or lost), never sent."""
    user = _user(request)
    involvement = services.involvement_add(
        actor=user, opportunity=_opportunity(user, opportunity_id), data=payload
    )
    return 201, PartnerInvolvement.objects.select_related("stage_at_entry").get(pk=involvement.pk)


@router.delete(
    "/opportunities/{opportunity_id}/partners/{involvement_id}", response={204: None, **ERROR_RESPONSES}
)
def opportunity_partner_remove(request: HttpRequest, opportunity_id: int, involvement_id: int) -> Any:
    user = _user(request)
    opportunity = _opportunity(user, opportunity_id)
    services.involvement_remove(
        actor=user, involvement=access_involvement_by_id(user, opportunity, involvement_id)
    )
    return 204, None


class OptionOut(Schema):
    way: str = Field(description="alone, influenced, sourced or referral")
    commission: Decimal = Field(description="what the seller earns if the deal is won (EUR)")
    won: int
    closed: int
    win_rate: float | None = Field(description="None below the minimum sample")
    interval: tuple[float, float] | None = Field(description="95 % Wilson interval of the win rate")
    expected_value: Decimal | None
    expected_range: tuple[Decimal, Decimal] | None
    note: str = Field(description="'not enough history (n < 10)' when there is no number")


class CalculationOut(Schema):
    opportunity_id: int
    partner_id: int
    amount: Decimal
    stage: str = Field(description="the stage at which the partner came in (or would come in now)")
    options: list[OptionOut]


def _option(option: Option) -> dict[str, Any]:
    return {
        "way": option.key,
        "commission": option.commission,
        "won": option.win_rate.won,
        "closed": option.win_rate.closed,
        "win_rate": option.win_rate.rate,
        "interval": option.win_rate.interval,
        "expected_value": option.expected,
        "expected_range": option.expected_range,
        "note": "" if option.win_rate.enough else not_enough(),
    }


@router.get("/opportunities/{opportunity_id}/calculator", response={200: CalculationOut, **ERROR_RESPONSES})
def opportunity_calculator(request: HttpRequest, opportunity_id: int, partner_id: Id) -> Any:
    """What the seller earns alone, with the partner (influenced, sourced) and passing the deal as a referral, and
    the expected value from our own win rates by the stage at which the partner came in. 404 when the partner has
    no incentive plan (an active agreement with a plan)."""
    user = _user(request)
    opportunity = _opportunity(user, opportunity_id)
    partner = access_partner_by_id(user, partner_id)
    calculation = calculation_for(opportunity=opportunity, partner=partner)
    if calculation is None:
        raise NotFound
    return {
        "opportunity_id": opportunity.pk,
        "partner_id": partner.pk,
        "amount": calculation.amount,
        "stage": calculation.stage.name,
        "options": [_option(option) for option in calculation.options],
    }


class IncentivePlanOut(Schema):
    agreement_id: int
    seller_commission_percent: Decimal
    sourced_multiplier: Decimal
    influenced_multiplier: Decimal
    seller_credit_percent: Decimal
    referral_fee_percent: Decimal
    seller_referral_share_percent: Decimal
    commission_cap: Decimal | None
    referral_fee_cap: Decimal | None
    updated_at: dt.datetime


@router.get("/incentives", response={200: list[IncentivePlanOut], **ERROR_RESPONSES})
@paginate(Page)
def incentive_index(request: HttpRequest) -> Any:
    """The incentive plans of all agreements."""
    _require_view(_user(request))
    return IncentivePlan.objects.order_by("agreement_id")


@router.get("/incentives/{agreement_id}", response={200: IncentivePlanOut, **ERROR_RESPONSES})
def incentive_read(request: HttpRequest, agreement_id: int) -> Any:
    user = _user(request)
    _require_view(user)
    agreement = access_agreement_by_id(user, agreement_id)
    plan = IncentivePlan.objects.filter(agreement=agreement).first()
    if plan is None:
        raise NotFound
    return plan


@router.put("/incentives/{agreement_id}", response={200: IncentivePlanOut, **ERROR_RESPONSES})
def incentive_save(request: HttpRequest, agreement_id: int, payload: IncentivePlanInput) -> Any:
    """Create or replace the agreement's plan (partner managers and management)."""
    user = _user(request)
    _require_view(user)
    agreement = access_agreement_by_id(user, agreement_id)
    return incentive_services.incentive_plan_save(actor=user, agreement=agreement, data=payload)
