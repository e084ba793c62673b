"""Account mapping in the partner portal (docs/partner-portal.md): the partner user's part of each agreement's card
on the portal home (registered with `alliances.extensions`), his uploads and their progress, and the account
mappings he may see. URLs in mapping/portal_urls.py, under /portal/ in the namespace "portal".

Every page starts from `portal_partner_for(user)`; ids from the URL are looked up only inside that partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.alliances.access import access_agreement_by_id, portal_partner_for
from handschlag.alliances.enums import AgreementStatus
from handschlag.alliances.extensions import BoundForm
from handschlag.alliances.portal_home import portal_home_render
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.mapping import services
from handschlag.mapping.access import access_mapping_run_by_id, access_portal_upload_by_id
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.forms import PortalUploadForm
from handschlag.mapping.inputs import MappingRunInput
from handschlag.mapping.selectors import (
    latest_visible_run_for_partner,
    overlap_is_visible,
    portal_upload_list,
    sharing_rules_of,
)
from handschlag.mapping.sharing import describe_rules
from handschlag.mapping.views import columns_confirm, columns_page, overlap_csv, run_context

if TYPE_CHECKING:
    from handschlag.alliances.models import Agreement

# the name of mapping's section on the portal home (alliances.extensions.portal_section_register)
PORTAL_SECTION = "mapping"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _may_upload(agreement: Agreement) -> bool:
    return agreement.both_opted_in and agreement.status != AgreementStatus.ENDED


def portal_agreement_section(
    request: HttpRequest, agreement: Agreement, bound: PortalUploadForm | None
) -> dict[str, Any]:
    """Mapping's part of an agreement's card on the portal home: the sharing rules the partner agrees to, the
    account mapping he may see, the upload form (`bound`: as `portal_upload` could not save it) and his uploads."""
    return {
        "rules": describe_rules(sharing_rules_of(agreement)),
        "run": latest_visible_run_for_partner(agreement=agreement),
        "may_upload": _may_upload(agreement),
        "upload_form": bound if bound is not None else PortalUploadForm(),
        "uploads": list(portal_upload_list(agreement=agreement)[:5]),
    }


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
            run = services.mapping_run_create(
                actor=user,
                agreement=agreement,
                upload=form.cleaned_data["file"],
                data=data,
                populations_upload=form.cleaned_data["populations"],
                columns=form.cleaned_data["columns"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("portal:home")
        else:
            if run.status == MappingStatus.COLUMNS:
                messages.success(request, _("Your list was received. Please check its columns."))
                return redirect("portal:upload_columns", run.pk)
            messages.success(request, _("Your list was received. The mapping runs in the background."))
            return redirect("portal:upload_detail", run.pk)
    return portal_home_render(
        request,
        partner=partner,
        bound=BoundForm(section=PORTAL_SECTION, agreement_id=agreement.pk, form=form),
    )


@login_required
def portal_upload_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """Progress of a list the partner uploaded; never our counts, only what his own list brought."""
    run = access_portal_upload_by_id(_user(request), run_id)
    if run.status == MappingStatus.COLUMNS and not request.htmx:  # type: ignore[attr-defined]
        return redirect("portal:upload_columns", run.pk)
    context = {
        "run": run,
        "agreement": run.agreement,
        "visible": overlap_is_visible(run),
        "active_section": "portal",
    }
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "mapping/portal_upload.html#status", context)
        if run.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "mapping/portal_upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def portal_upload_columns(request: HttpRequest, run_id: int) -> HttpResponse:
    """The columns of the partner user's own list in clear, to check and change before the mapping starts."""
    run = access_portal_upload_by_id(_user(request), run_id)
    if request.method == "POST":
        return columns_confirm(request, run, for_partner=True) or redirect("portal:upload_detail", run.pk)
    if run.status != MappingStatus.COLUMNS:
        return redirect("portal:upload_detail", run.pk)
    return columns_page(request, run, for_partner=True)


@login_required
def portal_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_mapping_run_by_id(_user(request), run_id)
    portal_partner_for(_user(request))
    return render(
        request,
        "mapping/portal_run.html",
        {**run_context(run, for_partner=True, request=request), "active_section": "portal"},
    )


@login_required
def portal_run_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    portal_partner_for(_user(request))
    return overlap_csv(access_mapping_run_by_id(_user(request), run_id), for_partner=True)
