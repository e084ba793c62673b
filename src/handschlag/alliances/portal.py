"""The partner portal: a partner user sees his own partnership and nothing else (docs/partner-portal.md).

Every page starts from `portal_partner_for(user)`; ids from the URL are looked up only inside that partner.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from handschlag.alliances import services as alliances_services
from handschlag.alliances.access import access_agreement_by_id, portal_partner_for
from handschlag.alliances.enums import AgreementStatus
from handschlag.alliances.models import Agreement, Partner
from handschlag.alliances.selectors import agreement_list
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.mapping import services as mapping_services
from handschlag.mapping.access import access_mapping_run_by_id, access_portal_upload_by_id
from handschlag.mapping.forms import PortalUploadForm
from handschlag.mapping.inputs import MappingRunInput
from handschlag.mapping.selectors import (
    latest_visible_run_for_partner,
    overlap_is_visible,
    portal_upload_list,
    sharing_rules_of,
)
from handschlag.mapping.sharing import describe_rules
from handschlag.mapping.views import overlap_csv, run_context


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _may_upload(agreement: Agreement) -> bool:
    return agreement.both_opted_in and agreement.status != AgreementStatus.ENDED


def _home(
    request: HttpRequest, partner: Partner, *, bound: tuple[int, PortalUploadForm] | None = None
) -> HttpResponse:
    agreements: list[dict[str, Any]] = []
    for agreement in agreement_list(partner=partner):
        form = bound[1] if bound is not None and bound[0] == agreement.pk else PortalUploadForm()
        agreements.append(
            {
                "agreement": agreement,
                "rules": describe_rules(sharing_rules_of(agreement)),
                "run": latest_visible_run_for_partner(agreement=agreement),
                "may_upload": _may_upload(agreement),
                "upload_form": form,
                "uploads": list(portal_upload_list(agreement=agreement)[:5]),
            }
        )
    return render(
        request,
        "alliances/portal_home.html",
        {"partner": partner, "agreements": agreements, "active_section": "portal"},
        status=400 if bound is not None else 200,
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    return _home(request, portal_partner_for(_user(request)))


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


@login_required
@require_POST
def portal_upload(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """The partner user uploads his own list (encoded or in clear) for a new mapping run of his agreement."""
    user = _user(request)
    partner = portal_partner_for(user)
    agreement = access_agreement_by_id(user, agreement_id)
    form = PortalUploadForm(request.POST, request.FILES)
    data = input_from_form(form, MappingRunInput) if form.is_valid() else None
    if data is not None:
        try:
            run = mapping_services.mapping_run_create(
                actor=user,
                agreement=agreement,
                upload=form.cleaned_data["file"],
                data=data,
                populations_upload=form.cleaned_data["populations"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("portal:home")
        else:
            messages.success(request, _("Your list was received. The mapping runs in the background."))
            return redirect("portal:upload_detail", run.pk)
    return _home(request, partner, bound=(agreement.pk, form))


@login_required
def portal_upload_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """Progress of a list the partner uploaded; never our counts, only what his own list brought."""
    run = access_portal_upload_by_id(_user(request), run_id)
    context = {
        "run": run,
        "agreement": run.agreement,
        "visible": overlap_is_visible(run),
        "active_section": "portal",
    }
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "alliances/portal_upload.html#status", context)
        if run.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "alliances/portal_upload.html", context)


@login_required
def portal_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_mapping_run_by_id(_user(request), run_id)
    portal_partner_for(_user(request))
    return render(
        request,
        "alliances/portal_run.html",
        {**run_context(run, for_partner=True, request=request), "active_section": "portal"},
    )


@login_required
def portal_run_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    portal_partner_for(_user(request))
    return overlap_csv(access_mapping_run_by_id(_user(request), run_id), for_partner=True)
