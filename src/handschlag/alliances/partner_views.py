"""Pages for keeping a partnership up to date: asking the partner to agree to the sharing rules (double opt-in),
editing a partner and its portal logins. Thin: forms in, services called (alliances/services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.alliances import services
from handschlag.alliances.access import access_agreement_by_id, access_partner_by_id, access_portal_user_of
from handschlag.alliances.forms import PartnerEditForm, PortalUserEditForm
from handschlag.alliances.inputs import PartnerPatch, PortalUserPatch
from handschlag.alliances.views import _internal, _user
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.roles import Capability


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


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit_view(request: HttpRequest, partner_id: int) -> HttpResponse:
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    initial = {
        name: getattr(partner, name)
        for name in ("name", "partner_type", "tier", "website", "description", "status")
    }
    form = PartnerEditForm(request.POST or None, initial=initial)
    patch = input_from_form(form, PartnerPatch) if request.method == "POST" and form.is_valid() else None
    if patch is not None:
        try:
            services.partner_update(actor=user, partner=partner, patch=patch)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error("name", error.message)
        else:
            return redirect("alliances:partner_detail", partner.pk)
    return render(
        request,
        "alliances/partner_form.html",
        {"form": form, "partner": partner, "active_section": "partners"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def portal_user_edit_view(request: HttpRequest, partner_id: int, user_id: int) -> HttpResponse:
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    person = access_portal_user_of(partner, user_id)
    initial = {
        name: getattr(person, name) for name in ("first_name", "last_name", "email", "language", "is_active")
    }
    form = PortalUserEditForm(request.POST or None, initial=initial)
    patch = input_from_form(form, PortalUserPatch) if request.method == "POST" and form.is_valid() else None
    if patch is not None:
        try:
            services.portal_user_update(actor=user, partner=partner, user_id=person.pk, patch=patch)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error("is_active", error.message)
        else:
            return redirect(reverse("alliances:partner_detail", args=[partner.pk]) + "#portal-logins")
    return render(
        request,
        "alliances/portal_user_form.html",
        {"form": form, "partner": partner, "person": person, "active_section": "partners"},
        status=400 if form.errors else 200,
    )
