"""`{% previous_page_url as back %}`: the page the user came from, for the error pages' "back" link.

Only an address on this site (the Referer checked like a login's `next`), and never the failing page itself.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def previous_page_url(context: dict[str, Any]) -> str:
    request = context.get("request")
    if request is None:
        return ""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    if referer == request.build_absolute_uri():
        return ""
    return referer
