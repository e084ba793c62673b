"""Insights API: /api/v1/insights (the dashboards' figures), /api/v1/insights/kpis, /api/v1/goals (shared goals).
Partner users get 404 (api_support); other roles see only the figures their role may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES
from handschlag.core.errors import InvalidInput
from handschlag.core.figures import FigureScope, Measurement, figure_modules, kpis
from handschlag.core.models import User
from handschlag.core.roles import Capability
from handschlag.insights import selectors, services
from handschlag.insights.access import access_goal_by_id
from handschlag.insights.enums import PeriodPreset
from handschlag.insights.inputs import GoalInput
from handschlag.insights.models import Goal

router = Router(tags=["insights"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class InsightsQuery(Schema):
    module: str | None = Field(None, description="one module's figures; all when left out")
    period: PeriodPreset = PeriodPreset.QUARTER
    start: dt.date | None = Field(None, description="with period=custom: first day")
    end: dt.date | None = Field(None, description="with period=custom: last day")
    department_id: int | None = None
    partner_id: int | None = None
    seller_id: int | None = None


class MeasurementOut(Schema):
    value: float | None
    n: int | None = Field(description="what the value rests on (cases, deals, answers)")
    status: str = Field(description="`ok`, `no_data` or `below_threshold`")


class KpiOut(Schema):
    key: str
    module: str
    label: str
    unit: str
    better: str = Field(description="`higher` or `lower` is better")
    description: str
    filters: list[str] = Field(description="the filters this figure honours")


class CardOut(Schema):
    kpi: KpiOut
    actual: MeasurementOut
    previous: MeasurementOut
    target: Decimal | None
    goal_id: int | None
    ignored_filters: list[str]


class BreakdownRowOut(Schema):
    label: str
    value: float | None


class BreakdownOut(Schema):
    key: str
    label: str
    unit: str
    rows: list[BreakdownRowOut]


class SectionOut(Schema):
    module: str
    label: str
    kpis: list[CardOut]
    breakdowns: list[BreakdownOut]


class InsightsOut(Schema):
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    sections: list[SectionOut]


def _kpi_out(kpi: Any) -> dict[str, Any]:
    return {
        "key": kpi.key,
        "module": kpi.module,
        "label": str(kpi.label),
        "unit": kpi.unit,
        "better": kpi.better,
        "description": str(kpi.description),
        "filters": list(kpi.filters),
    }


def _measurement(measurement: Measurement) -> dict[str, Any]:
    return {"value": measurement.value, "n": measurement.n, "status": measurement.status}


@router.get("/insights", response={200: InsightsOut, **ERROR_RESPONSES})
def insights_index(request: HttpRequest, query: Query[InsightsQuery]) -> Any:
    user = _user(request)
    require_capability(user, Capability.INSIGHTS_VIEW)
    if query.period == PeriodPreset.CUSTOM:
        if query.start is None or query.end is None or query.end < query.start:
            raise InvalidInput.for_field(
                "end", "start and end (not before start) are needed with period=custom"
            )
        start, end = query.start, query.end
    else:
        start, end = selectors.period_range(query.period)
    if query.module is not None and query.module not in {module.key for module in figure_modules()}:
        raise InvalidInput.for_field("module", "no such module")
    scope = FigureScope(
        start=start,
        end=end,
        department_id=query.department_id,
        partner_id=query.partner_id,
        seller_id=query.seller_id,
    )
    sections = selectors.dashboard(user=user, scope=scope, module=query.module)
    previous = scope.previous()
    return {
        "start": start,
        "end": end,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "sections": [
            {
                "module": section.module.key,
                "label": str(section.module.label),
                "kpis": [
                    {
                        "kpi": _kpi_out(card.kpi),
                        "actual": _measurement(card.actual),
                        "previous": _measurement(card.previous),
                        "target": card.target,
                        "goal_id": card.goal.pk if card.goal else None,
                        "ignored_filters": list(card.ignored_filters),
                    }
                    for card in section.cards
                ],
                "breakdowns": [
                    {
                        "key": table.breakdown.key,
                        "label": str(table.breakdown.label),
                        "unit": table.breakdown.unit,
                        "rows": [{"label": row.label, "value": row.value} for row in table.rows],
                    }
                    for table in section.tables
                ],
            }
            for section in sections
        ],
    }


@router.get("/insights/kpis", response={200: list[KpiOut], **ERROR_RESPONSES})
def kpi_index(request: HttpRequest) -> Any:
    """Every figure a shared goal can be set on (those the user may see)."""
    user = _user(request)
    require_capability(user, Capability.GOALS_VIEW)
    return [_kpi_out(kpi) for kpi in kpis()]


class GoalOut(Schema):
    id: int
    kpi_key: str
    title: str
    period_start: dt.date
    period_end: dt.date
    target: Decimal
    department_id: int | None
    owner_ids: list[int]
    actual: MeasurementOut
    progress_percent: float | None
    forecast: float | None
    on_track: bool | None


def _goal_out(goal: Goal) -> dict[str, Any]:
    progress = selectors.goal_progress(goal)
    return {
        "id": goal.pk,
        "kpi_key": goal.kpi_key,
        "title": goal.title,
        "period_start": goal.period_start,
        "period_end": goal.period_end,
        "target": goal.target,
        "department_id": goal.department_id,
        "owner_ids": sorted(owner.pk for owner in goal.owners.all()),
        "actual": _measurement(progress.actual),
        "progress_percent": progress.progress_percent,
        "forecast": progress.forecast,
        "on_track": progress.on_track,
    }


@router.get("/goals", response={200: list[GoalOut], **ERROR_RESPONSES})
def goal_index(request: HttpRequest) -> Any:
    return [_goal_out(goal) for goal in selectors.goal_list(user=_user(request))]


@router.post("/goals", response={201: GoalOut, **ERROR_RESPONSES})
def goal_create(request: HttpRequest, data: GoalInput) -> Any:
    goal = services.goal_create(actor=_user(request), data=data)
    return 201, _goal_out(goal)


@router.get("/goals/{goal_id}", response={200: GoalOut, **ERROR_RESPONSES})
def goal_get(request: HttpRequest, goal_id: int) -> Any:
    return _goal_out(access_goal_by_id(_user(request), goal_id))


@router.put("/goals/{goal_id}", response={200: GoalOut, **ERROR_RESPONSES})
def goal_update(request: HttpRequest, goal_id: int, data: GoalInput) -> Any:
    user = _user(request)
    goal = access_goal_by_id(user, goal_id)
    return _goal_out(services.goal_update(actor=user, goal=goal, data=data))


@router.delete("/goals/{goal_id}", response={204: None, **ERROR_RESPONSES})
def goal_delete(request: HttpRequest, goal_id: int) -> Any:
    user = _user(request)
    services.goal_delete(actor=user, goal=access_goal_by_id(user, goal_id))
    return 204, None
