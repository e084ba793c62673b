"""Server-side SVG charts of the alignment pages (no JavaScript, no inline styles: geometry only, colours by
class in alignment.css). Each chart is shown beside its table and has a CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABEL_WIDTH = 240
BAR_WIDTH = 200
ROW_HEIGHT = 26
TREND_WIDTH = 480
TREND_HEIGHT = 180
TREND_MARGIN = 30


def bar_rows(
    rows: list[tuple[str, float | int | None]],
    *,
    scale_max: float | None = None,
    marks: list[bool] | None = None,
) -> dict[str, Any]:
    """Bars scaled to `scale_max` (or the largest value); `marks` flags rows (a significant gap)."""
    largest = scale_max or max((float(value or 0) for _label, value in rows), default=0) or 1.0
    bars = []
    for index, (label, value) in enumerate(rows):
        length = round(BAR_WIDTH * min(float(value or 0), largest) / largest, 1)
        bars.append(
            {
                "label": label,
                "value": None if value is None else round(float(value), 1),
                "y": index * ROW_HEIGHT,
                "x": LABEL_WIDTH,
                "length": length,
                "value_x": LABEL_WIDTH + length + 6,
                "marked": bool(marks[index]) if marks else False,
            }
        )
    return {"bars": bars, "height": max(1, len(bars)) * ROW_HEIGHT, "width": LABEL_WIDTH + BAR_WIDTH + 60}


@dataclass(frozen=True)
class TrendSeries:
    name: str
    css: str
    segments: list[str]  # "x,y x,y …" per unbroken run of comparable quarters
    points: list[dict[str, Any]]


def trend_lines(
    labels: list[str], series: dict[str, list[float | None]], *, breaks: list[bool]
) -> dict[str, Any]:
    """Lines on a 0-100 scale; a line is broken before a quarter that is not comparable with the one before."""
    count = len(labels)
    step = (TREND_WIDTH - 2 * TREND_MARGIN) / max(1, count - 1)

    def x_of(index: int) -> float:
        return round(TREND_MARGIN + index * step, 1)

    def y_of(value: float) -> float:
        return round(TREND_HEIGHT - TREND_MARGIN - (TREND_HEIGHT - 2 * TREND_MARGIN) * value / 100, 1)

    result = []
    for number, (name, values) in enumerate(series.items()):
        segments: list[list[str]] = [[]]
        points = []
        for index, value in enumerate(values):
            if breaks[index] or value is None:
                segments.append([])
            if value is None:
                continue
            segments[-1].append(f"{x_of(index)},{y_of(value)}")
            points.append(
                {"x": x_of(index), "y": y_of(value), "value": round(value, 1), "label": labels[index]}
            )
        result.append(
            TrendSeries(
                name=name,
                css=f"series-{number}",
                segments=[" ".join(segment) for segment in segments if len(segment) > 1],
                points=points,
            )
        )
    return {
        "series": result,
        "labels": [
            {"x": x_of(index), "text": label, "broken": breaks[index] and index > 0}
            for index, label in enumerate(labels)
        ],
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "grid": [{"y": y_of(value), "value": value} for value in (0, 50, 100)],
        "label_y": TREND_HEIGHT - 8,
    }
