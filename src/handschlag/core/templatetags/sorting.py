"""`{% sort_header "name" label %}`: a sortable column header, written once for every list.

Renders `<th aria-sort="…"><a href="?…&sort=…">label ▲</a></th>`: the link keeps the query (filters, queue) but
not the page (a new order starts on page 1), toggles the direction of the current column and starts another
column ascending (or descending when `descending_first=True`, e.g. for revenue or dates). The context's
`ordering` is the current one (see `core/sorting.py`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from handschlag.core.sorting import SORT_PARAMETER

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(
    context: dict[str, Any],
    key: str,
    label: str,
    css_class: str = "",
    descending_first: bool = False,
) -> SafeString:
    request = context.get("request")
    current = str(context.get("ordering", ""))
    query = request.GET.copy() if request is not None else None
    if current == key:
        target, aria, arrow = f"-{key}", "ascending", " ▲"
    elif current == f"-{key}":
        target, aria, arrow = key, "descending", " ▼"
    else:
        target, aria, arrow = (f"-{key}" if descending_first else key), "", ""
    if query is not None:
        query.pop("page", None)
        query[SORT_PARAMETER] = target
        href = "?" + query.urlencode()
    else:
        href = f"?{SORT_PARAMETER}={target}"
    title = _("sorted ascending, click for descending") if aria == "ascending" else ""
    if aria == "descending":
        title = _("sorted descending, click for ascending")
    return format_html(
        '<th{}{}><a href="{}"{} data-sort="{}">{}{}</a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' aria-sort="{}"', aria) if aria else "",
        href,
        format_html(' title="{}"', title) if title else "",
        key,
        label,
        arrow,
    )
