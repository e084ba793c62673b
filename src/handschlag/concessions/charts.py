"""The price waterfall as a server-side SVG (horizontal: list price at the top, pocket price at the bottom, each
concession kind a floating bar where it takes the price down). Colours come from the classes of core's charts
(CSP: no inline styles); the page shows the same steps as a table and offers them as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

from handschlag.concessions.analytics import Waterfall

LABEL_WIDTH = 190
BAR_AREA = 300
VALUE_WIDTH = 110
ROW_HEIGHT = 26
BAR_HEIGHT = 18


@dataclass(frozen=True)
class WaterfallBar:
    label: str
    x: float
    y: float
    width: float
    css_class: str
    text: str
    text_x: float
    text_y: float
    label_y: float


@dataclass(frozen=True)
class WaterfallChart:
    title: str
    bars: list[WaterfallBar]
    width: int
    height: int

    @property
    def empty(self) -> bool:
        return not self.bars


def _money(value: Decimal) -> str:
    return f"{number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)} €"


def waterfall_chart(waterfall: Waterfall, *, title: str) -> WaterfallChart:
    if not waterfall.list_value:
        return WaterfallChart(
            title=title, bars=[], width=LABEL_WIDTH + BAR_AREA + VALUE_WIDTH, height=ROW_HEIGHT
        )
    scale = BAR_AREA / float(waterfall.list_value)
    bars = []
    for index, step in enumerate(waterfall.steps):
        low, high = sorted((float(step.start), float(step.end)))
        x = LABEL_WIDTH + low * scale
        width = max((high - low) * scale, 1.0)
        y = index * ROW_HEIGHT
        bars.append(
            WaterfallBar(
                label=step.label,
                x=round(x, 1),
                y=y,
                width=round(width, 1),
                css_class="chart-series-1" if step.is_total else "chart-danger",
                text=_money(step.amount),
                text_x=round(LABEL_WIDTH + high * scale + 6, 1),
                text_y=y + BAR_HEIGHT - 4,
                label_y=y + BAR_HEIGHT - 4,
            )
        )
    return WaterfallChart(
        title=title, bars=bars, width=LABEL_WIDTH + BAR_AREA + VALUE_WIDTH, height=ROW_HEIGHT * len(bars)
    )
