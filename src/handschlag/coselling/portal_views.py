"""Co-selling in the partner portal: the partner's leads (received from us, sent to us), his deal registrations
and the joint opportunities he is on. URLs in portal_urls.py, under /portal/ in the namespace "portal".

Every page starts from the partner of the logged-in partner user; ids from the URL are looked up only inside that
partner, so our ids and another partner's are 404, like ids that do not exist. What he sees is allow-listed
(lead_api.lead_for_partner / registration_for_partner, selectors.leads.JointOpportunity): never what the engine
found among our accounts, our owners or our other partners.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.coselling.lead_access import (
    access_lead_by_id,
    access_registration_by_id,
    partner_of_portal_user,
)
from handschlag.coselling.lead_api import lead_for_partner, registration_for_partner
from handschlag.coselling.lead_enums import LeadDirection, LeadStatus, RegistrationStatus
from handschlag.coselling.lead_forms import (
    DealRegistrationForm,
    ExtensionRequestForm,
    LeadDecisionForm,
    LeadOfferForm,
)
from handschlag.coselling.lead_inputs import (
    DealRegistrationInput,
    ExtensionRequestInput,
    LeadDecisionInput,
)
from handschlag.coselling.lead_views import PAGE_SIZE, lead_offer_from_form, product_line_choices
from handschlag.coselling.selectors.leads import (
    joint_opportunity_rows,
    partner_involvement_list,
    partner_lead_list,
    partner_registration_list,
)
from handschlag.coselling.services import leads as lead_services
from handschlag.coselling.services import registrations as registration_services


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def portal_leads(request: HttpRequest) -> HttpResponse:
    """Leads we offered him, leads he offered us, and the form to offer one."""
    user = _user(request)
    partner = partner_of_portal_user(user)
    form = LeadOfferForm(request.POST or None, partners=None, product_lines=product_line_choices())
    lead = lead_offer_from_form(request, user, form)
    if lead is not None:
        messages.success(request, _("Thank you, your lead was handed over."))
        return redirect("portal:lead_detail", lead.pk)
    return render(
        request,
        "coselling/portal_leads.html",
        {
            "partner": partner,
            "received": [
                lead_for_partner(lead) for lead in partner_lead_list(partner=partner, box="inbox")[:100]
            ],
            "sent": [
                lead_for_partner(lead) for lead in partner_lead_list(partner=partner, box="outbox")[:100]
            ],
            "form": form,
            "active_section": "portal",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def portal_lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = _user(request)
    partner_of_portal_user(user)
    lead = access_lead_by_id(user, lead_id)
    may_decide = lead.direction == LeadDirection.TO_PARTNER and lead.status == LeadStatus.OFFERED
    form = LeadDecisionForm(request.POST or None, source=lead.source) if may_decide else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This lead was already decided or has expired."))
            return redirect("portal:lead_detail", lead.pk)
        if form.is_valid():
            data = input_from_form(form, LeadDecisionInput)
            if data is not None:
                try:
                    lead_services.lead_decide(actor=user, lead=lead, data=data)
                except InvalidInput as error:
                    form_add_service_errors(form, error)
                except Conflict as error:
                    messages.error(request, error.message)
                    return redirect("portal:lead_detail", lead.pk)
                else:
                    messages.success(request, _("Decision recorded."))
                    return redirect("portal:lead_detail", lead.pk)
    return render(
        request,
        "coselling/portal_lead_detail.html",
        {"lead": lead_for_partner(lead), "form": form, "active_section": "portal"},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def portal_registrations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    partner = partner_of_portal_user(user)
    form = DealRegistrationForm(request.POST or None, product_lines=product_line_choices())
    if request.method == "POST" and form.is_valid():
        data = input_from_form(form, DealRegistrationInput)
        if data is not None:
            try:
                registration = registration_services.registration_create(actor=user, data=data)
            except InvalidInput as error:
                form_add_service_errors(form, error)
            except Conflict as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your deal registration was received and waits for approval."))
                return redirect("portal:registration_detail", registration.pk)
    return render(
        request,
        "coselling/portal_registrations.html",
        {
            "partner": partner,
            "registrations": [
                registration_for_partner(item) for item in partner_registration_list(partner=partner)[:200]
            ],
            "form": form,
            "active_section": "portal",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def portal_registration_detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = _user(request)
    partner_of_portal_user(user)
    registration = access_registration_by_id(user, registration_id)
    may_extend = (
        registration.status == RegistrationStatus.APPROVED and registration.extension_status != "requested"
    )
    form = ExtensionRequestForm(request.POST or None) if may_extend else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("An extension cannot be requested for this registration now."))
            return redirect("portal:registration_detail", registration.pk)
        if form.is_valid():
            data = input_from_form(form, ExtensionRequestInput)
            if data is not None:
                try:
                    registration_services.registration_extension_request(
                        actor=user, registration=registration, data=data
                    )
                except InvalidInput as error:
                    form_add_service_errors(form, error)
                except Conflict as error:
                    messages.error(request, error.message)
                    return redirect("portal:registration_detail", registration.pk)
                else:
                    messages.success(request, _("Your request for an extension waits for approval."))
                    return redirect("portal:registration_detail", registration.pk)
    return render(
        request,
        "coselling/portal_registration_detail.html",
        {"registration": registration_for_partner(registration), "form": form, "active_section": "portal"},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def portal_opportunities(request: HttpRequest) -> HttpResponse:
    """The opportunities of ours he is involved in, with the fields allowed for partners only."""
    partner = partner_of_portal_user(_user(request))
    page = BoundedPaginator(partner_involvement_list(partner=partner), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "coselling/portal_opportunities.html",
        {
            "page": page,
            "opportunities": joint_opportunity_rows(page.object_list),
            "query_without_page": "",
            "active_section": "portal",
        },
    )


@login_required
@require_http_methods(["GET"])
def portal_opportunities_export(request: HttpRequest) -> HttpResponseBase:
    """All of them as CSV, the same allow-listed fields as the page (which pages through the first 2,000)."""
    partner = partner_of_portal_user(_user(request))
    rows = joint_opportunity_rows(partner_involvement_list(partner=partner).iterator(chunk_size=2000))
    return csv_response(
        filename="gemeinsame-verkaufschancen.csv",
        header=[
            _("Customer"),
            _("Deal"),
            _("Product line"),
            _("Stage"),
            _("Status"),
            _("Expected close date"),
            _("Your role"),
        ],
        rows=(
            [
                row.account_name,
                row.title,
                row.product_line,
                row.stage,
                row.status,
                row.expected_close_date,
                row.role,
            ]
            for row in rows
        ),
    )
