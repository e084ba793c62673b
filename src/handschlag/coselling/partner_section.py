"""The co-selling figures on the partner page and below the partner list (alliances.extensions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from handschlag.alliances.enums import HealthVerdict
from handschlag.alliances.selectors import partner_overview_list
from handschlag.core.roles import Capability, has_capability
from handschlag.coselling.partner_figures import partner_figures_context

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner


def partner_figures_section(request: HttpRequest, partner: Partner | None) -> dict[str, Any]:
    """Nothing for those who do not see opportunities (process owners): the section then stays empty."""
    if not has_capability(request.user, Capability.OPPORTUNITIES_VIEW):
        return {"charts": []}
    search = request.GET.get("q", "").strip()[:200]
    verdict = request.GET.get("verdict", "")
    verdict = verdict if verdict in HealthVerdict.values else ""
    if partner is None and (search or verdict):
        # below the list the charts follow its filters (name, health verdict), as the list does
        shown = partner_overview_list(search=search, verdict=verdict)
        return partner_figures_context(partner=None, partner_ids=[each.partner.pk for each in shown])
    return partner_figures_context(partner=partner)
