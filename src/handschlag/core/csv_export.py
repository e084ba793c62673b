"""CSV downloads that open cleanly in German Excel and cannot carry formulas."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import formats, translation

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_cell(value: Any) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _format(value: Any, decimal_separator: str) -> str:
    if isinstance(value, Decimal | float):
        return str(value).replace(".", decimal_separator)
    if isinstance(value, dt.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return neutralise_cell(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """Stream rows as CSV: `;` and decimal comma in German, `,` and decimal point in English; UTF-8 with BOM."""
    german = translation.get_language() == "de"
    delimiter, decimal_separator = (";", ",") if german else (",", ".")
    writer = csv.writer(_Echo(), delimiter=delimiter)

    def stream() -> Iterable[str]:
        yield "\ufeff" + writer.writerow([neutralise_cell(title) for title in header])
        for row in rows:
            yield writer.writerow([_format(value, decimal_separator) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
