"""Money is a Decimal in EUR with two places, never a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY = "EUR"
CENT = Decimal("0.01")
MAX_DIGITS = 14

_GROUPED_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up, the way an invoice does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(text: str, *, decimal_comma: bool = True) -> Decimal:
    """Read a number as people type it: `1.234,56`, `1234,56`, `1,234.56`, `1234.56`, `12 500 €`.

    `decimal_comma` settles the one ambiguous case, a single separator followed by exactly three digits
    (`1.234` or `1,234`): with a decimal comma (German files) a dot groups thousands, and vice versa.
    Raises ValueError with a readable message.
    """
    cleaned = text.strip().replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.replace("'", "")
    if not cleaned:
        raise ValueError("empty number")
    has_dot, has_comma = "." in cleaned, "," in cleaned
    if has_dot and has_comma:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif has_comma:
        if _GROUPED_COMMA.match(cleaned) and (not decimal_comma or cleaned.count(",") > 1):
            cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
    elif has_dot and _GROUPED_DOT.match(cleaned) and (decimal_comma or cleaned.count(".") > 1):
        cleaned = cleaned.replace(".", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return number
