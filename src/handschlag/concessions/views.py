"""Pages of the concession ledger: list, record, detail with the approver's view of the account, edit, decide,
the return's status, the approver's queue, figures with the trap list and the price waterfall (table, chart, CSV),
settings (admins) and delegations (approvers)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.accounts.access import access_account_by_id
from handschlag.accounts.selectors import account_id_by_reference, account_order_ids_by_number
from handschlag.concessions.access import (
    LIMIT_ROLES,
    access_concession_by_id,
    access_delegation_by_id,
    approval_limits,
    can_decide,
    can_edit_concession,
    check_recordable,
    check_settings_allowed,
    deciding_authority,
    may_approve_at_all,
    require_concessions_view,
)
from handschlag.concessions.analytics import ACCOUNTS_KEPT, concession_figures, price_waterfall
from handschlag.concessions.charts import waterfall_chart
from handschlag.concessions.enums import ApprovalStatus, ConcessionKind, GetStatus
from handschlag.concessions.forms import (
    ConcessionForm,
    DecisionForm,
    DelegationForm,
    GetStatusForm,
    ImportForm,
    LimitForm,
    SettingsForm,
)
from handschlag.concessions.inputs import (
    ConcessionInput,
    ConcessionPatch,
    DecisionInput,
    DelegationInput,
    GetStatusInput,
    LimitInput,
    SettingsInput,
)
from handschlag.concessions.models import ApprovalDelegation, Concession
from handschlag.concessions.selectors import (
    CONCESSION_ORDERINGS,
    ConcessionFilters,
    account_history,
    approvals_waiting,
    concession_list,
    concession_settings_get,
)
from handschlag.concessions.services import (
    CONTENT_FIELDS,
    approval_limit_set,
    concession_create,
    concession_decide,
    concession_get_status_set,
    concession_import,
    concession_settings_update,
    concession_update,
    delegation_create,
    delegation_delete,
)
from handschlag.core.charts import ChartRow, bar_chart
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.core.request_parameters import parse_id
from handschlag.core.roles import Capability, has_capability

PAGE_SIZE = 50
FORM_ALIASES = {"account_id": "account", "order_id": "order_number"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _filters_from(request: HttpRequest) -> ConcessionFilters:
    get = request.GET
    return ConcessionFilters(
        account_id=parse_id(get.get("account", "")),
        approval_status=get.get("approval", "") if get.get("approval", "") in ApprovalStatus.values else "",
        get_status=get.get("return", "") if get.get("return", "") in GetStatus.values else "",
        kind=get.get("kind", "") if get.get("kind", "") in ConcessionKind.values else "",
        without_return=get.get("without_return") == "1",
        ordering=get.get("sort", "-granted")
        if get.get("sort", "-granted") in CONCESSION_ORDERINGS
        else "-granted",
    )


@login_required
def concession_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_concessions_view(user)
    filters = _filters_from(request)
    page = BoundedPaginator(concession_list(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    account = None
    if filters.account_id is not None:
        try:
            account = access_account_by_id(user, filters.account_id)
        except NotFound:
            account = None
    context = {
        "page": page,
        "filters": filters,
        "account": account,
        "approval_statuses": ApprovalStatus.choices,
        "get_statuses": GetStatus.choices,
        "kinds": ConcessionKind.choices,
        "query_without_page": query.urlencode() + "&" if query else "",
        "today": timezone.localdate(),
        "can_record": has_capability(user, Capability.CONCESSIONS_RECORD),
        "may_approve": may_approve_at_all(user),
        "can_see_figures": has_capability(user, Capability.CONCESSIONS_ANALYTICS),
        "active_section": "accounts",
    }
    return render(request, "concessions/concession_list.html", context)


def _resolve_account(user: User, form: ConcessionForm) -> Any:
    reference = form.cleaned_data.get("account", "")
    account_id = account_id_by_reference(reference=reference)
    if account_id is None:
        form.add_error("account", _("No such account."))
        return None
    try:
        return access_account_by_id(user, account_id)
    except NotFound:
        form.add_error("account", _("No such account."))
        return None


def _order_id(form: ConcessionForm, account: Any) -> tuple[bool, int | None]:
    number = (form.cleaned_data.get("order_number") or "").strip()
    if not number:
        return True, None
    ids = account_order_ids_by_number(account=account, numbers=[number])
    if not ids:
        form.add_error("order_number", _("Only an order of this account can be referenced."))
        return False, None
    return True, next(iter(ids.values()))


def _input_values(form: ConcessionForm) -> dict[str, Any]:
    values = {name: form.cleaned_data.get(name) for name in CONTENT_FIELDS if name in form.fields}
    for name in ("note", "get_description", "nothing_reason"):
        values[name] = values.get(name) or ""
    return values


@login_required
@require_http_methods(["GET", "POST"])
def concession_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_recordable(user)
    preselected = None
    account_param = parse_id(request.GET.get("account", ""))
    if account_param is not None:
        try:
            preselected = access_account_by_id(user, account_param)
        except NotFound:
            preselected = None
    initial = {"granted_on": timezone.localdate(), "account": preselected.pk if preselected else ""}
    form = ConcessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        account = _resolve_account(user, form)
        if account is not None:
            ok, order_id = _order_id(form, account)
            if ok:
                data = input_from_form(form, ConcessionInput, account_id=account.pk, order_id=order_id)
                if data is not None:
                    try:
                        concession = concession_create(actor=user, data=data)
                    except InvalidInput as error:
                        form_add_service_errors(form, error, aliases=FORM_ALIASES)
                    else:
                        if concession.approval_status == ApprovalStatus.PENDING:
                            messages.warning(
                                request,
                                _(
                                    "Concession recorded (%(value)s €). It is above your limit and waits for "
                                    "approval; your work goes on meanwhile."
                                )
                                % {"value": _money(concession.value)},
                            )
                        else:
                            messages.success(
                                request,
                                _("Concession recorded (%(value)s €).") % {"value": _money(concession.value)},
                            )
                        return redirect("concessions:detail", concession.pk)
    return render(
        request,
        "concessions/concession_form.html",
        {"form": form, "account": preselected, "concession": None, "active_section": "accounts"},
    )


def _money(value: Decimal) -> str:
    from django.utils.formats import number_format

    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _rate_text(rate: float | None) -> str:
    """A rate as the chart writes it, in the reader's number format."""
    from django.utils.formats import number_format

    return "—" if rate is None else f"{number_format(rate, decimal_pos=1, use_l10n=True)} %"


def _detail_context(request: HttpRequest, concession: Concession, **forms: Any) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    history = account_history(user=user, account=concession.account, today=today)
    may_decide = can_decide(user, concession)
    authority = deciding_authority(user, concession) if may_decide else None
    quarters_chart = bar_chart(
        title=_("Concession rate per quarter"),
        unit=" %",
        rows=[ChartRow(rate.label, [rate.rate], texts=[_rate_text(rate.rate)]) for rate in history.quarters],
    )
    return {
        "concession": concession,
        "history": history,
        "quarters_chart": quarters_chart,
        "today": today,
        "get_status": concession.get_status_on(today),
        "may_decide": may_decide,
        "deciding_for": authority if authority is not None and authority.pk != user.pk else None,
        "own_entry": user.pk in {concession.recorded_by_id, concession.changed_by_id},
        "may_edit": can_edit_concession(user, concession),
        "decision_form": forms.get("decision_form")
        or DecisionForm(initial={"revision": concession.revision, "decision": "approve"}),
        "status_form": forms.get("status_form") or GetStatusForm(initial={"status": concession.get_status}),
        "active_section": "accounts",
    }


@login_required
def concession_detail_view(request: HttpRequest, concession_id: int) -> HttpResponse:
    concession = access_concession_by_id(_user(request), concession_id)
    return render(request, "concessions/concession_detail.html", _detail_context(request, concession))


@login_required
@require_POST
def concession_decide_view(request: HttpRequest, concession_id: int) -> HttpResponse:
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = input_from_form(form, DecisionInput, reason=form.cleaned_data.get("reason") or "")
        if data is not None:
            try:
                decided = concession_decide(actor=user, concession=concession, data=data)
            except Conflict as error:
                messages.error(request, error.message)
                return redirect("concessions:detail", concession.pk)
            except Forbidden as error:
                messages.error(request, str(error) or _("You may not decide this concession."))
                return redirect("concessions:detail", concession.pk)
            except InvalidInput as error:
                form_add_service_errors(form, error)
            else:
                if decided.approval_status == ApprovalStatus.APPROVED:
                    messages.success(request, _("Concession approved."))
                else:
                    messages.success(request, _("Concession rejected. The seller is told why."))
                return redirect("concessions:detail", concession.pk)
    context = _detail_context(request, concession, decision_form=form)
    return render(request, "concessions/concession_detail.html", context, status=400)


@login_required
@require_POST
def concession_get_status_view(request: HttpRequest, concession_id: int) -> HttpResponse:
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    form = GetStatusForm(request.POST)
    if form.is_valid():
        data = input_from_form(form, GetStatusInput)
        if data is not None:
            try:
                concession_get_status_set(actor=user, concession=concession, data=data)
            except InvalidInput as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Return status saved."))
                return redirect("concessions:detail", concession.pk)
    context = _detail_context(request, concession, status_form=form)
    return render(request, "concessions/concession_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def concession_edit_view(request: HttpRequest, concession_id: int) -> HttpResponse:
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    if not can_edit_concession(user, concession):
        raise Forbidden
    initial = {
        name: getattr(concession, name)
        for name in CONTENT_FIELDS
        if name not in {"order_id", "opportunity_id"}
    }
    initial["account"] = concession.account_id
    initial["order_number"] = concession.order.number if concession.order else ""
    form = ConcessionForm(request.POST or None, initial=initial)
    form.fields["account"].disabled = True
    if request.method == "POST" and form.is_valid():
        ok, order_id = _order_id(form, concession.account)
        if ok:
            values = _input_values(form)
            values["order_id"] = order_id
            values.pop("opportunity_id", None)
            try:
                patch = ConcessionPatch(**values)
                updated = concession_update(actor=user, concession=concession, patch=patch)
            except InvalidInput as error:
                form_add_service_errors(form, error, aliases=FORM_ALIASES)
            except Exception as error:  # pydantic's own validation of the patch
                from pydantic import ValidationError

                if not isinstance(error, ValidationError):
                    raise
                from handschlag.core.inputs import invalid_input_from

                form_add_service_errors(form, invalid_input_from(error), aliases=FORM_ALIASES)
            else:
                if updated.approval_status == ApprovalStatus.PENDING:
                    messages.warning(request, _("Concession saved. It waits for approval."))
                else:
                    messages.success(request, _("Concession saved."))
                return redirect("concessions:detail", concession.pk)
    return render(
        request,
        "concessions/concession_form.html",
        {"form": form, "account": concession.account, "concession": concession, "active_section": "accounts"},
    )


@login_required
def approvals_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_concessions_view(user)
    # oldest first, 50 to a page (hundreds can wait after a busy week: the page drew them all)
    page = BoundedPaginator(approvals_waiting(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "concessions/approvals.html",
        {
            "entries": page.object_list,
            "page": page,
            "query_without_page": "",
            "today": timezone.localdate(),
            "can_delegate": has_capability(user, Capability.CONCESSIONS_APPROVE),
            "active_section": "accounts",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concession_import_view(request: HttpRequest) -> HttpResponse:
    """Existing discount lines from a CSV or XLSX file: all or nothing, every bad line listed."""
    user = _user(request)
    check_recordable(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=".upload") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                result = concession_import(actor=user, path=Path(handle.name), source=upload.name)
            except InvalidInput as error:
                form_add_service_errors(form, error)
                status = 400
        if result is not None and not result.problems:
            messages.success(request, _("%(count)s concessions imported.") % {"count": result.created})
            return redirect("concessions:list")
        if result is not None:
            status = 400
    return render(
        request,
        "concessions/import.html",
        {"form": form, "result": result, "active_section": "accounts"},
        status=status,
    )


# --- figures ---------------------------------------------------------------------------------------------------


def _require_figures(user: User) -> None:
    require_concessions_view(user)
    if not has_capability(user, Capability.CONCESSIONS_ANALYTICS):
        raise Forbidden


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    if start and end and start > end:
        start, end = end, start
    return start, end


def _waterfall_for(request: HttpRequest, user: User, start: dt.date, end: dt.date) -> tuple[Any, Any]:
    account_id = parse_id(request.GET.get("account", ""))
    account = None
    if account_id is not None:
        try:
            account = access_account_by_id(user, account_id)
        except NotFound:
            account = None
    return account, price_waterfall(
        user=user, start=start, end=end, account_id=account.pk if account else None
    )


@login_required
def figures_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_figures(user)
    start, end = _period(request)
    figures = concession_figures(user=user, start=start, end=end)
    account, waterfall = _waterfall_for(request, user, figures.start, figures.end)
    title = (
        _("Price waterfall: %(account)s") % {"account": account.name}
        if account
        else _("Price waterfall: all accounts")
    )
    rate_chart = bar_chart(
        title=_("Concession rate per quarter"),
        unit=" %",
        rows=[
            ChartRow(group.label, [group.rate], texts=[_rate_text(group.rate)])
            for group in figures.by_quarter
        ],
    )
    # the accounts with the highest rate on the page (all of them in the export): a ledger of 100,000 entries
    # covers ~12,000 accounts, and the page listed each twice (table and waterfall choice), 5.5 MB of HTML
    shown = figures.accounts[:ACCOUNTS_KEPT]
    choices = {group.key: group.label for group in shown}
    choices.update((entry.account.key, entry.account.label) for entry in figures.trap)
    if account is not None:
        choices.setdefault(account.pk, account.name)
    context = {
        "figures": figures,
        "accounts_shown": shown,
        "account_choices": sorted(choices.items(), key=lambda item: item[1]),
        "account": account,
        "waterfall": waterfall,
        "waterfall_chart": waterfall_chart(waterfall, title=title),
        "rate_chart": rate_chart,
        "trap_accounts": [(entry.account.key, entry.account.label) for entry in figures.trap],
        "active_section": "accounts",
    }
    return render(request, "concessions/figures.html", context)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
def figures_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_figures(user)
    start, end = _period(request)
    figures = concession_figures(user=user, start=start, end=end, all_accounts=True)
    table = request.GET.get("table", "accounts")
    group_header = [
        _("Concessions"),
        _("Value (EUR)"),
        _("List value (EUR)"),
        _("Concession rate (%)"),
        _("Discount depth (%)"),
        _("Give-get coverage (%)"),
        _("Get fulfilment (%)"),
    ]

    def group_cells(group: Any) -> list[Any]:
        return [
            group.entries,
            group.value,
            group.list_value,
            _percent(group.rate),
            _percent(group.depth),
            _percent(group.coverage),
            _percent(group.fulfilment),
        ]

    if table == "trap":
        return csv_response(
            filename="beziehungsfalle.csv",
            header=[_("Account"), _("Seller"), _("Discount creep (points per quarter)"), _("Reasons")],
            rows=(
                [
                    entry.account.label,
                    entry.account.owner,
                    _percent(entry.account.creep),
                    "; ".join(entry.reasons),
                ]
                for entry in figures.trap
            ),
        )
    if table == "waterfall":
        _account, waterfall = _waterfall_for(request, user, figures.start, figures.end)
        return csv_response(
            filename="preiswasserfall.csv",
            header=[_("Step"), _("Amount (EUR)"), _("Level (EUR)")],
            rows=([step.label, step.amount, step.end] for step in waterfall.steps),
        )
    if table == "sellers":
        return csv_response(
            filename="zugestaendnisse-verkaeufer.csv",
            header=[_("Seller"), *group_header],
            rows=([group.label, *group_cells(group)] for group in figures.sellers),
        )
    if table == "quarters":
        return csv_response(
            filename="zugestaendnisse-quartale.csv",
            header=[_("Quarter"), *group_header],
            rows=([group.label, *group_cells(group)] for group in figures.by_quarter),
        )
    return csv_response(
        filename="zugestaendnisse-kunden.csv",
        header=[_("Account"), _("Seller"), *group_header, _("Discount creep (points per quarter)")],
        rows=(
            [group.label, group.owner, *group_cells(group), _percent(group.creep)]
            for group in figures.accounts
        ),
    )


# --- settings and delegations -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_settings_allowed(user)
    settings = concession_settings_get()
    initial = {name: getattr(settings, name) for name in SettingsInput.model_fields}
    settings_form = SettingsForm(request.POST if "save_settings" in request.POST else None, initial=initial)
    limit_form = LimitForm(request.POST if "save_limit" in request.POST else None)
    if request.method == "POST" and "save_settings" in request.POST and settings_form.is_valid():
        data = input_from_form(settings_form, SettingsInput)
        if data is not None:
            concession_settings_update(actor=user, data=data)
            messages.success(request, _("Settings saved."))
            return redirect("concessions:settings")
    if request.method == "POST" and "save_limit" in request.POST and limit_form.is_valid():
        data_limit = input_from_form(limit_form, LimitInput)
        if data_limit is not None:
            try:
                approval_limit_set(actor=user, data=data_limit)
            except InvalidInput as error:
                form_add_service_errors(limit_form, error)
            else:
                messages.success(request, _("Approval limit saved."))
                return redirect("concessions:settings")
    limits = approval_limits()
    rows = [(role.label, limits.get(role.value)) for role in LIMIT_ROLES]
    return render(
        request,
        "concessions/settings.html",
        {
            "settings_form": settings_form,
            "limit_form": limit_form,
            "limits": rows,
            "active_section": "settings",
        },
    )


def _delegate_choices(user: User) -> list[tuple[int, str]]:
    candidates = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("last_name", "first_name")
    return [
        (candidate.pk, candidate.get_full_name() or candidate.username)
        for candidate in candidates
        if has_capability(candidate, Capability.CONCESSIONS_VIEW)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def delegations_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_concessions_view(user)
    if not has_capability(user, Capability.CONCESSIONS_APPROVE):
        raise Forbidden
    form = DelegationForm(request.POST or None, delegates=_delegate_choices(user))
    if request.method == "POST" and form.is_valid():
        data = input_from_form(form, DelegationInput, delegate_id=int(form.cleaned_data["delegate"]))
        if data is not None:
            try:
                delegation_create(actor=user, data=data)
            except InvalidInput as error:
                form_add_service_errors(form, error, aliases={"delegate_id": "delegate"})
            else:
                messages.success(request, _("Delegation saved."))
                return redirect("concessions:delegations")
    delegations = ApprovalDelegation.objects.filter(delegator=user).select_related("delegate")
    received = ApprovalDelegation.objects.filter(delegate=user).select_related("delegator")
    return render(
        request,
        "concessions/delegations.html",
        {
            "form": form,
            "delegations": delegations,
            "received": received,
            "today": timezone.localdate(),
            "active_section": "accounts",
        },
    )


@login_required
@require_POST
def delegation_delete_view(request: HttpRequest, delegation_id: int) -> HttpResponse:
    user = _user(request)
    delegation_delete(actor=user, delegation=access_delegation_by_id(user, delegation_id))
    messages.success(request, _("Delegation ended."))
    return redirect("concessions:delegations")
