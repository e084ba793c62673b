"""Pages of the partnership module. Thin: forms in, services called, selectors out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.alliances import services
from handschlag.alliances.access import access_agreement_by_id, access_offer_by_id, access_partner_by_id
from handschlag.alliances.enums import HealthVerdict, OfferAsk, OfferGive, OfferStatus, PartnerTier
from handschlag.alliances.extensions import agreement_sections_for, partner_sections_for
from handschlag.alliances.forms import (
    AgreementForm,
    DecisionForm,
    OfferForm,
    PartnerContactForm,
    PartnerForm,
    PortalUserForm,
    RatingsForm,
    WeightsForm,
)
from handschlag.alliances.inputs import (
    AgreementInput,
    AgreementPatch,
    FitRatingsInput,
    FitWeightsInput,
    OfferDecisionInput,
    OfferInput,
    PartnerContactInput,
    PartnerInput,
    PortalUserInput,
)
from handschlag.alliances.selectors import (
    PartnerOverview,
    enablement_coverage,
    enablement_read_by_user,
    enablement_todo_for_user,
    fit_criteria,
    offer_assess,
    offer_list,
    partner_detail,
    partner_overview_list,
)
from handschlag.core.access import require_capability
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, InvalidInput, NotFound
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.core.request_parameters import parse_id
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.sorting import sort_from

if TYPE_CHECKING:
    from handschlag.alliances.models import Offer
    from handschlag.alliances.scoring import OfferAssessment


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _internal(user: User, capability: Capability) -> None:
    if not is_internal(user):
        raise NotFound
    require_capability(user, capability)


@login_required
@require_http_methods(["GET", "POST"])
def partner_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    can_manage = has_capability(user, Capability.PARTNERS_MANAGE)
    form = PartnerForm(request.POST or None)
    if request.method == "POST":
        require_capability(user, Capability.PARTNERS_MANAGE)
        data = input_from_form(form, PartnerInput) if form.is_valid() else None
        if data is not None:
            try:
                partner = services.partner_create(actor=user, data=data)
            except InvalidInput as error:
                form_add_service_errors(form, error)
            except Conflict as error:
                form.add_error("name", error.message)
            else:
                return redirect("alliances:partner_detail", partner.pk)
    search, verdict = _partner_filters(request)
    ordering = sort_from(request, PARTNER_SORT_KEYS, "name")
    return render(
        request,
        "alliances/partner_list.html",
        {
            "overviews": _sorted_by(
                partner_overview_list(search=search, verdict=verdict), ordering, PARTNER_SORT_KEYS
            ),
            "ordering": ordering,
            "search": search,
            "verdict": verdict,
            "verdicts": HealthVerdict.choices,
            "filtered": bool(search or verdict),
            "form": form,
            "can_manage": can_manage,
            "sections": partner_sections_for(request, None),
            "active_section": "partners",
        },
        status=400 if form.errors else 200,
    )


T = TypeVar("T")

PARTNER_SORT_KEYS: dict[str, Callable[[PartnerOverview], Any]] = {
    "name": lambda overview: overview.partner.name.casefold(),
    "type": lambda overview: overview.partner.get_partner_type_display().casefold(),
    "tier": lambda overview: _rank(PartnerTier.values, overview.partner.tier),
    "health": lambda overview: _rank(HealthVerdict.values, overview.health.verdict.value),
    "fit": lambda overview: overview.fit_score,
    "flags": lambda overview: overview.red_flag_count,
    # annotated by `partner_list`
    "agreements": lambda overview: (
        getattr(overview.partner, "active_agreement_count", 0),
        getattr(overview.partner, "agreement_count", 0),
    ),
}
OFFER_SORT_KEYS: dict[str, Callable[[tuple[Offer, OfferAssessment]], Any]] = {
    "company": lambda pair: pair[0].company_name.casefold(),
    "received": lambda pair: (pair[0].received_on, pair[0].pk),
    "status": lambda pair: _rank(OfferStatus.values, pair[0].status),
    "value": lambda pair: pair[1].score,
}


def _rank(values: list[str], value: str) -> int:
    return values.index(value) if value in values else len(values)


def _sorted_by(items: Iterable[T], ordering: str, keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """`items` in the whitelisted `ordering` (`key` or `-key`); rows without a value (no fit score yet) stay last.

    Sorted in Python: these lists are already in memory (the partner overview is computed per partner, offers
    need their assessment), so the query count stays what it was."""
    key = keys[ordering.removeprefix("-")]
    rows = list(items)
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=ordering.startswith("-")) + missing


def _partner_filters(request: HttpRequest) -> tuple[str, str]:
    search = request.GET.get("q", "").strip()[:200]
    verdict = request.GET.get("verdict", "")
    return search, verdict if verdict in HealthVerdict.values else ""


@login_required
def partner_export_view(request: HttpRequest) -> HttpResponseBase:
    """The partners list as CSV, with the same filters as the page."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    search, verdict = _partner_filters(request)
    overviews = partner_overview_list(search=search, verdict=verdict)
    return csv_response(
        filename="partners.csv",
        header=[
            str(title)
            for title in (
                _("Partner"),
                _("Type"),
                _("Tier"),
                _("Partner manager"),
                _("Active agreements"),
                _("Agreements"),
                _("Health"),
                _("Health points"),
                _("Fit score"),
                _("Red flags"),
            )
        ],
        rows=(
            [
                overview.partner.name,
                overview.partner.get_partner_type_display(),
                overview.partner.get_tier_display(),
                str(overview.partner.manager or ""),
                overview.partner.active_agreement_count,  # type: ignore[attr-defined]
                overview.partner.agreement_count,  # type: ignore[attr-defined]
                overview.health.verdict.label,
                overview.health.points,
                "" if overview.fit_score is None else overview.fit_score,
                overview.red_flag_count,
            ]
            for overview in overviews
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_detail_view(request: HttpRequest, partner_id: int) -> HttpResponse:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id)
    detail = partner_detail(partner=partner)
    criteria = list(fit_criteria())
    scores = {line.criterion.pk: line.score for line in detail["scorecard"].lines}
    contact_form = PartnerContactForm(prefix="contact")
    portal_form = PortalUserForm(prefix="portal")
    ratings_form = RatingsForm(criteria=criteria, scores=scores, prefix="fit")
    if request.method == "POST":
        partner = access_partner_by_id(user, partner_id, for_write=True)
        action = request.POST.get("action")
        try:
            if action == "contact":
                contact_form = PartnerContactForm(request.POST, prefix="contact")
                contact = (
                    input_from_form(contact_form, PartnerContactInput) if contact_form.is_valid() else None
                )
                if contact is not None:
                    services.partner_contact_create(actor=user, partner=partner, data=contact)
                    return redirect("alliances:partner_detail", partner.pk)
            elif action == "portal_user":
                portal_form = PortalUserForm(request.POST, prefix="portal")
                login = input_from_form(portal_form, PortalUserInput) if portal_form.is_valid() else None
                if login is not None:
                    services.portal_user_create(actor=user, partner=partner, data=login)
                    messages.success(request, _("Portal login created."))
                    return redirect("alliances:partner_detail", partner.pk)
            elif action == "portal_user_deactivate":
                user_id = parse_id(request.POST.get("user_id"))
                if user_id is None:
                    raise NotFound
                person = services.portal_user_deactivate(actor=user, partner=partner, user_id=user_id)
                messages.success(
                    request, _("Portal login %(username)s deactivated.") % {"username": person.username}
                )
                return redirect("alliances:partner_detail", partner.pk)
            elif action == "ratings":
                ratings_form = RatingsForm(request.POST, criteria=criteria, scores=scores, prefix="fit")
                ratings = (
                    input_from_form(
                        ratings_form,
                        FitRatingsInput,
                        scores={
                            criterion.pk: ratings_form.cleaned_data[f"score_{criterion.pk}"]
                            for criterion in criteria
                        },
                    )
                    if ratings_form.is_valid()
                    else None
                )
                if ratings is not None:
                    services.fit_ratings_set(actor=user, partner=partner, data=ratings)
                    return redirect("alliances:partner_detail", partner.pk)
        except InvalidInput as error:
            target = {"contact": contact_form, "portal_user": portal_form}.get(action or "", ratings_form)
            form_add_service_errors(target, error)
    return render(
        request,
        "alliances/partner_detail.html",
        {
            **detail,
            "contact_form": contact_form,
            "portal_form": portal_form,
            "ratings_form": ratings_form,
            "can_manage": has_capability(user, Capability.PARTNERS_MANAGE),
            "sections": partner_sections_for(request, partner),
            "active_section": "partners",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create_view(request: HttpRequest, partner_id: int) -> HttpResponse:
    user = _user(request)
    partner = access_partner_by_id(user, partner_id, for_write=True)
    form = AgreementForm(request.POST or None)
    data = (
        input_from_form(form, AgreementInput, partner_id=partner.pk)
        if request.method == "POST" and form.is_valid()
        else None
    )
    if data is not None:
        try:
            agreement = services.agreement_create(actor=user, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error("status", error.message)
        else:
            return redirect("alliances:agreement_detail", agreement.pk)
    return render(
        request,
        "alliances/agreement_form.html",
        {"form": form, "partner": partner, "agreement": None, "active_section": "partners"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    form = AgreementForm(request.POST or None, instance=agreement)
    patch = input_from_form(form, AgreementPatch) if request.method == "POST" and form.is_valid() else None
    if patch is not None:
        try:
            services.agreement_update(actor=user, agreement=agreement, patch=patch)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error("status", error.message)
        else:
            return redirect("alliances:agreement_detail", agreement.pk)
    if form.errors:
        agreement.refresh_from_db()
    return render(
        request,
        "alliances/agreement_form.html",
        {"form": form, "partner": agreement.partner, "agreement": agreement, "active_section": "partners"},
        status=400 if form.errors else 200,
    )


@login_required
def agreement_detail_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """The agreement, its enablement, and the sections other modules register (mapping: sharing rules, runs)."""
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    agreement = access_agreement_by_id(user, agreement_id)
    return render(
        request,
        "alliances/agreement_detail.html",
        {
            "agreement": agreement,
            "partner": agreement.partner,
            "coverage": enablement_coverage(agreement=agreement),
            "sections": agreement_sections_for(request, agreement),
            "can_manage": has_capability(user, Capability.PARTNERS_MANAGE),
            "active_section": "partners",
        },
    )


@login_required
@require_POST
def agreement_opt_in_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Our side agrees to the sharing rules (the partner's users agree in the portal, `portal.portal_opt_in`)."""
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    agreement = access_agreement_by_id(user, agreement_id)
    services.agreement_opt_in(actor=user, agreement=agreement)
    messages.success(request, _("You agreed to the sharing rules."))
    return redirect("alliances:agreement_detail", agreement.pk)


@login_required
@require_POST
def agreement_remind_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    count = services.enablement_remind(actor=user, agreement=agreement)
    messages.success(request, _("%(count)d people reminded.") % {"count": count})
    return redirect("alliances:agreement_detail", agreement.pk)


@login_required
@require_http_methods(["GET", "POST"])
def enablement_view(request: HttpRequest) -> HttpResponse:
    """What I still have to read: the value propositions of active partnerships."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    if request.method == "POST":
        agreement = access_agreement_by_id(user, parse_id(request.POST.get("agreement_id")) or 0)
        try:
            services.value_proposition_acknowledge(actor=user, agreement=agreement)
        except Conflict as error:
            messages.error(request, error.message)
        return redirect("alliances:enablement")
    return render(
        request,
        "alliances/enablement.html",
        {
            "todo": enablement_todo_for_user(user=user),
            "read": enablement_read_by_user(user=user),
            "reminders": user.enablement_reminders.select_related("agreement__partner__organisation")[:10],
            "active_section": "enablement",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _internal(user, Capability.OFFERS_TRIAGE)
    form = OfferForm(request.POST or None)
    data = input_from_form(form, OfferInput) if request.method == "POST" and form.is_valid() else None
    if data is not None:
        try:
            offer = services.offer_create(actor=user, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect("alliances:offer_detail", offer.pk)
    status = request.GET.get("status", "")
    status = status if status in OfferStatus.values else ""
    ordering = sort_from(request, OFFER_SORT_KEYS, "-received")
    offers = _sorted_by(
        [(offer, offer_assess(offer)) for offer in offer_list(status=status)[:200]], ordering, OFFER_SORT_KEYS
    )
    return render(
        request,
        "alliances/offer_list.html",
        {
            "offers": offers,
            "ordering": ordering,
            "form": form,
            "status": status,
            "statuses": OfferStatus.choices,
            "active_section": "offers",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_detail_view(request: HttpRequest, offer_id: int) -> HttpResponse:
    user = _user(request)
    offer = access_offer_by_id(user, offer_id)
    form = DecisionForm(request.POST or None)
    decision = (
        input_from_form(form, OfferDecisionInput) if request.method == "POST" and form.is_valid() else None
    )
    if decision is not None:
        try:
            offer = services.offer_decide(actor=user, offer=offer, data=decision)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("alliances:offer_detail", offer.pk)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("alliances:offer_detail", offer.pk)
    return render(
        request,
        "alliances/offer_detail.html",
        {
            "offer": offer,
            "assessment": offer_assess(offer),
            "gives": [OfferGive(code).label for code in offer.gives if code in OfferGive.values],
            "asks": [OfferAsk(code).label for code in offer.asks if code in OfferAsk.values],
            "form": form,
            "active_section": "offers",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def fit_criteria_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    criteria = list(fit_criteria())
    form = WeightsForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        require_capability(user, Capability.FIT_WEIGHTS_EDIT)
        weights = (
            input_from_form(
                form, FitWeightsInput, weights={c.pk: form.cleaned_data[f"weight_{c.pk}"] for c in criteria}
            )
            if form.is_valid()
            else None
        )
        if weights is not None:
            try:
                services.fit_weights_update(actor=user, data=weights)
            except InvalidInput as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Weights saved."))
                return redirect("alliances:fit_criteria")
    return render(
        request,
        "alliances/fit_criteria.html",
        {
            "form": form,
            "rows": [(criterion, form[f"weight_{criterion.pk}"]) for criterion in criteria],
            "can_edit": has_capability(user, Capability.FIT_WEIGHTS_EDIT),
            "active_section": "partners",
        },
        status=400 if form.errors else 200,
    )
