"""Our pages for leads (inbox: leads to us; outbox: leads we offered to partners) and deal registrations (the
ones to decide, with their conflicts before the decision, and those expiring soon). Thin: access, form, service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from handschlag.accounts.selectors import account_id_by_reference
from handschlag.alliances.enums import PartnerStatus
from handschlag.alliances.selectors import partner_list
from handschlag.core.errors import Conflict, Forbidden, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.coselling.lead_access import (
    access_lead_by_id,
    access_registration_by_id,
    check_leads_work,
    check_registrations_read,
    may_decide_registrations,
)
from handschlag.coselling.lead_api import contact_visible
from handschlag.coselling.lead_enums import (
    ExtensionStatus,
    LeadDirection,
    LeadStatus,
    RegistrationStatus,
)
from handschlag.coselling.lead_forms import (
    ExtensionDecisionForm,
    LeadDecisionForm,
    LeadOfferForm,
    RegistrationDecisionForm,
)
from handschlag.coselling.lead_inputs import (
    ExtensionDecisionInput,
    LeadDecisionInput,
    LeadOfferInput,
    RegistrationDecisionInput,
)
from handschlag.coselling.models import Lead, ProductLine
from handschlag.coselling.selectors.leads import (
    lead_list,
    lead_resolution,
    registration_account_candidates,
    registration_conflicts,
    registration_list,
    registrations_expiring_soon,
)
from handschlag.coselling.services import leads as lead_services
from handschlag.coselling.services import registrations as registration_services

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def product_line_choices() -> list[tuple[int, str]]:
    return list(ProductLine.objects.filter(is_active=True).order_by("name").values_list("pk", "name"))


def _account_from_form(form: Any) -> int | bool | None:
    """The account the form names (number or CRM id): its id, None when empty, False when not found."""
    reference = (form.cleaned_data.get("account") or "").strip()
    if not reference:
        return None
    account_id = account_id_by_reference(reference=reference)
    if account_id is None:
        form.add_error("account", _("No account with this number or CRM id."))
        return False
    return account_id


@login_required
@require_http_methods(["GET"])
def lead_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_leads_work(user)
    box = request.GET.get("box", "inbox")
    box = box if box in ("inbox", "outbox") else "inbox"
    status = request.GET.get("status", "")
    status = status if status in LeadStatus.values else ""
    page = BoundedPaginator(lead_list(box=box, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coselling/lead_list.html",
        {
            "page": page,
            "box": box,
            "status": status,
            "statuses": LeadStatus.choices,
            "active_section": "leads",
        },
    )


def lead_offer_from_form(request: HttpRequest, user: User, form: LeadOfferForm) -> Lead | None:
    """The offered lead when a posted offer form is valid and the service takes it; else None, with the
    service's complaints on the form (ours and the partner portal's offer share this)."""
    if request.method != "POST" or not form.is_valid():
        return None
    data = input_from_form(form, LeadOfferInput)
    if data is None:
        return None
    try:
        return lead_services.lead_offer(actor=user, data=data)
    except InvalidInput as error:
        form_add_service_errors(form, error)
    except Conflict as error:
        form.add_error(None, error.message)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def lead_create_view(request: HttpRequest) -> HttpResponse:
    """We offer a lead to a partner."""
    user = _user(request)
    check_leads_work(user)
    partners = [
        (partner.pk, partner.name) for partner in partner_list() if partner.status == PartnerStatus.ACTIVE
    ]
    form = LeadOfferForm(request.POST or None, partners=partners, product_lines=product_line_choices())
    lead = lead_offer_from_form(request, user, form)
    if lead is not None:
        messages.success(request, _("The lead was offered to the partner."))
        return redirect("coselling:lead_detail", lead.pk)
    return render(
        request,
        "coselling/lead_form.html",
        {"form": form, "active_section": "leads"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = _user(request)
    lead = access_lead_by_id(user, lead_id)
    may_decide = lead.status == LeadStatus.OFFERED and lead.direction == LeadDirection.TO_US
    form = (
        LeadDecisionForm(request.POST or None, source=lead.source, with_account=True) if may_decide else None
    )
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This lead was already decided or has expired."))
            return redirect("coselling:lead_detail", lead.pk)
        if form.is_valid():
            account_id = _account_from_form(form)
            data = (
                input_from_form(form, LeadDecisionInput, account_id=account_id)
                if account_id is not False
                else None
            )
            if data is not None:
                try:
                    lead_services.lead_decide(actor=user, lead=lead, data=data)
                except InvalidInput as error:
                    form_add_service_errors(form, error, aliases={"account_id": "account"})
                except Conflict as error:
                    messages.error(request, error.message)
                    return redirect("coselling:lead_detail", lead.pk)
                else:
                    messages.success(request, _("Decision recorded."))
                    return redirect("coselling:lead_detail", lead.pk)
    return render(
        request,
        "coselling/lead_detail.html",
        {
            "lead": lead,
            "resolution": lead_resolution(lead=lead),
            "show_contact": contact_visible(lead, internal=True),
            "form": form,
            "active_section": "leads",
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def registration_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_registrations_read(user)
    status = request.GET.get("status", RegistrationStatus.PENDING)
    allowed = {"", "active", "extension", *RegistrationStatus.values}
    status = status if status in allowed else RegistrationStatus.PENDING
    page = BoundedPaginator(registration_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coselling/registration_list.html",
        {
            "page": page,
            "status": status,
            "statuses": RegistrationStatus.choices,
            "expiring": list(registrations_expiring_soon()[:20]),
            "active_section": "registrations",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_detail_view(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The registration, its conflicts (before the decision) and the decision; an extension request's decision."""
    user = _user(request)
    registration = access_registration_by_id(user, registration_id)
    deciding = may_decide_registrations(user)
    pending = registration.status == RegistrationStatus.PENDING
    extension_open = registration.extension_status == ExtensionStatus.REQUESTED
    posted = request.POST if request.method == "POST" else None
    form_kind = request.POST.get("form", "") if posted is not None else ""
    form = (
        RegistrationDecisionForm(posted if form_kind == "decision" else None)
        if deciding and pending
        else None
    )
    extension_form = (
        ExtensionDecisionForm(posted if form_kind == "extension" else None)
        if deciding and extension_open and registration.status == RegistrationStatus.APPROVED
        else None
    )
    if posted is not None:
        if not deciding:
            raise Forbidden
        if form_kind == "decision" and form is not None and form.is_valid():
            account_id = _account_from_form(form)
            data = (
                input_from_form(form, RegistrationDecisionInput, account_id=account_id)
                if account_id is not False
                else None
            )
            if data is not None:
                try:
                    registration_services.registration_decide(
                        actor=user, registration=registration, data=data
                    )
                except InvalidInput as error:
                    form_add_service_errors(form, error, aliases={"account_id": "account"})
                except Conflict as error:
                    messages.error(request, error.message)
                    return redirect("coselling:registration_detail", registration.pk)
                else:
                    messages.success(request, _("Decision recorded."))
                    return redirect("coselling:registration_detail", registration.pk)
        elif form_kind == "extension" and extension_form is not None and extension_form.is_valid():
            extension = input_from_form(extension_form, ExtensionDecisionInput)
            if extension is not None:
                try:
                    registration_services.registration_extension_decide(
                        actor=user, registration=registration, data=extension
                    )
                except InvalidInput as error:
                    form_add_service_errors(extension_form, error)
                except Conflict as error:
                    messages.error(request, error.message)
                    return redirect("coselling:registration_detail", registration.pk)
                else:
                    messages.success(request, _("Decision recorded."))
                    return redirect("coselling:registration_detail", registration.pk)
        elif form is None and extension_form is None:
            messages.error(request, _("This registration was already decided."))
            return redirect("coselling:registration_detail", registration.pk)
    has_errors = bool(
        (form is not None and form.errors) or (extension_form is not None and extension_form.errors)
    )
    return render(
        request,
        "coselling/registration_detail.html",
        {
            "registration": registration,
            "conflicts": registration_conflicts(registration=registration) if registration.is_active else [],
            "candidates": registration_account_candidates(registration=registration)
            if pending and registration.account_id is None
            else [],
            "form": form,
            "extension_form": extension_form,
            "active_section": "registrations",
        },
        status=400 if has_errors else 200,
    )
