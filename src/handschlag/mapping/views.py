"""Pages of account mapping, for our people (the partner's users have the portal, mapping/portal_views.py), and
mapping's sections of the agreement page (registered with `alliances.extensions` in apps.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.accounts.import_services import saved_column_mapping_find
from handschlag.accounts.match_evidence import evidence_lines, evidence_sentence
from handschlag.accounts.selectors import account_id_by_reference, saved_column_mapping_list
from handschlag.alliances.access import access_agreement_by_id
from handschlag.alliances.selectors import agreement_opt_in_status
from handschlag.core.access import require_capability
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_build, input_from_form
from handschlag.core.models import User
from handschlag.core.request_parameters import parse_id
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.mapping import services
from handschlag.mapping.access import (
    access_account_for_exclusion,
    access_mapping_run_by_id,
    access_match_by_id,
)
from handschlag.mapping.enums import MappingStatus, Population, SharedField
from handschlag.mapping.forms import ExclusionForm, MappingRunForm, MatchDecisionForm, SharingRulesForm
from handschlag.mapping.inputs import (
    MappingColumnsInput,
    MappingRunInput,
    MatchDecisionInput,
    SharingRulesPatch,
)
from handschlag.mapping.models import MappingRun, MatchDecision
from handschlag.mapping.partner_lists import field_choices, usable_columns
from handschlag.mapping.selectors import (
    MatrixRow,
    decision_of_match,
    mapping_run_list,
    mapping_settings_of,
    overlap_is_visible,
    overlap_matrix_for,
    overlap_rows_for,
    rejected_decisions_of,
    run_changes_for,
    share_exclusion_list,
    sharing_rules_of,
)
from handschlag.mapping.sharing import Cell, describe_rules

if TYPE_CHECKING:
    from handschlag.alliances.models import Agreement


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def agreement_sharing_section(request: HttpRequest, agreement: Agreement) -> dict[str, Any]:
    """The agreement page's sharing rules: the form for those who manage partnerships, the table for the rest."""
    rules = sharing_rules_of(agreement)
    protection = mapping_settings_of(agreement)
    return {
        "rules_form": SharingRulesForm(
            rules={population: (rule.level, rule.fields) for population, rule in rules.items()},
            protection=protection,
        ),
        "count_protection": protection,
        "rules": describe_rules(rules),
        "can_manage": has_capability(_user(request), Capability.PARTNERS_MANAGE),
        "opt_in": agreement_opt_in_status(agreement=agreement),
        "next": reverse("alliances:agreement_detail", args=[agreement.pk]) + "#opt-in",
    }


def agreement_runs_section(request: HttpRequest, agreement: Agreement) -> dict[str, Any]:
    """The agreement page's mapping runs (the latest 20) and, for those who may, the form for a new one."""
    return {
        "runs": mapping_run_list(agreement=agreement)[:20],
        "run_form": MappingRunForm(),
        "can_run": has_capability(_user(request), Capability.MAPPINGS_RUN),
    }


@login_required
@require_POST
def sharing_rules_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    form = SharingRulesForm(request.POST, rules={})
    patch = input_from_form(form, SharingRulesPatch, rules=form.rules()) if form.is_valid() else None
    if patch is not None:
        services.sharing_rules_set(actor=user, agreement=agreement, patch=patch)
        messages.success(request, _("Sharing rules saved. Both sides must agree to them again."))
    else:
        errors = "; ".join(
            str(message) for messages_list in form.errors.values() for message in messages_list
        )
        messages.error(request, _("The sharing rules were not saved: %(errors)s") % {"errors": errors})
    return redirect("alliances:agreement_detail", agreement.pk)


@login_required
@require_POST
def mapping_create_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    require_capability(user, Capability.MAPPINGS_RUN)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    form = MappingRunForm(request.POST, request.FILES)
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
        else:
            if run.status == MappingStatus.COLUMNS:
                return redirect("mapping:run_columns", run.pk)
            return redirect("mapping:run_detail", run.pk)
    errors = "; ".join(str(message) for messages_list in form.errors.values() for message in messages_list)
    messages.error(request, _("The mapping did not start: %(errors)s") % {"errors": errors})
    return redirect("alliances:agreement_detail", agreement.pk)


def _shown_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value) or "—"


def cell_text(cell: Cell) -> str:
    """A cell as a person reads it: the exact count, a band ("fewer than 5", "5-9"), withheld, or a dash."""
    if cell.count is not None:
        return str(cell.count)
    if cell.band is not None:
        if cell.band.low == 0:
            return _("fewer than %(k)d") % {"k": cell.band.high + 1}
        return f"{cell.band.low}\u2013{cell.band.high}"  # an en dash: 5 to 9
    if cell.withheld:
        return _("withheld")
    return "—"


@dataclass(frozen=True)
class ShownCell:
    cell: Cell
    text: str


@dataclass(frozen=True)
class ShownRow:
    label: str
    cells: list[ShownCell]


def _shown_matrix(matrix: list[MatrixRow]) -> list[ShownRow]:
    return [
        ShownRow(label=row.label, cells=[ShownCell(cell=cell, text=cell_text(cell)) for cell in row.cells])
        for row in matrix
    ]


def _counts_protection(run: MappingRun) -> dict[str, Any]:
    """What the page says about the protection of counts: k, the release interval, when counts show again."""
    protection = mapping_settings_of(run.agreement)
    released_at = protection.counts_released_at
    return {
        "k": run.min_cell_size,
        "k_high": 2 * run.min_cell_size - 1,
        "k_known": run.min_cell_size - 1,
        "release_days": protection.count_release_days,
        "counts_again_after": (
            released_at + dt.timedelta(days=protection.count_release_days) if released_at else None
        ),
    }


def run_context(run: MappingRun, *, for_partner: bool, request: HttpRequest) -> dict[str, Any]:
    our = request.GET.get("our", "")
    theirs = request.GET.get("theirs", "")
    our = our if our in Population.values else ""
    theirs = theirs if theirs in Population.values else ""
    drill = bool(our or theirs)
    labels = dict(Population.choices)
    rows = (
        overlap_rows_for(run, for_partner=for_partner, our_population=our, partner_population=theirs)
        if drill
        else []
    )
    for row in rows:
        row["our_population_label"] = labels.get(row["our_population"], row["our_population"])
        row["partner_population_label"] = labels.get(row["partner_population"], row["partner_population"])
    field_columns = [
        (name, EXPORT_TITLES[name]) for name in SharedField.values if any(name in row for row in rows)
    ]
    for row in rows:
        row["field_values"] = [_shown_value(row.get(name)) for name, _title in field_columns]
    return {
        "run": run,
        "agreement": run.agreement,
        "visible": overlap_is_visible(run),
        "matrix": _shown_matrix(overlap_matrix_for(run, for_partner=for_partner)),
        "protection": _counts_protection(run),
        "populations": Population.choices,
        "drill": drill,
        "drill_our": our,
        "drill_theirs": theirs,
        "drill_our_label": labels.get(our, ""),
        "drill_theirs_label": labels.get(theirs, ""),
        "rows": rows,
        "field_columns": field_columns,
        "overlap_column_count": (2 if for_partner else 3)
        + (0 if our else 1)
        + (0 if theirs else 1)
        + len(field_columns),
        "changes": run_changes_for(run, for_partner=for_partner),
        "for_partner": for_partner,
        "population_labels": labels,
    }


@login_required
def run_detail_view(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    run = access_mapping_run_by_id(user, run_id)
    waits = run.status == MappingStatus.COLUMNS and has_capability(user, Capability.MAPPINGS_RUN)
    if waits and not request.htmx:  # type: ignore[attr-defined]
        return redirect("mapping:run_columns", run.pk)
    context = {**run_context(run, for_partner=False, request=request), "active_section": "partners"}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "mapping/run_detail.html#status", context)
        if run.is_finished:
            response["HX-Refresh"] = "true"
        return response
    context.update(
        opt_in=agreement_opt_in_status(agreement=run.agreement),
        rejected=list(rejected_decisions_of(agreement=run.agreement)[:200]),
        can_decide=has_capability(user, Capability.MAPPINGS_RUN),
        can_manage=has_capability(user, Capability.PARTNERS_MANAGE),
        next=reverse("mapping:run_detail", args=[run.pk]) + "#opt-in",
    )
    return render(request, "mapping/run_detail.html", context)


def _invalid_text(problem: InvalidInput) -> str:
    return "; ".join(
        str(message) for messages_list in problem.fields.values() for message in messages_list
    ) or (problem.message)


def columns_page(
    request: HttpRequest,
    run: MappingRun,
    *,
    for_partner: bool,
    chosen: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The columns of an uploaded list in clear: per column its header, a sample value and the field it is read
    into, to change before the run starts. Our people may apply and save a column mapping; partner users not."""
    user = _user(request)
    saved_mappings = [] if for_partner else list(saved_column_mapping_list())
    applied = None
    if chosen is None and request.GET.get("saved") and not for_partner:
        applied = saved_column_mapping_find(request.GET["saved"])
        if applied is not None:
            run.columns = usable_columns(applied.columns)
    elif chosen is not None:
        run.columns = chosen
    try:
        columns = services.mapping_run_columns(actor=user, run=run)
    except InvalidInput as problem:
        columns, error = [], _invalid_text(problem)
    if for_partner:
        form_url = reverse("portal:upload_columns", args=[run.pk])
        back_url = reverse("portal:home")
    else:
        form_url = reverse("mapping:run_columns", args=[run.pk])
        back_url = reverse("alliances:agreement_detail", args=[run.agreement_id])
    return render(
        request,
        "mapping/run_columns.html",
        {
            "run": run,
            "agreement": run.agreement,
            "columns": columns,
            "choices": field_choices(),
            "saved_mappings": saved_mappings,
            "applied": applied,
            "may_save": not for_partner,
            "error": error,
            "form_url": form_url,
            "back_url": back_url,
            "active_section": "portal" if for_partner else "partners",
        },
        status=status,
    )


def columns_confirm(request: HttpRequest, run: MappingRun, *, for_partner: bool) -> HttpResponse | None:
    """The columns page's form: confirm the columns and start the run. None when it started; else the page again
    with the problem (400) or None after a message when there was nothing to confirm."""
    user = _user(request)
    try:
        headers = [column["column"] for column in services.mapping_run_columns(actor=user, run=run)]
    except InvalidInput as problem:
        messages.error(request, _invalid_text(problem))
        return None
    chosen = {header: request.POST.get(f"column-{index}", "") for index, header in enumerate(headers)}
    try:
        data = input_build(
            MappingColumnsInput,
            {"columns": chosen, "save_as": "" if for_partner else request.POST.get("save_as", "")[:100]},
        )
        services.mapping_run_confirm_columns(actor=user, run=run, data=data)
    except InvalidInput as problem:
        return columns_page(
            request, run, for_partner=for_partner, chosen=chosen, error=_invalid_text(problem), status=400
        )
    except Conflict as problem:
        messages.error(request, problem.message)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def run_columns_view(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    run = access_mapping_run_by_id(user, run_id, for_write=True)
    if request.method == "POST":
        return columns_confirm(request, run, for_partner=False) or redirect("mapping:run_detail", run.pk)
    if run.status != MappingStatus.COLUMNS:
        return redirect("mapping:run_detail", run.pk)
    return columns_page(request, run, for_partner=False)


@login_required
@require_http_methods(["GET", "POST"])
def match_detail_view(request: HttpRequest, run_id: int, match_id: int) -> HttpResponse:
    """One pair of a run: why the engine takes the two for the same company (its evidence, field by field), and
    for those who run mappings the form to confirm or reject it. Our people only: partner users get 404."""
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    match = access_match_by_id(user, run_id, match_id, for_write=request.method == "POST")
    form = MatchDecisionForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            decision = decision_of_match(match)
            if decision is not None:
                services.match_decision_withdraw(actor=user, decision=decision)
                messages.success(
                    request, _("The decision was withdrawn; the next run judges the pair again.")
                )
            return redirect("mapping:match_detail", match.run_id, match.pk)
        data = input_from_form(form, MatchDecisionInput) if form.is_valid() else None
        if data is not None:
            services.match_decide(actor=user, match=match, data=data)
            messages.success(
                request,
                _("Rejected: later runs of this partnership leave this pair out.")
                if data.verdict == MatchDecision.Verdict.REJECTED
                else _("Confirmed: the two are the same company."),
            )
            return redirect("mapping:match_detail", match.run_id, match.pk)
    return render(
        request,
        "mapping/match_detail.html",
        {
            "run": match.run,
            "agreement": match.run.agreement,
            "match": match,
            "account": match.account,
            "record": match.partner_record,
            "evidence_text": evidence_sentence(match.evidence),
            "evidence": evidence_lines(match.evidence),
            "decision": decision_of_match(match),
            "form": form,
            "can_decide": has_capability(user, Capability.MAPPINGS_RUN),
            "population_labels": dict(Population.choices),
            "active_section": "partners",
        },
        status=400 if form.errors else 200,
    )


EXPORT_FIELDS = ["name", "our_population", "partner_population", "partner_record_id", "partner_record_name"]
EXPORT_TITLES = {
    "name": gettext_lazy("Account"),
    "our_population": gettext_lazy("Our population"),
    "partner_population": gettext_lazy("Partner's population"),
    "partner_record_id": gettext_lazy("Partner's id"),
    "partner_record_name": gettext_lazy("Partner's name"),
    "account_id": gettext_lazy("Account number"),
    SharedField.CITY: gettext_lazy("City"),
    SharedField.DOMAIN: gettext_lazy("Domain"),
    SharedField.OWNER: gettext_lazy("Our account owner"),
    SharedField.OPEN_OPPORTUNITY: gettext_lazy("Open opportunity"),
    "evidence_text": gettext_lazy("Why they match"),
    "decision": gettext_lazy("Your decision"),
}


def overlap_csv(run: MappingRun, *, for_partner: bool) -> HttpResponseBase:
    """The overlap as CSV, with exactly the rows and fields the viewer may see."""
    rows = overlap_rows_for(run, for_partner=for_partner)
    extra = [
        name
        for name in ["account_id", *SharedField.values, "evidence_text", "decision"]
        if any(name in row for row in rows)
    ]
    columns = EXPORT_FIELDS + extra
    labels = dict(Population.choices)

    def value(row: dict[str, Any], name: str) -> Any:
        raw = row.get(name, "")
        if name in {"our_population", "partner_population"}:
            return labels.get(raw, raw)
        if isinstance(raw, bool):
            return _("yes") if raw else _("no")
        if name == "decision":
            return MatchDecision.Verdict(raw).label if raw else ""
        return raw

    return csv_response(
        filename=f"overlap-{run.pk}.csv",
        header=[str(EXPORT_TITLES[name]) for name in columns],
        rows=([value(row, name) for name in columns] for row in rows),
    )


@login_required
def run_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    return overlap_csv(access_mapping_run_by_id(user, run_id), for_partner=False)


@login_required
@require_http_methods(["GET", "POST"])
def exclusion_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not is_internal(user):
        raise NotFound
    require_capability(user, Capability.PARTNERS_VIEW)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            account = access_account_for_exclusion(user, parse_id(request.POST["remove"]) or 0)
            services.share_exclusion_remove(actor=user, account=account)
            return redirect("mapping:exclusions")
        if form.is_valid():
            try:
                account = access_account_for_exclusion(
                    user, account_id_by_reference(reference=form.cleaned_data["account_id"]) or 0
                )
            except NotFound:
                form.add_error("account_id", _("There is no account with this CRM id or number."))
            except Forbidden:
                form.add_error("account_id", _("You may mark only your own accounts never to share."))
            else:
                services.share_exclusion_add(actor=user, account=account, reason=form.cleaned_data["reason"])
                messages.success(
                    request, _("%(account)s is never shared with a partner.") % {"account": account}
                )
                return redirect("mapping:exclusions")
    return render(
        request,
        "mapping/exclusion_list.html",
        {"exclusions": share_exclusion_list()[:500], "form": form, "active_section": "partners"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def account_never_share_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """ "Never share" and "share again" as actions on the account page."""
    user = _user(request)
    account = access_account_for_exclusion(user, account_id)
    if request.POST.get("action") == "share_again":
        services.share_exclusion_remove(actor=user, account=account)
        messages.success(
            request, _("%(account)s may be shared again, as the sharing rules allow.") % {"account": account}
        )
    else:
        services.share_exclusion_add(actor=user, account=account, reason=request.POST.get("reason", "")[:300])
        messages.success(request, _("%(account)s is never shared with a partner.") % {"account": account})
    return redirect(reverse("accounts:detail", args=[account.pk]) + "#partner-overlaps")
