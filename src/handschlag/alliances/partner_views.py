"""Pages for keeping a partnership up to date: asking the partner to agree to the sharing rules (double opt-in),
editing a partner and its portal logins. Thin: forms in, services called (alliances/services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from handschlag.alliances import services
from handschlag.alliances.access import access_agreement_by_id
from handschlag.core.access import require_capability
from handschlag.core.errors import Conflict, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, is_internal


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _internal(user: User, capability: Capability) -> None:
    if not is_internal(user):
        raise NotFound
    require_capability(user, capability)


@login_required
@require_POST
def agreement_opt_in_invite_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Ask the partner's portal users by e-mail to agree; back to the page the button was on (agreement or run)."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    try:
        invited = services.agreement_opt_in_invite(actor=user, agreement=agreement)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(names)s was asked by e-mail to agree to the sharing rules.",
                "%(names)s were asked by e-mail to agree to the sharing rules.",
                len(invited),
            )
            % {"names": ", ".join(str(person) for person in invited)},
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(reverse("alliances:agreement_detail", args=[agreement.pk]) + "#opt-in")
