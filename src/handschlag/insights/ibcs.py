"""A KPI's actual, previous period and target drawn in one consistent notation (IBCS-like), as SVG geometry.

Actual: a solid dark bar. Previous period: a grey bar beneath it. Target: an outlined frame (no fill) on the same
scale. A value below threshold is a hatched frame with its text, "no data" only a text — never a bar of 0."""

from __future__ import annotations

from dataclasses import dataclass

from handschlag.core.figures import Measurement

WIDTH = 240
BAR = 14
GAP = 4


@dataclass(frozen=True)
class KpiGraphic:
    actual_width: float | None
    previous_width: float | None
    target_x: float | None  # where the target's outline ends
    actual_status: str
    previous_status: str
    height: int = 2 * BAR + GAP + 4
    width: int = WIDTH
    bar: int = BAR
    previous_y: int = BAR + GAP


def _scaled(value: float | None, largest: float) -> float | None:
    if value is None:
        return None
    return round(WIDTH * max(0.0, value) / largest, 1) if largest else 0.0


def kpi_graphic(actual: Measurement, previous: Measurement, target: float | None) -> KpiGraphic:
    values = [v for v in (actual.value, previous.value, target) if v is not None]
    largest = max(values, default=0.0) * 1.05 or 1.0
    return KpiGraphic(
        actual_width=_scaled(actual.value, largest) if actual.status == "ok" else None,
        previous_width=_scaled(previous.value, largest) if previous.status == "ok" else None,
        target_x=_scaled(target, largest),
        actual_status=actual.status,
        previous_status=previous.status,
    )
