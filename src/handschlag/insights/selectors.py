"""Reads of insights: the dashboards (every module's KPIs and breakdowns, core/figures.py) and shared goals.

Actual vs previous period vs target in one notation (IBCS): the actual value solid, the previous period grey, the
target as an outline. "Below threshold" (too few to show) and "no data" are told apart.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from handschlag.core.access import require_capability
from handschlag.core.enums import Role
from handschlag.core.figures import (
    Breakdown,
    BreakdownRow,
    FigureModule,
    FigureScope,
    Kpi,
    Measurement,
    breakdowns,
    figure_modules,
    figures_cached,
    kpi_get,
    kpis,
    kpis_measure,
    may_see,
)
from handschlag.core.models import User
from handschlag.core.roles import Capability
from handschlag.insights.enums import PeriodPreset
from handschlag.insights.models import Goal

MAX_PERIOD_DAYS = 3 * 366


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_range(preset: str, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    if preset == PeriodPreset.LAST_QUARTER:
        end = _quarter_start(today) - dt.timedelta(days=1)
        return _quarter_start(end), end
    if preset == PeriodPreset.YEAR:
        return dt.date(today.year, 1, 1), today
    if preset == PeriodPreset.LAST_12_MONTHS:
        return today - dt.timedelta(days=364), today
    return _quarter_start(today), today


@dataclass(frozen=True)
class KpiCard:
    kpi: Kpi
    actual: Measurement
    previous: Measurement
    target: Decimal | None
    goal: Goal | None
    ignored_filters: tuple[str, ...]

    @property
    def on_target(self) -> bool | None:
        if self.target is None or self.actual.value is None:
            return None
        if self.kpi.better == "higher":
            return Decimal(str(self.actual.value)) >= self.target
        return Decimal(str(self.actual.value)) <= self.target

    @property
    def delta(self) -> float | None:
        if self.actual.value is None or self.previous.value is None:
            return None
        return round(self.actual.value - self.previous.value, 1)


@dataclass(frozen=True)
class BreakdownTable:
    breakdown: Breakdown
    rows: list[BreakdownRow]
    ignored_filters: tuple[str, ...]


@dataclass
class ModuleSection:
    module: FigureModule
    cards: list[KpiCard] = field(default_factory=list)
    tables: list[BreakdownTable] = field(default_factory=list)


def _ignored(supported: tuple[str, ...], scope: FigureScope) -> tuple[str, ...]:
    given = {
        "department": scope.department_id is not None,
        "partner": scope.partner_id is not None,
        "seller": scope.seller_id is not None,
    }
    return tuple(name for name, is_given in given.items() if is_given and name not in supported)


def _goals_for(keys: set[str], scope: FigureScope) -> dict[str, Goal]:
    """The goal per KPI whose period is the one shown (same start and end), else one covering it."""
    found: dict[str, Goal] = {}
    candidates = Goal.objects.filter(
        kpi_key__in=keys, period_start__lte=scope.start, period_end__gte=scope.end
    ).order_by("period_end", "-period_start", "pk")
    for goal in candidates:
        exact = goal.period_start == scope.start and goal.period_end == scope.end
        if goal.kpi_key not in found or exact:
            found[goal.kpi_key] = goal
    return found


def _breakdown_rows(breakdown: Breakdown, user: User, scope: FigureScope) -> list[BreakdownRow]:
    return list(breakdown.rows(user, scope))


def dashboard(*, user: User, scope: FigureScope, module: str | None = None) -> list[ModuleSection]:
    """The sections of the management dashboard (module None) or of one module's dashboard."""
    require_capability(user, Capability.INSIGHTS_VIEW)
    modules = {item.key: item for item in figure_modules() if module is None or item.key == module}
    visible = [kpi for kpi in kpis() if kpi.module in modules and may_see(user, kpi.capabilities)]
    actual = kpis_measure(user, scope, visible)
    previous = kpis_measure(user, scope.previous(), visible)
    goals = _goals_for({kpi.key for kpi in visible}, scope)
    sections = {key: ModuleSection(item) for key, item in modules.items()}
    for kpi in visible:
        goal = goals.get(kpi.key)
        sections[kpi.module].cards.append(
            KpiCard(
                kpi=kpi,
                actual=actual[kpi.key],
                previous=previous[kpi.key],
                target=goal.target if goal else None,
                goal=goal,
                ignored_filters=_ignored(kpi.filters, scope),
            )
        )
    for breakdown in breakdowns():
        if breakdown.module in sections and may_see(user, breakdown.capabilities):
            sections[breakdown.module].tables.append(
                BreakdownTable(
                    breakdown=breakdown,
                    rows=figures_cached(
                        f"breakdown:{breakdown.key}",
                        user,
                        scope,
                        functools.partial(_breakdown_rows, breakdown, user, scope),
                    ),
                    ignored_filters=_ignored(breakdown.filters, scope),
                )
            )
    return [section for section in sections.values() if section.cards or section.tables]


# --- shared goals -------------------------------------------------------------------------------------------------


def organisation_view() -> User:
    """Goals are measured for the whole organisation, the same for every reader: through management's eyes
    (an unsaved user object that only carries the role; it never reaches the database)."""
    return User(role=Role.MANAGEMENT, is_active=True, username="")


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    kpi: Kpi | None
    actual: Measurement
    elapsed_share: float  # 0..1 of the period behind us
    forecast: float | None
    on_track: bool | None

    @property
    def progress_percent(self) -> float | None:
        """How far the actual value is towards the target (100 = reached), in the KPI's direction."""
        value = self.actual.value
        if value is None or self.kpi is None:
            return None
        target = float(self.goal.target)
        if self.kpi.better == "higher":
            return round(100 * value / target, 1) if target else 100.0
        return round(100 * target / value, 1) if value else 100.0


def goal_progress(goal: Goal, *, today: dt.date | None = None) -> GoalProgress:
    today = today or timezone.localdate()
    kpi = kpi_get(goal.kpi_key)
    end = min(goal.period_end, today)
    total_days = (goal.period_end - goal.period_start).days + 1
    elapsed = max(0, min(total_days, (end - goal.period_start).days + 1))
    share = elapsed / total_days
    if kpi is None or goal.period_start > today:
        return GoalProgress(goal, kpi, Measurement(None), share, None, None)
    scope = FigureScope(start=goal.period_start, end=end, department_id=goal.department_id)
    actual = kpis_measure(organisation_view(), scope, [kpi])[kpi.key]
    forecast: float | None = None
    if actual.value is not None:
        # a sum over the period grows with it; a rate or a duration is expected to stay where it is
        forecast = actual.value / share if kpi.cumulative and share else actual.value
    on_track = None
    if forecast is not None:
        target = float(goal.target)
        on_track = forecast >= target if kpi.better == "higher" else forecast <= target
    return GoalProgress(goal, kpi, actual, share, None if forecast is None else round(forecast, 1), on_track)


def goal_list(*, user: User, current_only: bool = False) -> QuerySet[Goal]:
    require_capability(user, Capability.GOALS_VIEW)
    goals = Goal.objects.select_related("department").prefetch_related(
        Prefetch("owners", queryset=User.objects.select_related("department").order_by("last_name", "pk"))
    )
    if current_only:
        today = timezone.localdate()
        goals = goals.filter(period_start__lte=today, period_end__gte=today)
    return goals


def goals_of(*, user: User) -> QuerySet[Goal]:
    """The goals a user owns, current ones first (his home page)."""
    return goal_list(user=user).filter(owners=user)


def kpi_choices(*, user: User) -> list[tuple[str, str]]:
    """Every KPI a goal can be set on, labelled with its module."""
    labels: Mapping[str, str] = {module.key: str(module.label) for module in figure_modules()}
    return [(kpi.key, f"{labels.get(kpi.module, kpi.module)}: {kpi.label}") for kpi in kpis()]
