"""The figures of DESIGN §3.8, contributed by each module in one place (its own selectors), read by insights.

core imports no module above it, so a module registers here in its AppConfig.ready():

- `Kpi`: one measured figure (a value for a period and a scope), e.g. "complaints: median time to resolution".
  Insights shows it as actual vs previous period vs target, and shared goals are set on KPIs — a goal is never a
  number typed in, it is measured by the KPI's `measure`.
- `Breakdown`: one figure split by something (open cases per department, partnerships per verdict), drawn as a
  chart with its table.

A measurement says when it has no data (nothing to measure) and when it is below threshold (too few cases to
show a figure without naming someone, or too few to mean anything) — the two are drawn differently.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.functional import Promise

from handschlag.core.roles import Capability, has_capability

if TYPE_CHECKING:
    from handschlag.core.models import User

Unit = Literal["count", "percent", "eur", "hours", "days", "index"]
Better = Literal["higher", "lower"]
Filter = Literal["department", "partner", "seller"]


@dataclass(frozen=True)
class FigureScope:
    """The period [start, end] (dates, inclusive) and the optional filters of an insights page."""

    start: dt.date
    end: dt.date
    department_id: int | None = None
    partner_id: int | None = None
    seller_id: int | None = None

    def previous(self) -> FigureScope:
        """The period of the same length right before this one."""
        days = (self.end - self.start).days + 1
        return FigureScope(
            start=self.start - dt.timedelta(days=days),
            end=self.start - dt.timedelta(days=1),
            department_id=self.department_id,
            partner_id=self.partner_id,
            seller_id=self.seller_id,
        )


@dataclass(frozen=True)
class Measurement:
    value: float | None
    n: int | None = None  # what the value rests on (cases, deals, answers)
    below_threshold: bool = False

    @property
    def status(self) -> Literal["ok", "no_data", "below_threshold"]:
        if self.below_threshold:
            return "below_threshold"
        return "no_data" if self.value is None else "ok"


NO_DATA = Measurement(None)


@dataclass(frozen=True)
class Kpi:
    key: str  # "<module>.<name>", stable: goals refer to it
    module: str  # the module's label in insights: "complaints", "partnerships", "coselling", …
    label: str | Promise
    unit: Unit
    better: Better
    # `source` computes what the module's figures rest on once per scope (e.g. all complaint figures of a period,
    # in a fixed number of queries); `pick` takes this KPI's value from it. KPIs sharing a source are measured
    # together (`kpis_measure`).
    source: Callable[[User, FigureScope], Any]
    pick: Callable[[Any], Measurement]
    capabilities: tuple[Capability, ...]  # any one of them lets a user see the figure
    description: str | Promise = ""
    filters: tuple[Filter, ...] = ()  # the filters the measure honours; the others are ignored and said so
    cumulative: bool = False  # a sum over the period (pipeline, wins): the forecast extrapolates it


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    value: float | None


@dataclass(frozen=True)
class Breakdown:
    key: str
    module: str
    label: str | Promise
    unit: Unit
    rows: Callable[[User, FigureScope], Sequence[BreakdownRow]]
    capabilities: tuple[Capability, ...]
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class FigureModule:
    key: str
    label: str | Promise
    order: int


_KPIS: dict[str, Kpi] = {}
_BREAKDOWNS: dict[str, Breakdown] = {}
_MODULES: dict[str, FigureModule] = {}


def figure_module_register(module: FigureModule) -> None:
    _MODULES[module.key] = module


def kpi_register(*kpis: Kpi) -> None:
    for kpi in kpis:
        _KPIS[kpi.key] = kpi


def breakdown_register(*breakdowns: Breakdown) -> None:
    for breakdown in breakdowns:
        _BREAKDOWNS[breakdown.key] = breakdown


def figure_modules() -> list[FigureModule]:
    return sorted(_MODULES.values(), key=lambda module: module.order)


def kpi_get(key: str) -> Kpi | None:
    return _KPIS.get(key)


def kpis() -> list[Kpi]:
    return list(_KPIS.values())


def breakdowns() -> list[Breakdown]:
    return list(_BREAKDOWNS.values())


def may_see(user: User, capabilities: tuple[Capability, ...]) -> bool:
    return any(has_capability(user, capability) for capability in capabilities)


T = TypeVar("T")

# A module's figures over a period read every case, deal or answer of it (a million opportunities in the large
# demo): what a source or breakdown computed for a reader and a scope is kept this long, so that the dashboards,
# the goals on the home pages and the exports do not measure the same period again on every request.
FIGURES_CACHE_SECONDS = 120
_MISSING = object()


def figures_cached(name: str, user: User, scope: FigureScope, compute: Callable[[], T]) -> T:
    """`compute()` kept for FIGURES_CACHE_SECONDS per figure name, reader (id and role: what he may see) and
    scope, and language (labels). A value that cannot be stored is computed every time."""
    parts = repr((name, user.pk, user.role, scope, translation.get_language()))
    key = "figures:" + hashlib.sha256(parts.encode()).hexdigest()
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
        cache.set(key, value, FIGURES_CACHE_SECONDS)
    return value


def _source_name(source: Callable[..., Any]) -> str:
    return f"{getattr(source, '__module__', '')}.{getattr(source, '__qualname__', repr(source))}"


def kpis_measure(user: User, scope: FigureScope, selected: Sequence[Kpi]) -> dict[str, Measurement]:
    """Each KPI's measurement; every source is called once (and kept a while: `figures_cached`)."""
    computed: dict[int, Any] = {}
    result: dict[str, Measurement] = {}
    for kpi in selected:
        marker = id(kpi.source)
        if marker not in computed:
            computed[marker] = figures_cached(
                _source_name(kpi.source), user, scope, functools.partial(kpi.source, user, scope)
            )
        result[kpi.key] = kpi.pick(computed[marker])
    return result


def day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the installation's time zone: a range on an indexed timestamp
    (`created_at__date` converts every row to a local date first, which no index serves)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
