from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def kpi_value(value: Any, unit: str) -> str:
    """A KPI's value with its unit, in the reader's number format ("62,5 %", "1.234.567 €", "12,5 h")."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if unit == "eur":
        return f"{number_format(round(number), 0, use_l10n=True, force_grouping=True)} €"
    text = number_format(round(number, 1), 1 if number % 1 else 0, use_l10n=True, force_grouping=True)
    suffix = {"percent": " %", "hours": " h", "days": _(" days")}.get(unit, "")
    return f"{text}{suffix}"
