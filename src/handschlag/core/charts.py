"""Server-side SVG bar charts for figures pages: no JavaScript, no inline styles (CSP) — colours come from classes.

A chart is built in Python and rendered with `{% include "core/_chart.html" with chart=… %}`; every chart must
be shown together with its table (the same rows) and a CSV of them, so that the figure can be read without the
picture. One or more series per row (e.g. "with partner" / "without"), an optional interval per value (drawn as
a whisker), and a scale fixed by `scale_max` (100 for percentages) or taken from the largest value.

    chart = bar_chart(
        title=_("Win rate"), unit=" %", series=[_("with partner"), _("without")], scale_max=100,
        rows=[ChartRow(_("Nordlicht"), [62.0, 31.0], intervals=[(48.0, 74.0), (25.0, 38.0)])],
    )

Reused by co-selling (partner pages), and meant for concessions, alignment and insights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LABEL_WIDTH = 190  # SVG units left of the bars for the labels
BAR_AREA = 230  # the longest bar; the value is written after it
VALUE_WIDTH = 80
TEXT_CHAR_WIDTH = 7.2  # SVG units per character of the 12 px value text (a generous estimate)
BAR_HEIGHT = 16
BAR_GAP = 4
ROW_GAP = 10
SERIES_CLASSES = ("chart-series-1", "chart-series-2", "chart-series-3", "chart-series-4")


@dataclass(frozen=True)
class ChartRow:
    label: str
    values: Sequence[float | int | None]
    intervals: Sequence[tuple[float, float] | None] = ()
    danger: bool = False
    texts: Sequence[str] = ()  # how each value is written; default: the value and the chart's unit


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    length: float
    height: float
    css_class: str
    text: str
    text_x: float
    text_y: float
    title: str
    whisker: tuple[float, float] | None


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    series: list[str]
    rows: list[ChartRow]
    bars: list[Bar]
    labels: list[tuple[str, float]]  # row label and its y
    height: float
    width: float = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    legend: list[tuple[str, str]] = field(default_factory=list)  # series name, css class

    @property
    def empty(self) -> bool:
        return not any(value is not None for row in self.rows for value in row.values)


def _number(value: float | int) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def bar_chart(
    *,
    title: str,
    rows: Sequence[ChartRow],
    series: Sequence[str] = (),
    unit: str = "",
    scale_max: float | None = None,
) -> Chart:
    """The geometry of a horizontal bar chart; rows with a None value get no bar and "—" as text."""
    series_names = list(series) or [title]
    count = max(1, len(series_names))
    largest = scale_max or max(
        (
            max(
                float(value or 0),
                (row.intervals[index] or (0.0, 0.0))[1] if index < len(row.intervals) else 0,
            )
            for row in rows
            for index, value in enumerate(row.values)
        ),
        default=0,
    )
    largest = largest or 1.0
    row_height = count * (BAR_HEIGHT + BAR_GAP) + ROW_GAP
    bars: list[Bar] = []
    labels: list[tuple[str, float]] = []
    for row_index, row in enumerate(rows):
        top = row_index * row_height
        labels.append((row.label, top + BAR_HEIGHT - 3))
        for index, value in enumerate(row.values):
            y = top + index * (BAR_HEIGHT + BAR_GAP)
            length = 0.0 if value is None else round(BAR_AREA * min(float(value), largest) / largest, 1)
            interval = row.intervals[index] if index < len(row.intervals) else None
            whisker = None
            if interval is not None:
                whisker = (
                    round(LABEL_WIDTH + BAR_AREA * min(interval[0], largest) / largest, 1),
                    round(LABEL_WIDTH + BAR_AREA * min(interval[1], largest) / largest, 1),
                )
            text = (
                row.texts[index]
                if index < len(row.texts)
                else ("—" if value is None else f"{_number(value)}{unit}")
            )
            css = "chart-danger" if row.danger else SERIES_CLASSES[index % len(SERIES_CLASSES)]
            name = series_names[index] if index < len(series_names) else ""
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=y,
                    length=length,
                    height=BAR_HEIGHT,
                    css_class=css,
                    text=text,
                    text_x=LABEL_WIDTH + max(length, whisker[1] - LABEL_WIDTH if whisker else 0) + 6,
                    text_y=y + BAR_HEIGHT - 3,
                    title=f"{row.label} · {name}: {text}"
                    if len(series_names) > 1
                    else f"{row.label}: {text}",
                    whisker=whisker,
                )
            )
    legend = (
        [(name, SERIES_CLASSES[index % len(SERIES_CLASSES)]) for index, name in enumerate(series_names)]
        if len(series_names) > 1
        else []
    )
    return Chart(
        title=title,
        unit=unit,
        series=series_names,
        rows=list(rows),
        bars=bars,
        labels=labels,
        height=max(row_height * len(rows), row_height),
        legend=legend,
        # wide enough for the longest value written after its bar (the SVG scales to its box, nothing sticks out)
        width=max(
            LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
            max((bar.text_x + TEXT_CHAR_WIDTH * len(bar.text) + 4 for bar in bars), default=0),
        ),
    )


def chart_table(chart: Chart) -> dict[str, Any]:
    """The chart's rows as a table (header, rows of texts) for the template next to it and for the CSV."""
    header = ["", *chart.series]
    table_rows = []
    per_row = len(chart.series)
    for row_index, row in enumerate(chart.rows):
        texts = [bar.text for bar in chart.bars[row_index * per_row : (row_index + 1) * per_row]]
        table_rows.append([row.label, *texts])
    return {"header": header, "rows": table_rows}
