"""Reads of opportunities: lists, the board, history, the open opportunities of an account, co-selling figures.

Figures follow DESIGN §3.8: win rate = won ÷ (won + lost) of closed deals; time to close = creation → close
(both from the stage history); rescue share = rescue involvements ÷ partner involvements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from handschlag.core.models import User
from handschlag.coselling.access import opportunities_visible_to
from handschlag.coselling.enums import OpportunityStatus, StageKind
from handschlag.coselling.models import (
    Opportunity,
    PartnerInvolvement,
    Pipeline,
    PipelineStage,
    ProductLine,
    RiskChange,
    StageChange,
)

MIN_SAMPLE = 10


def open_opportunities_for(*, account_id: int, product_line_id: int | None = None) -> QuerySet[Opportunity]:
    """Our open opportunities on an account (and product line): for conflicts, lead resolution, mapping.

    No actor: callers (services of leads and registrations, the mapping populations) guard themselves."""
    opportunities = Opportunity.objects.filter(account_id=account_id, status=OpportunityStatus.OPEN)
    if product_line_id is not None:
        opportunities = opportunities.filter(product_line_id=product_line_id)
    return opportunities.select_related("owner", "stage", "product_line").order_by("-created_at", "-id")


def accounts_with_open_opportunity(account_ids: Sequence[int] | None = None) -> QuerySet[Any]:
    """Ids of accounts with at least one open opportunity (a subquery the mapping populations filter with)."""
    opportunities = Opportunity.objects.filter(status=OpportunityStatus.OPEN)
    if account_ids is not None:
        opportunities = opportunities.filter(account_id__in=list(account_ids))
    return opportunities.values("account_id")


def has_open_opportunity(*, account_field: str = "pk") -> Exists:
    """For another module's annotation (mapping's populations): whether the account the outer query names in
    `account_field` has an open opportunity (one EXISTS on the (status, account) index)."""
    return Exists(Opportunity.objects.filter(account=OuterRef(account_field), status=OpportunityStatus.OPEN))


def product_lines() -> QuerySet[ProductLine]:
    return ProductLine.objects.filter(is_active=True).order_by("name")


def pipeline_default() -> Pipeline | None:
    return Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.order_by("id").first()


def pipeline_stages(pipeline: Pipeline | None = None) -> list[PipelineStage]:
    pipeline = pipeline or pipeline_default()
    if pipeline is None:
        return []
    return list(pipeline.stages.order_by("position"))


# --- list -----------------------------------------------------------------------------------------------------

SORTS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "stage": ("stage__position", "id"),
    "-stage": ("-stage__position", "-id"),
}


@dataclass(frozen=True)
class OpportunityFilters:
    search: str = ""
    status: str = ""
    stage_id: int | None = None
    owner_id: int | None = None
    product_line_id: int | None = None
    partner_id: int | None = None
    account_id: int | None = None
    at_risk: bool | None = None
    rescue: bool | None = None
    sort: str = "-created"


def opportunity_list(*, actor: User | AnonymousUser, filters: OpportunityFilters) -> QuerySet[Opportunity]:
    opportunities = opportunities_visible_to(actor).select_related(
        "account", "owner", "stage", "product_line"
    )
    if filters.search:
        opportunities = opportunities.filter(
            Q(title__icontains=filters.search)
            | Q(account__name__icontains=filters.search)
            | Q(external_id=filters.search)
        )
    if filters.status in OpportunityStatus.values:
        opportunities = opportunities.filter(status=filters.status)
    if filters.stage_id is not None:
        opportunities = opportunities.filter(stage_id=filters.stage_id)
    if filters.owner_id is not None:
        opportunities = opportunities.filter(owner_id=filters.owner_id)
    if filters.product_line_id is not None:
        opportunities = opportunities.filter(product_line_id=filters.product_line_id)
    if filters.account_id is not None:
        opportunities = opportunities.filter(account_id=filters.account_id)
    if filters.partner_id is not None:
        opportunities = opportunities.filter(
            Exists(
                PartnerInvolvement.objects.filter(opportunity=OuterRef("pk"), partner_id=filters.partner_id)
            )
        )
    if filters.at_risk is not None:
        opportunities = opportunities.filter(at_risk=filters.at_risk)
    if filters.rescue is not None:
        rescues = Exists(
            PartnerInvolvement.objects.filter(opportunity=OuterRef("pk")).exclude(rescue_reason="")
        )
        opportunities = opportunities.filter(rescues if filters.rescue else ~rescues)
    return opportunities.order_by(*SORTS.get(filters.sort, SORTS["-created"]))


def partner_names_of(opportunity_ids: Sequence[int]) -> dict[int, list[str]]:
    """The partners on each opportunity (one query for a page of them)."""
    names: dict[int, list[str]] = {}
    for opportunity_id, name in (
        PartnerInvolvement.objects.filter(opportunity_id__in=list(opportunity_ids))
        .order_by("joined_at", "id")
        .values_list("opportunity_id", "partner__name")
    ):
        names.setdefault(opportunity_id, []).append(name)
    return names


# --- board ----------------------------------------------------------------------------------------------------

BOARD_CARDS = 25


@dataclass(frozen=True)
class BoardColumn:
    stage: PipelineStage
    count: int
    amount: Decimal
    cards: list[Opportunity]


def pipeline_board(
    *, actor: User | AnonymousUser, owner_id: int | None = None, product_line_id: int | None = None
) -> list[BoardColumn]:
    """The open stages of the default pipeline with their count, amount and the first cards (soonest close)."""
    pipeline = pipeline_default()
    if pipeline is None:
        return []
    stages = [stage for stage in pipeline_stages(pipeline) if stage.kind == StageKind.OPEN]
    opportunities = opportunities_visible_to(actor).filter(status=OpportunityStatus.OPEN)
    if owner_id is not None:
        opportunities = opportunities.filter(owner_id=owner_id)
    if product_line_id is not None:
        opportunities = opportunities.filter(product_line_id=product_line_id)
    totals = {
        row["stage_id"]: row
        for row in opportunities.filter(stage__in=stages)
        .values("stage_id")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    }
    columns = []
    for stage in stages:
        cards = list(
            opportunities.filter(stage=stage)
            .select_related("account", "owner")
            .order_by("expected_close_date", "id")[:BOARD_CARDS]
        )
        total: dict[str, Any] = dict(totals.get(stage.pk) or {})
        columns.append(
            BoardColumn(
                stage=stage,
                count=int(total.get("count") or 0),
                amount=Decimal(total.get("amount") or 0),
                cards=cards,
            )
        )
    return columns


# --- detail ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    who: User | None
    kind: str  # "stage", "risk", "partner"
    text_from: str
    text_to: str
    reopened: bool = False
    note: str = ""


def opportunity_history(opportunity: Opportunity) -> list[HistoryLine]:
    lines: list[HistoryLine] = []
    for change in StageChange.objects.filter(opportunity=opportunity).select_related(
        "from_stage", "to_stage", "changed_by"
    ):
        lines.append(
            HistoryLine(
                at=change.changed_at,
                who=change.changed_by,
                kind="stage",
                text_from=change.from_stage.name if change.from_stage else "",
                text_to=change.to_stage.name,
                reopened=change.reopened,
                note=change.note,
            )
        )
    for risk in RiskChange.objects.filter(opportunity=opportunity).select_related("changed_by"):
        lines.append(
            HistoryLine(
                at=risk.changed_at,
                who=risk.changed_by,
                kind="risk" if risk.at_risk else "risk_cleared",
                text_from="",
                text_to="",
                note=risk.reason,
            )
        )
    return sorted(lines, key=lambda line: line.at)


def opportunity_involvements(opportunity: Opportunity) -> list[PartnerInvolvement]:
    return list(
        PartnerInvolvement.objects.filter(opportunity=opportunity).select_related(
            "partner", "stage_at_entry", "created_by"
        )
    )
