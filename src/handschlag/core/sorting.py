"""Sortable lists: one whitelist of orderings per list, read from `?sort=` without a 500 for unknown values.

A list view keeps a dict `key → label`, reads the current ordering with `sort_from(request, keys, default)` and
puts it into the context as `ordering`; the template writes each header with `{% sort_header "key" label %}`
(`core/templatetags/sorting.py`), which links to the other direction and keeps the filters.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

SORT_PARAMETER = "sort"


def sort_from(request: HttpRequest, keys: Iterable[str], default: str) -> str:
    """The `?sort=` value if it is a whitelisted key or its descending `-key`, else `default`."""
    allowed = set(keys)
    value = request.GET.get(SORT_PARAMETER, "")
    if value in allowed or (value.startswith("-") and value[1:] in allowed):
        return value
    return default
