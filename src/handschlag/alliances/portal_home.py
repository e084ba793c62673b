"""The partner portal's home page: each agreement of the partner with the sections other modules register
(`extensions.portal_section_register`). Public, so that a section's own view (mapping's upload) can show the page
again with its form's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import render

from handschlag.alliances.extensions import BoundForm, portal_sections_for
from handschlag.alliances.selectors import agreement_list

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from handschlag.alliances.models import Partner


def portal_home_render(
    request: HttpRequest, *, partner: Partner, bound: BoundForm | None = None
) -> HttpResponse:
    """The page for the partner's user; with `bound` (a form a section's view could not save) status 400."""
    agreements = [
        {"agreement": agreement, "sections": portal_sections_for(request, agreement, bound=bound)}
        for agreement in agreement_list(partner=partner)
    ]
    return render(
        request,
        "alliances/portal_home.html",
        {"partner": partner, "agreements": agreements, "active_section": "portal"},
        status=400 if bound is not None else 200,
    )
