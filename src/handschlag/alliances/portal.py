"""The partner portal: a partner user sees his own partnership and nothing else (docs/partner-portal.md).

Every page starts from `portal_partner_for(user)`; ids from the URL are looked up only inside that partner. The
home page shows each agreement with the sections other modules register (`extensions.portal_section_register`:
mapping adds the sharing rules, the account mapping and the uploads; its pages are mapping/portal_views.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from handschlag.alliances import services as alliances_services
from handschlag.alliances.access import access_agreement_by_id, portal_partner_for
from handschlag.alliances.portal_home import portal_home_render
from handschlag.core.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    return portal_home_render(request, partner=portal_partner_for(_user(request)))


@login_required
@require_POST
def portal_opt_in(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """The partner user agrees to the sharing rules for his company's side."""
    user = _user(request)
    portal_partner_for(user)
    agreement = access_agreement_by_id(user, agreement_id)
    alliances_services.agreement_opt_in(actor=user, agreement=agreement)
    messages.success(request, _("You agreed to the sharing rules."))
    return redirect("portal:home")
