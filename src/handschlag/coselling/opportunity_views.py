"""Our opportunity pages: list (filter, sort, CSV), new, detail (history, partners, calculator), board by stage
(no JavaScript: each card moves with a small form), incentive plan of an agreement, co-selling figures with charts.
Thin: access, form, service."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.accounts.selectors import account_id_by_reference
from handschlag.alliances.access import access_agreement_by_id
from handschlag.alliances.selectors import partner_list
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Forbidden, InvalidInput, NotFound
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import InputT, input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.core.request_parameters import query_int
from handschlag.core.roles import Capability, has_capability
from handschlag.core.sorting import sort_from
from handschlag.coselling.access import (
    access_involvement_by_id,
    access_opportunity_by_id,
    can_edit_opportunity,
    check_incentives_manageable,
)
from handschlag.coselling.enums import OpportunityStatus, StageKind
from handschlag.coselling.inputs import (
    IncentivePlanInput,
    InvolvementInput,
    OpportunityInput,
    OpportunityPatch,
    RiskInput,
    StageMoveInput,
)
from handschlag.coselling.models import IncentivePlan, Opportunity
from handschlag.coselling.opportunity_forms import (
    IncentivePlanForm,
    InvolvementForm,
    OpportunityEditForm,
    OpportunityForm,
    RiskForm,
    StageMoveForm,
)
from handschlag.coselling.partner_figures import partner_figures_context
from handschlag.coselling.selectors.figures import calculation_for, partners_with_plans
from handschlag.coselling.selectors.opportunities import (
    SORTS,
    OpportunityFilters,
    opportunity_history,
    opportunity_involvements,
    opportunity_list,
    partner_names_of,
    pipeline_board,
    pipeline_stages,
    product_lines,
)
from handschlag.coselling.services import imports as import_services
from handschlag.coselling.services import incentives as incentive_services
from handschlag.coselling.services import opportunities as services

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
SORT_KEYS = [key for key in SORTS if not key.startswith("-")]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_view(user: User) -> None:
    """Partner users (and anyone without the capability) learn nothing: 404, not 403."""
    if not has_capability(user, Capability.OPPORTUNITIES_VIEW):
        raise NotFound


def _input(form: forms.BaseForm, model: type[InputT], **extra: Any) -> InputT:
    data = input_from_form(form, model, **extra) if form.is_valid() else None
    if data is None:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={name: [str(message) for message in errors] for name, errors in form.errors.items()},
        )
    return data


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _filters(request: HttpRequest) -> OpportunityFilters:
    get = request.GET
    return OpportunityFilters(
        search=get.get("q", "")[:200].strip(),
        status=get.get("status", "open") if get.get("status", "open") in OpportunityStatus.values else "",
        stage_id=query_int(request, "stage"),
        owner_id=query_int(request, "owner"),
        product_line_id=query_int(request, "product_line"),
        partner_id=query_int(request, "partner"),
        account_id=query_int(request, "account"),
        at_risk=_flag(get.get("at_risk", "")),
        rescue=_flag(get.get("rescue", "")),
        sort=sort_from(request, SORT_KEYS, "-created"),
    )


def _stage_choices() -> list[tuple[int, str]]:
    return [(stage.pk, stage.name) for stage in pipeline_stages()]


def _line_choices() -> list[tuple[int, str]]:
    return [(line.pk, line.name) for line in product_lines()]


@login_required
def opportunity_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    filters = _filters(request)
    page = BoundedPaginator(opportunity_list(actor=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    names = partner_names_of([opportunity.pk for opportunity in page])
    for opportunity in page:
        opportunity.partner_names = names.get(opportunity.pk, [])
    context = {
        "page": page,
        "filters": filters,
        "ordering": filters.sort,
        "statuses": OpportunityStatus.choices,
        "stages": pipeline_stages(),
        "lines": product_lines(),
        "partners": partner_list(),
        "query_without_page": query.urlencode() + "&" if query else "",
        "export_query": query.urlencode(),
        "can_edit": can_edit_opportunity(user),
        "can_import": has_capability(user, Capability.OPPORTUNITIES_IMPORT),
        "active_section": "partners",
    }
    return render(request, "coselling/opportunity_list.html", context)


@login_required
def opportunity_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_view(user)
    opportunities = opportunity_list(actor=user, filters=_filters(request))[:EXPORT_LIMIT]

    def rows() -> Any:
        for chunk_start in range(0, EXPORT_LIMIT, 2000):
            chunk = list(opportunities[chunk_start : chunk_start + 2000])
            if not chunk:
                return
            names = partner_names_of([opportunity.pk for opportunity in chunk])
            for opportunity in chunk:
                yield [
                    opportunity.pk,
                    opportunity.title,
                    opportunity.account.name,
                    opportunity.product_line.name if opportunity.product_line else "",
                    opportunity.amount,
                    opportunity.stage.name,
                    opportunity.get_status_display(),
                    opportunity.owner.get_full_name() if opportunity.owner else "",
                    opportunity.expected_close_date,
                    _("yes") if opportunity.at_risk else _("no"),
                    ", ".join(names.get(opportunity.pk, [])),
                    opportunity.external_id,
                    opportunity.created_at,
                    opportunity.closed_at,
                ]

    return csv_response(
        filename="opportunities.csv",
        header=[
            _("Number"),
            _("Title"),
            _("Account"),
            _("Product line"),
            _("Amount (EUR)"),
            _("Stage"),
            _("Status"),
            _("Owner"),
            _("Expected close date"),
            _("At risk"),
            _("Partners"),
            _("CRM id"),
            _("Created"),
            _("Closed"),
        ],
        rows=rows(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    stages = _stage_choices()
    initial = {"account": request.GET.get("account", "")[:100], "stage_id": stages[0][0] if stages else None}
    form = OpportunityForm(
        request.POST or None, initial=initial, product_lines=_line_choices(), stages=stages
    )
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise InvalidInput(_("Please correct the marked fields."))
            account_id = account_id_by_reference(reference=form.cleaned_data["account"])
            if account_id is None:
                raise InvalidInput.for_field("account", _("No such account."))
            data = _input(form, OpportunityInput, account_id=account_id)
            opportunity = services.opportunity_create(actor=user, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error, aliases={"account_id": "account"})
        else:
            messages.success(request, _("Opportunity created."))
            return redirect("coselling:opportunity_detail", opportunity.pk)
    return render(
        request,
        "coselling/opportunity_form.html",
        {"form": form, "can_edit": can_edit_opportunity(user), "active_section": "partners"},
    )


def _partner_choices() -> list[tuple[int, str]]:
    return list(partner_list().values_list("pk", "name"))


def _calculator_partner(
    request: HttpRequest, opportunity: Opportunity, involvements: list[Any]
) -> Partner | None:
    wanted = query_int(request, "partner")
    candidates = partners_with_plans()
    if wanted is not None:
        return next((partner for partner in candidates if partner.pk == wanted), None)
    involved = {involvement.partner_id for involvement in involvements}
    return next(
        (partner for partner in candidates if partner.pk in involved), candidates[0] if candidates else None
    )


def _detail_context(request: HttpRequest, opportunity: Opportunity, **forms_: Any) -> dict[str, Any]:
    user = _user(request)
    involvements = opportunity_involvements(opportunity)
    partner = _calculator_partner(request, opportunity, involvements)
    stages = _stage_choices()
    return {
        "opportunity": opportunity,
        "history": opportunity_history(opportunity),
        "involvements": involvements,
        "calculation": calculation_for(opportunity=opportunity, partner=partner) if partner else None,
        "calculator_partners": partners_with_plans(),
        "calculator_partner": partner,
        "can_edit": can_edit_opportunity(user),
        "edit_form": forms_.get("edit_form")
        or OpportunityEditForm(
            initial={
                "title": opportunity.title,
                "product_line_id": opportunity.product_line_id,
                "amount": opportunity.amount,
                "expected_close_date": opportunity.expected_close_date,
            },
            product_lines=_line_choices(),
        ),
        "move_form": forms_.get("move_form") or StageMoveForm(stages=stages),
        "risk_form": forms_.get("risk_form")
        or RiskForm(initial={"at_risk": opportunity.at_risk, "reason": opportunity.at_risk_reason}),
        "partner_form": forms_.get("partner_form") or InvolvementForm(partners=_partner_choices()),
        "active_section": "partners",
    }


@login_required
def opportunity_detail_view(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    user = _user(request)
    opportunity = access_opportunity_by_id(user, opportunity_id)
    return render(request, "coselling/opportunity_detail.html", _detail_context(request, opportunity))


ACTIONS = ("edit", "move", "risk", "partner", "partner_remove")


@login_required
@require_POST
def opportunity_action(request: HttpRequest, opportunity_id: int, action: str) -> HttpResponse:
    user = _user(request)
    opportunity = access_opportunity_by_id(user, opportunity_id)
    if action not in ACTIONS:
        raise NotFound
    opportunity = access_opportunity_by_id(user, opportunity_id, for_write=True)
    form: forms.Form
    name = f"{action}_form"
    try:
        if action == "edit":
            form = OpportunityEditForm(request.POST, product_lines=_line_choices())
            data = _input(form, OpportunityPatch)
            services.opportunity_update(actor=user, opportunity=opportunity, patch=data)
            messages.success(request, _("Opportunity saved."))
        elif action == "move":
            form = StageMoveForm(request.POST, stages=_stage_choices())
            services.opportunity_move(actor=user, opportunity=opportunity, data=_input(form, StageMoveInput))
            messages.success(request, _("Stage changed."))
        elif action == "risk":
            form = RiskForm(request.POST)
            services.opportunity_mark_risk(actor=user, opportunity=opportunity, data=_input(form, RiskInput))
            messages.success(request, _("Risk saved."))
        elif action == "partner":
            form = InvolvementForm(request.POST, partners=_partner_choices())
            services.involvement_add(actor=user, opportunity=opportunity, data=_input(form, InvolvementInput))
            messages.success(request, _("Partner added."))
        else:
            involvement_id = request.POST.get("involvement", "")
            involvement = access_involvement_by_id(
                user,
                opportunity,
                int(involvement_id) if involvement_id.isascii() and involvement_id.isdigit() else 0,
            )
            services.involvement_remove(actor=user, involvement=involvement)
            messages.success(request, _("Partner removed."))
            return redirect("coselling:opportunity_detail", opportunity.pk)
    except InvalidInput as error:
        if request.POST.get("next") == "board":
            messages.error(request, error.message)
            return redirect("coselling:board")
        form_add_service_errors(form, error)
        opportunity.refresh_from_db()
        context = _detail_context(request, opportunity, **{name: form})
        return render(request, "coselling/opportunity_detail.html", context, status=400)
    if request.POST.get("next") == "board":
        return redirect("coselling:board")
    return redirect("coselling:opportunity_detail", opportunity.pk)


@login_required
def board_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    owner_id = user.pk if request.GET.get("mine") == "1" else None
    columns = pipeline_board(
        actor=user, owner_id=owner_id, product_line_id=query_int(request, "product_line")
    )
    closing = [stage for stage in pipeline_stages() if stage.kind != StageKind.OPEN]
    next_stage = {
        column.stage.pk: (columns[index + 1].stage if index + 1 < len(columns) else None)
        for index, column in enumerate(columns)
    }
    return render(
        request,
        "coselling/board.html",
        {
            "columns": [(column, next_stage[column.stage.pk]) for column in columns],
            "won_stage": next((stage for stage in closing if stage.kind == StageKind.WON), None),
            "mine": owner_id is not None,
            "lines": product_lines(),
            "product_line": query_int(request, "product_line"),
            "can_edit": can_edit_opportunity(user),
            "active_section": "partners",
        },
    )


def _plan_initial(plan: IncentivePlan | None) -> dict[str, Any]:
    defaults = IncentivePlanInput()
    source: Any = plan if plan is not None else defaults
    return {name: getattr(source, name) for name in IncentivePlanInput.model_fields}


@login_required
@require_http_methods(["GET", "POST"])
def incentive_plan_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    agreement = access_agreement_by_id(user, agreement_id)
    plan = IncentivePlan.objects.filter(agreement=agreement).first()
    can_manage = has_capability(user, Capability.INCENTIVES_MANAGE)
    form = IncentivePlanForm(request.POST or None, initial=_plan_initial(plan))
    if request.method == "POST":
        check_incentives_manageable(user)
        try:
            incentive_services.incentive_plan_save(
                actor=user, agreement=agreement, data=_input(form, IncentivePlanInput)
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Incentive plan saved."))
            return redirect("coselling:incentive_plan", agreement.pk)
    return render(
        request,
        "coselling/incentive_plan.html",
        {
            "agreement": agreement,
            "plan": plan,
            "form": form,
            "can_manage": can_manage,
            "example_amount": Decimal("100000"),
            "active_section": "partners",
        },
    )


@login_required
def figures_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    return render(
        request,
        "coselling/figures.html",
        {**partner_figures_context(partner=None), "active_section": "partners"},
    )


@login_required
def figures_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_view(user)
    partner = None
    partner_id = query_int(request, "partner")
    if partner_id is not None:
        partner = partner_list().filter(pk=partner_id).first()
        if partner is None:
            raise NotFound
    context = partner_figures_context(partner=partner)
    key = request.GET.get("chart", "")
    chart = next((item for item in context["charts"] if item["key"] == key), None)
    if chart is None:
        raise NotFound
    return csv_response(
        filename=f"coselling-{key}.csv", header=chart["table"]["header"], rows=chart["table"]["rows"]
    )


class OpportunityImportForm(forms.Form):
    file = forms.FileField(label=_("CRM export (CSV or Excel)"))
    preset = forms.ChoiceField(
        label=_("CRM"),
        required=False,
        choices=[
            ("", _("detect")),
            ("salesforce", "Salesforce"),
            ("hubspot", "HubSpot"),
            ("pipedrive", "Pipedrive"),
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_import_view(request: HttpRequest) -> HttpResponse:
    """Synchronous import of a CRM export of opportunities (the file stays in a temporary file only)."""
    user = _user(request)
    _require_view(user)
    if not has_capability(user, Capability.OPPORTUNITIES_IMPORT):
        raise Forbidden
    form = OpportunityImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix[:10]) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                outcome = import_services.opportunity_import(
                    actor=user, path=Path(handle.name), source=upload.name, preset=form.cleaned_data["preset"]
                )
            except InvalidInput as error:
                form_add_service_errors(form, error)
    return render(
        request,
        "coselling/opportunity_import.html",
        {"form": form, "outcome": outcome, "active_section": "partners"},
        status=400 if form.errors else 200,
    )
