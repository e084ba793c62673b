"""The concession figures of DESIGN §3.8 as KPIs and breakdowns for insights and shared goals (core/figures.py):
concession rate, discount depth, give-get coverage and get fulfilment over a period; the rate per seller and the
relationship-trap list (the concession module's own analytics, concessions/analytics.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handschlag.concessions.analytics import Figures, concession_figures
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

MODULE = "concessions"
SEES = (Capability.CONCESSIONS_ANALYTICS,)


def _figures(user: User, scope: FigureScope) -> Figures:
    return concession_figures(user=user, start=scope.start, end=scope.end)


def _by_seller(user: User, scope: FigureScope) -> list[BreakdownRow]:
    return [BreakdownRow(group.label, group.rate) for group in _figures(user, scope).sellers]


def _trap(user: User, scope: FigureScope) -> list[BreakdownRow]:
    """Accounts on the relationship-trap list with their discount creep (percentage points per quarter)."""
    return [BreakdownRow(entry.account.label, entry.account.creep) for entry in _figures(user, scope).trap]


def _kpi(
    key: str,
    label: str | Promise,
    better: Better,
    pick: Callable[[Figures], Measurement],
    description: str | Promise = "",
    unit: Unit = "percent",
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
    )


def concessions_kpis_register() -> None:
    figure_module_register(FigureModule(MODULE, _("Concessions"), order=50))
    kpi_register(
        _kpi(
            "concessions.rate",
            _("Concession rate"),
            "lower",
            lambda f: Measurement(f.total.rate, n=f.total.entries),
            _("Value of the concessions granted in the period ÷ list value."),
        ),
        _kpi(
            "concessions.depth",
            _("Discount depth"),
            "lower",
            lambda f: Measurement(f.total.depth, n=f.total.entries),
            _("One minus net price ÷ list price, on-invoice discounts."),
        ),
        _kpi(
            "concessions.coverage",
            _("Give-get coverage"),
            "higher",
            lambda f: Measurement(f.total.coverage, n=f.total.entries),
            _("Share of the concession value with a recorded return from the customer."),
        ),
        _kpi(
            "concessions.fulfilment",
            _("Gets delivered"),
            "higher",
            lambda f: Measurement(f.total.fulfilment, n=f.total.due),
            _("Share of the returns due that the customer delivered."),
        ),
        _kpi(
            "concessions.trap_accounts",
            _("Accounts in the relationship trap"),
            "lower",
            lambda f: Measurement(float(len(f.trap)), n=len(f.accounts)),
            unit="count",
        ),
    )
    breakdown_register(
        Breakdown(
            key="concessions.rate_by_seller",
            module=MODULE,
            label=_("Concession rate per seller"),
            unit="percent",
            rows=_by_seller,
            capabilities=SEES,
        ),
        Breakdown(
            key="concessions.trap",
            module=MODULE,
            label=_("Relationship trap: discount creep per account (points per quarter)"),
            unit="index",
            rows=_trap,
            capabilities=SEES,
        ),
    )
