"""Numbers from query strings and form fields, read so that no hostile value reaches the database as a 500.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses (or reads as another digit); ids beyond 64 bits
overflow SQLite and PostgreSQL alike. Views read ids and page numbers with these functions instead of `int(…)`.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # the largest value of a 64-bit signed integer column
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: object) -> int | None:
    """A positive database id written in ASCII digits, or None (empty, "abc", "²", "-1", too large)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def query_int(request: HttpRequest, name: str, *, default: int | None = None) -> int | None:
    """`?name=` as a positive id: `default` when absent or empty, a 400 (`BadRequest`) when it is no id."""
    raw = request.GET.get(name, "")
    if raw.strip() == "":
        return default
    value = parse_id(raw)
    if value is None:
        raise BadRequest(_("The parameter “%(name)s” must be a number.") % {"name": name})
    return value
