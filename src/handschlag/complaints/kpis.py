"""The complaint figures of DESIGN §3.8 as KPIs and breakdowns for insights and shared goals (core/figures.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handschlag.complaints.enums import SlaClock
from handschlag.complaints.selectors import ComplaintFigures, complaint_figures
from handschlag.core.figures import (
    Better,
    Breakdown,
    BreakdownRow,
    FigureModule,
    FigureScope,
    Kpi,
    Measurement,
    Unit,
    breakdown_register,
    figure_module_register,
    kpi_register,
)
from handschlag.core.models import User
from handschlag.core.roles import Capability

MODULE = "complaints"
SEES = (Capability.COMPLAINTS_MANAGEMENT_VIEW, Capability.COMPLAINTS_WORK)


def _figures(user: User, scope: FigureScope) -> ComplaintFigures:
    return complaint_figures(user=user, start=scope.start, end=scope.end, department_id=scope.department_id)


def _compliance(figures: ComplaintFigures, clock: SlaClock) -> Measurement:
    counts = figures.sla_compliance.get(clock.value, {})
    judged = int(counts.get("met", 0)) + int(counts.get("missed", 0))
    return Measurement(counts.get("rate"), n=judged)


def _open_by_department(user: User, scope: FigureScope) -> list[BreakdownRow]:
    return [BreakdownRow(name, count) for name, count in _figures(user, scope).open_by_department]


def _by_category(user: User, scope: FigureScope) -> list[BreakdownRow]:
    return [BreakdownRow(name, count) for name, count in _figures(user, scope).by_category]


def _kpi(
    *,
    key: str,
    label: str | Promise,
    unit: Unit,
    better: Better,
    pick: Callable[[ComplaintFigures], Measurement],
    description: str | Promise = "",
) -> Kpi:
    return Kpi(
        key=key,
        module=MODULE,
        label=label,
        unit=unit,
        better=better,
        source=_figures,
        pick=pick,
        capabilities=SEES,
        description=description,
        filters=("department",),
    )


def complaints_kpis_register() -> None:
    figure_module_register(FigureModule(MODULE, _("Complaints"), order=40))
    kpi_register(
        _kpi(
            key="complaints.first_response_sla",
            label=_("First response within SLA"),
            unit="percent",
            better="higher",
            pick=lambda f: _compliance(f, SlaClock.FIRST_RESPONSE),
            description=_(
                "Share of cases whose first response came within its SLA (cases created in the period)."
            ),
        ),
        _kpi(
            key="complaints.resolution_sla",
            label=_("Resolution within SLA"),
            unit="percent",
            better="higher",
            pick=lambda f: _compliance(f, SlaClock.RESOLUTION),
        ),
        _kpi(
            key="complaints.resolution_hours",
            label=_("Time to resolution (median)"),
            unit="hours",
            better="lower",
            pick=lambda f: Measurement(f.resolution_hours_median, n=f.cases),
            description=_("Business hours from creation to closing, pauses excluded."),
        ),
        _kpi(
            key="complaints.repeat_rate",
            label=_("Repeat rate"),
            unit="percent",
            better="lower",
            pick=lambda f: Measurement(f.repeat_rate, n=f.cases),
        ),
        _kpi(
            key="complaints.escalation_rate",
            label=_("Escalation rate"),
            unit="percent",
            better="lower",
            pick=lambda f: Measurement(f.escalation_rate, n=f.cases),
        ),
        _kpi(
            key="complaints.revenue_at_risk",
            label=_("Revenue at risk"),
            unit="eur",
            better="lower",
            pick=lambda f: Measurement(float(f.revenue_at_risk), n=f.threatened_accounts),
            description=_(
                "Open orders of accounts with an open case that carries a cancellation threat (today)."
            ),
        ),
    )
    breakdown_register(
        Breakdown(
            key="complaints.open_by_department",
            module=MODULE,
            label=_("Open cases by department"),
            unit="count",
            rows=_open_by_department,
            capabilities=SEES,
            filters=("department",),
        ),
        Breakdown(
            key="complaints.by_category",
            module=MODULE,
            label=_("Cases by category"),
            unit="count",
            rows=_by_category,
            capabilities=SEES,
            filters=("department",),
        ),
    )
