from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.accounts.selectors import account_order_ids_by_number
from handschlag.complaints.access import (
    access_attachment_by_id,
    access_complaint_by_id,
    access_routing_rule_by_id,
    can_assign_complaint,
    can_edit_complaint,
    can_manage_watchers,
    can_work_complaint,
    check_complaint_creatable,
    check_configuration_allowed,
)
from handschlag.complaints.attachments import download_name
from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus, EightDStep, Severity
from handschlag.complaints.forms import (
    AssignForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    ComplaintForm,
    ReasonForm,
    RoutingRuleForm,
    SlaPolicyForm,
    StepForm,
    ThreatForm,
    WatcherForm,
)
from handschlag.complaints.inputs import (
    ComplaintInput,
    ComplaintPatch,
    RoutingRuleInput,
    RoutingRulePatch,
    SlaPolicyInput,
    StepPatch,
)
from handschlag.complaints.models import ComplaintAttachment, ComplaintStep
from handschlag.complaints.selectors import (
    COMPLAINT_SORT_KEYS,
    QUEUES,
    ComplaintFigures,
    ComplaintFilters,
    complaint_account_choices,
    complaint_account_matches,
    complaint_detail,
    complaint_figures,
    complaint_list,
    complaint_management_list,
    routing_rule_list,
    sla_policy_get,
    sla_policy_list,
    step_owner_choices,
)
from handschlag.complaints.services.cases import complaint_create, complaint_update
from handschlag.complaints.services.collaboration import (
    complaint_attachment_add,
    complaint_comment_add,
    complaint_watcher_add,
    complaint_watcher_remove,
)
from handschlag.complaints.services.configuration import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
    sla_policy_set,
)
from handschlag.complaints.services.lifecycle import (
    complaint_acknowledge,
    complaint_close,
    complaint_pause,
    complaint_reopen,
    complaint_resume,
)
from handschlag.complaints.services.routing import complaint_assign
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.access import require_capability
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, InvalidInput, NotFound
from handschlag.core.figures import FigureScope, figures_cached
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import InputT, input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.core.request_parameters import parse_id
from handschlag.core.roles import Capability, has_capability
from handschlag.core.sorting import sort_from

if TYPE_CHECKING:
    from handschlag.accounts.models import Account

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_view(user: User) -> None:
    """Partner users (and anyone without the capability) learn nothing: 404, not 403."""
    if not has_capability(user, Capability.COMPLAINTS_VIEW):
        raise NotFound


def _input_or_error(form: forms.BaseForm, model: type[InputT], **extra: Any) -> InputT:
    """The form as a service input; its errors (the form's own or the input's) as `InvalidInput`."""
    data = input_from_form(form, model, **extra) if form.is_valid() else None
    if data is None:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                field: [str(message) for message in messages_] for field, messages_ in form.errors.items()
            },
        )
    return data


def _default_queue(user: User) -> str:
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        return "all"
    if has_capability(user, Capability.COMPLAINTS_WORK):
        return "mine"
    return "all"


def _filters_from(request: HttpRequest) -> ComplaintFilters:
    get = request.GET
    user = _user(request)
    queue = get.get("queue") or _default_queue(user)
    if queue not in QUEUES:
        queue = "all"

    def flag(name: str) -> bool | None:
        return {"1": True, "0": False}.get(get.get(name, ""))

    return ComplaintFilters(
        queue="" if queue == "all" else queue,
        status=get.get("status", "") if get.get("status") in ComplaintStatus.values else "",
        severity=get.get("severity", "") if get.get("severity") in Severity.values else "",
        category=get.get("category", "") if get.get("category") in ComplaintCategory.values else "",
        threat=flag("threat"),
        repeat=flag("repeat"),
        open_only=get.get("open", "1" if "status" not in get else "") == "1",
        search=get.get("q", "")[:200],
        ordering=sort_from(request, COMPLAINT_SORT_KEYS, "-created"),
    )


@login_required
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    filters = _filters_from(request)
    page = BoundedPaginator(complaint_list(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    queues = [("mine", _("My cases")), ("watching", _("Watching"))]
    if has_capability(user, Capability.COMPLAINTS_WORK) and user.department_id:
        queues.insert(1, ("department", _("My department")))
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        queues.append(("triage", _("Triage")))
    queues.append(("all", _("All I may see")))
    context = {
        "page": page,
        "filters": filters,
        "ordering": filters.ordering,
        "queue": filters.queue or "all",
        "queues": queues,
        "statuses": ComplaintStatus.choices,
        "severities": Severity.choices,
        "categories": ComplaintCategory.choices,
        "query_without_page": query.urlencode() + "&" if query else "",
        "export_query": query.urlencode(),
        "can_create": has_capability(user, Capability.COMPLAINTS_CREATE),
        "can_bulk_close": has_capability(user, Capability.COMPLAINTS_WORK),
        "can_see_figures": _may_see_figures(user),
        "now": timezone.now(),
        "active_section": "complaints",
    }
    template = "complaints/complaint_list.html#results" if request.htmx else "complaints/complaint_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def complaint_bulk_close_view(request: HttpRequest) -> HttpResponse:
    """Close the ticked cases with one resolution summary. `complaint_close` checks the actor per case: cases he
    may not work are counted as refused and stay open; the allowed ones close in one transaction."""
    user = _user(request)
    _require_view(user)
    back = reverse("complaints:list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    ids = [complaint_id for raw in request.POST.getlist("complaint")[:200] if (complaint_id := parse_id(raw))]
    summary = request.POST.get("summary", "").strip()
    if not ids or not summary:
        messages.error(request, _("Tick at least one case and describe how they were resolved."))
        return redirect(back)
    closed = refused = 0
    with transaction.atomic():
        for complaint_id in dict.fromkeys(ids):
            try:
                with transaction.atomic():
                    complaint = access_complaint_by_id(user, complaint_id)
                    complaint_close(actor=user, complaint=complaint, summary=summary)
            except (NotFound, PermissionDenied, InvalidInput, Conflict):
                refused += 1
            else:
                closed += 1
    text = ngettext("%(count)s case closed.", "%(count)s cases closed.", closed) % {"count": closed}
    if refused:
        text += " " + ngettext(
            "%(count)s refused: you may not close it, or it is closed already.",
            "%(count)s refused: you may not close them, or they are closed already.",
            refused,
        ) % {"count": refused}
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect(back)


@login_required
def complaint_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_view(user)
    complaints = complaint_list(user=user, filters=_filters_from(request))
    header = [
        _("Number"),
        _("Created"),
        _("Account"),
        _("Title"),
        _("Category"),
        _("Severity"),
        _("Status"),
        _("Department"),
        _("Process owner"),
        _("Cancellation threat"),
        _("Cancellation deadline"),
        _("Revenue at risk (EUR)"),
        _("Repeat"),
        _("First response (business hours)"),
        _("Resolution (business hours)"),
        _("Escalation level"),
    ]

    def hours(seconds: int | None) -> Any:
        return None if seconds is None else round(seconds / 3600, 1)

    rows = (
        [
            complaint.pk,
            timezone.localtime(complaint.created_at),
            complaint.account.display_name,
            complaint.title,
            complaint.get_category_display(),
            complaint.get_severity_display(),
            complaint.get_status_display(),
            complaint.department.name if complaint.department else _("Management triage"),
            str(complaint.owner) if complaint.owner else "",
            _("yes") if complaint.cancellation_threat else _("no"),
            timezone.localtime(complaint.cancellation_deadline) if complaint.cancellation_deadline else "",
            complaint.revenue_at_risk,
            _("yes") if complaint.is_repeat else _("no"),
            hours(complaint.first_response_seconds),
            hours(complaint.resolution_seconds),
            complaint.escalation_level,
        ]
        for complaint in complaints.iterator(chunk_size=2000)
    )
    return csv_response(filename="complaints.csv", header=header, rows=rows)


def _selected_account(user: User, value: str) -> Account | None:
    account_id = parse_id(value)  # "²" passes str.isdigit() but is no id
    if account_id is None:
        return None
    return complaint_account_choices(user=user).filter(pk=account_id).first()


@login_required
def account_search(request: HttpRequest) -> HttpResponse:
    """The htmx suggestions of the create form: matching accounts as radio buttons (the chosen one stays)."""
    user = _user(request)
    check_complaint_creatable(user)
    context = {
        "name": "account",
        "matches": complaint_account_matches(user=user, query=request.GET.get("account_q", "")),
        "selected": _selected_account(user, request.GET.get("account", "")),
    }
    return render(request, "complaints/_account_matches.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_complaint_creatable(user)
    source = request.POST if request.method == "POST" else request.GET
    searching = request.method == "POST" and "search_account" in request.POST
    if searching:  # the no-JavaScript search: show the matches, keep what was typed, record nothing yet
        initial = {key: value for key, value in request.POST.items() if key not in {"csrfmiddlewaretoken"}}
        form = ComplaintForm(accounts=complaint_account_choices(user=user), initial=initial)
    else:
        form = ComplaintForm(
            request.POST or None,
            request.FILES or None,
            accounts=complaint_account_choices(user=user),
        )
    form.set_account_matches(
        matches=complaint_account_matches(user=user, query=source.get("account_q", "")),
        selected=_selected_account(user, source.get("account", "")),
        search_url=reverse("complaints:account_search"),
    )
    if request.method == "POST" and not searching and form.is_valid():
        account = form.cleaned_data["account"]
        numbers = [
            number.strip() for number in form.cleaned_data["order_numbers"].split(",") if number.strip()
        ]
        order_ids = list(account_order_ids_by_number(account=account, numbers=numbers).values())
        if len(order_ids) != len(set(numbers)):
            form.add_error("order_numbers", _("Only orders of this account can be referenced."))
        data = None
        if form.is_valid():
            data = input_from_form(form, ComplaintInput, account_id=account.pk, order_ids=order_ids)
        if data is not None:
            try:
                complaint = complaint_create(
                    actor=user, data=data, uploads=form.cleaned_data.get("attachments") or []
                )
            except InvalidInput as error:
                for service_name, form_name in (("order_ids", "order_numbers"), ("account_id", "account")):
                    if service_name in error.fields:
                        error.fields[form_name] = error.fields.pop(service_name)
                form_add_service_errors(form, error)
            else:
                if complaint.owner is not None:
                    messages.success(
                        request,
                        _("Complaint #%(number)s recorded and routed to %(owner)s (%(department)s).")
                        % {
                            "number": complaint.pk,
                            "owner": complaint.owner,
                            "department": complaint.department,
                        },
                    )
                else:
                    messages.warning(
                        request,
                        _("Complaint #%(number)s recorded. No routing rule matches: management triages it.")
                        % {"number": complaint.pk},
                    )
                return redirect("complaints:detail", complaint.pk)
    return render(request, "complaints/complaint_form.html", {"form": form, "active_section": "complaints"})


def _detail_context(request: HttpRequest, complaint_id: int) -> dict[str, Any]:
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    context = complaint_detail(complaint=complaint)
    can_work = can_work_complaint(user, complaint)
    # the forms are shown to those who may work on an open case only; the owner choices are read once for all
    owners = list(step_owner_choices(complaint)) if can_work and complaint.is_open else []
    step_forms = [
        (
            step,
            StepForm(
                initial={
                    "owner": step.owner,
                    "due_date": step.due_date,
                    "notes": step.notes,
                    "done": step.done_at,
                },
                prefix=step.step,
                complaint=complaint,
                owners=owners,
            ),
        )
        for step in context["steps"]
    ]
    context.update(
        {
            "can_work": can_work,
            "can_edit": can_edit_complaint(user, complaint),
            "can_assign": can_assign_complaint(user, complaint),
            "step_forms": step_forms,
            "comment_form": CommentForm(),
            "reason_form": ReasonForm(),
            "close_form": CloseForm(),
            "attachment_form": AttachmentForm(),
            "assign_form": AssignForm(),
            "watcher_form": WatcherForm(),
            "can_manage_watchers": can_manage_watchers(user, complaint),
            "threat_form": ThreatForm(
                initial={
                    "cancellation_threat": complaint.cancellation_threat,
                    "cancellation_deadline": timezone.localtime(complaint.cancellation_deadline)
                    if complaint.cancellation_deadline
                    else None,
                    "threat_scope": complaint.threat_scope,
                    "severity": complaint.severity,
                }
            ),
            "now": timezone.now(),
            "active_section": "complaints",
        }
    )
    return context


@login_required
def complaint_detail_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint_id))


def _back(complaint_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("complaints:detail", complaint_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
@require_POST
def complaint_action(request: HttpRequest, complaint_id: int, action: str) -> HttpResponse:
    """The buttons of the case page: each posts to one service; errors come back as a message."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    post = request.POST
    try:
        if action == "acknowledge":
            complaint_acknowledge(actor=user, complaint=complaint)
            messages.success(request, _("You have taken the case up."))
        elif action == "comment":
            complaint_comment_add(actor=user, complaint=complaint, text=post.get("text", ""))
        elif action == "pause":
            complaint_pause(actor=user, complaint=complaint, reason=post.get("reason", ""))
            messages.success(request, _("The clocks are paused."))
        elif action == "resume":
            complaint_resume(actor=user, complaint=complaint)
            messages.success(request, _("The clocks run again."))
        elif action == "close":
            complaint_close(actor=user, complaint=complaint, summary=post.get("summary", ""))
            messages.success(request, _("The case is closed."))
        elif action == "reopen":
            complaint_reopen(actor=user, complaint=complaint, reason=post.get("reason", ""))
            messages.success(request, _("The case is open again."))
        elif action == "assign":
            form = AssignForm(post)
            if not form.is_valid():
                raise InvalidInput(_("Choose a process owner."))
            complaint_assign(actor=user, complaint=complaint, owner=form.cleaned_data["owner"])
            messages.success(request, _("The case is assigned."))
        elif action == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput.for_field("file", _("Choose a file."))
            complaint_attachment_add(actor=user, complaint=complaint, upload=upload)
            messages.success(request, _("The file is attached."))
        elif action == "watch":
            watcher_form = WatcherForm(post)
            if not watcher_form.is_valid():
                raise InvalidInput(_("Choose a colleague."))
            watcher = watcher_form.cleaned_data["user"]
            complaint_watcher_add(actor=user, complaint=complaint, user=watcher)
            messages.success(request, _("%(user)s is kept informed.") % {"user": watcher})
        elif action == "unwatch":
            watcher_form = WatcherForm({"user": post.get("user", "")})
            if not watcher_form.is_valid():
                raise InvalidInput(_("Choose a colleague."))
            watcher = watcher_form.cleaned_data["user"]
            complaint_watcher_remove(actor=user, complaint=complaint, user=watcher)
            messages.success(request, _("%(user)s is no longer informed.") % {"user": watcher})
        elif action == "threat":
            threat_form = ThreatForm(post)
            patch = _input_or_error(threat_form, ComplaintPatch)
            complaint_update(actor=user, complaint=complaint, patch=patch)
            messages.success(request, _("Saved."))
        else:
            raise NotFound
    except (InvalidInput, Conflict) as error:
        detail = "; ".join(
            message for messages_ in getattr(error, "fields", {}).values() for message in messages_
        )
        messages.error(request, detail or error.message)
    return _back(complaint.pk)


@login_required
@require_POST
def complaint_step_view(request: HttpRequest, complaint_id: int, step: str) -> HttpResponse:
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    if step not in EightDStep.values:
        raise NotFound
    form = StepForm(request.POST, prefix=step, complaint=complaint)
    error_message = ""
    if form.is_valid():
        try:
            owner = form.cleaned_data.get("owner")
            patch = _input_or_error(form, StepPatch, owner_id=owner.pk if owner else None)
            complaint_step_update(actor=user, complaint=complaint, step=step, patch=patch)
        except (InvalidInput, Conflict) as error:
            error_message = error.message
    else:
        error_message = _("Please correct the marked fields.")
    if request.htmx:  # type: ignore[attr-defined]
        item = ComplaintStep.objects.select_related("owner").get(complaint=complaint, step=step)
        complaint.refresh_from_db()
        context = {
            "complaint": complaint,
            "step": item,
            "form": form
            if error_message
            else StepForm(
                initial={
                    "owner": item.owner,
                    "due_date": item.due_date,
                    "notes": item.notes,
                    "done": item.done_at,
                },
                prefix=step,
                complaint=complaint,
            ),
            "can_work": True,
            "error_message": error_message,
        }
        return render(request, "complaints/complaint_detail.html#step_row", context)
    if error_message:
        messages.error(request, error_message)
    return _back(complaint.pk, f"step-{step}")


def attachment_response(attachment: ComplaintAttachment) -> FileResponse:
    """Serve a stored attachment: the type we detected, never sniffed, never run as a page."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=download_name(attachment.original_name, attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_download(request: HttpRequest, complaint_id: int, attachment_id: int) -> HttpResponseBase:
    return attachment_response(access_attachment_by_id(_user(request), complaint_id, attachment_id))


@login_required
def management_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    require_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW)
    cases = list(complaint_management_list(user=user)[:200])
    context = {
        "threatened": [case for case in cases if case.cancellation_threat],
        "triage": [case for case in cases if case.in_triage],
        "escalated": [case for case in cases if case.escalation_level and not case.cancellation_threat],
        "assign_form": AssignForm(),
        "figures": complaint_figures(
            user=user, start=timezone.localdate() - dt.timedelta(days=365), end=timezone.localdate()
        ),
        "now": timezone.now(),
        "active_section": "complaints_management",
    }
    return render(request, "complaints/management.html", context)


def _figure_period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        end = dt.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
        start = (
            dt.date.fromisoformat(request.GET.get("start", ""))
            if request.GET.get("start")
            else end - dt.timedelta(days=365)
        )
    except ValueError:
        start, end = today - dt.timedelta(days=365), today
    if start > end:
        start, end = end, start
    return start, end


def _may_see_figures(user: User) -> bool:
    return has_capability(user, Capability.COMPLAINTS_VIEW) and (
        has_capability(user, Capability.COMPLAINTS_WORK)
        or has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW)
    )


def _require_figures(user: User) -> None:
    if not _may_see_figures(user):
        raise NotFound


BAR_LABEL_WIDTH = 190  # SVG units left of the bars for the labels
BAR_MAX_WIDTH = 220  # the longest bar; the value is written after it
BAR_ROW_HEIGHT = 28


def bars(
    rows: list[tuple[str, float | int | None]], *, scale_max: float | None = None
) -> list[dict[str, Any]]:
    """Rows for a server-side SVG bar chart: label, value, bar length (relative to the largest value, or to
    `scale_max` such as 100 for percentages) and where the value text goes."""
    largest = scale_max or max((value or 0 for _label, value in rows), default=0) or 1
    result = []
    for index, (label, value) in enumerate(rows):
        length = round(BAR_MAX_WIDTH * min(float(value or 0), largest) / largest, 1)
        result.append(
            {
                "label": label,
                "value": value,
                "width": round(100 * float(value or 0) / largest, 1),
                "x": BAR_LABEL_WIDTH,
                "length": length,
                "value_x": BAR_LABEL_WIDTH + length + 6,
                "y": index * BAR_ROW_HEIGHT,
            }
        )
    return result


def _charts(figures: ComplaintFigures) -> dict[str, Any]:
    return {
        "department_bars": bars([(name, count) for name, count in figures.open_by_department]),
        "sla_bars": bars(
            [(row["label"], row["rate"]) for row in figures.sla_compliance.values()], scale_max=100
        ),
        "category_bars": bars([(name, count) for name, count in figures.by_category]),
    }


@login_required
def figures_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_figures(user)
    start, end = _figure_period(request)
    # a year of cases read for each figure: kept a short while per reader and period (core/figures.py)
    figures = figures_cached(
        "complaints.figures_view",
        user,
        FigureScope(start=start, end=end),
        functools.partial(complaint_figures, user=user, start=start, end=end),
    )
    context = {
        "figures": figures,
        "start": start,
        "end": end,
        "active_section": "complaints",
        **_charts(figures),
    }
    return render(request, "complaints/figures.html", context)


@login_required
def figures_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_figures(user)
    start, end = _figure_period(request)
    figures = complaint_figures(user=user, start=start, end=end)
    table = request.GET.get("table", "summary")
    if table == "departments":
        return csv_response(
            filename="complaints-open-by-department.csv",
            header=[_("Department"), _("Open cases")],
            rows=figures.open_by_department,
        )
    if table == "sla":
        return csv_response(
            filename="complaints-sla.csv",
            header=[_("Clock"), _("Met"), _("Missed or overdue"), _("Running"), _("Compliance (%)")],
            rows=[
                [row["label"], row["met"], row["missed"], row["running"], row["rate"]]
                for row in figures.sla_compliance.values()
            ],
        )
    if table == "categories":
        return csv_response(
            filename="complaints-by-category.csv",
            header=[_("Category"), _("Cases")],
            rows=figures.by_category,
        )
    return csv_response(
        filename="complaints-figures.csv",
        header=[_("Figure"), _("Value")],
        rows=[
            [_("Period"), f"{start.isoformat()} - {end.isoformat()}"],
            [_("Cases"), figures.cases],
            [_("Open cases"), figures.open_cases],
            [_("First response, mean (business hours)"), figures.first_response_hours_mean],
            [_("First response, median (business hours)"), figures.first_response_hours_median],
            [_("Time to resolution, mean (business hours)"), figures.resolution_hours_mean],
            [_("Time to resolution, median (business hours)"), figures.resolution_hours_median],
            [_("Paused, mean per closed case (business hours)"), figures.paused_hours_mean],
            [_("Escalation rate (%)"), figures.escalation_rate],
            [_("Reopen rate (%)"), figures.reopen_rate],
            [_("Repeat rate (%)"), figures.repeat_rate],
            [_("Revenue at risk (EUR)"), figures.revenue_at_risk],
            [_("Accounts threatening to cancel"), figures.threatened_accounts],
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def routing_rules_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    check_configuration_allowed(user, Capability.ROUTING_RULES_MANAGE)
    form = RoutingRuleForm(request.POST or None)
    data = input_from_form(form, RoutingRuleInput, **_rule_ids(form)) if form.is_valid() else None
    if request.method == "POST" and data is not None:
        try:
            routing_rule_create(actor=user, data=data)
        except (InvalidInput, Conflict) as error:
            _add_rule_errors(form, error)
        else:
            messages.success(request, _("Routing rule created."))
            return redirect("complaints:routing_rules")
    context = {"rules": routing_rule_list(), "form": form, "active_section": "routing_rules"}
    return render(request, "complaints/routing_rules.html", context)


def _rule_ids(form: RoutingRuleForm) -> dict[str, int | None]:
    department, owner = form.cleaned_data.get("department"), form.cleaned_data.get("process_owner")
    return {
        "department_id": department.pk if department else None,
        "process_owner_id": owner.pk if owner else None,
    }


def _add_rule_errors(form: RoutingRuleForm, error: InvalidInput | Conflict) -> None:
    """The service's errors on the form's fields (it names the ids, the form the objects)."""
    if isinstance(error, Conflict):
        form.add_error("category", error.message)
        return
    for service_name, form_name in (("department_id", "department"), ("process_owner_id", "process_owner")):
        if service_name in error.fields:
            error.fields[form_name] = error.fields.pop(service_name)
    form_add_service_errors(form, error)


@login_required
@require_http_methods(["GET", "POST"])
def routing_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = access_routing_rule_by_id(user, rule_id)
    if request.method == "POST" and request.POST.get("delete"):
        routing_rule_delete(actor=user, rule=rule)
        messages.success(request, _("Routing rule deleted."))
        return redirect("complaints:routing_rules")
    form = RoutingRuleForm(request.POST or None, instance=type(rule).objects.get(pk=rule.pk))
    patch = input_from_form(form, RoutingRulePatch, **_rule_ids(form)) if form.is_valid() else None
    if request.method == "POST" and patch is not None:
        try:
            routing_rule_update(actor=user, rule=rule, patch=patch)
        except (InvalidInput, Conflict) as error:
            _add_rule_errors(form, error)
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("complaints:routing_rules")
    return render(
        request,
        "complaints/routing_rule_form.html",
        {"form": form, "rule": rule, "active_section": "routing_rules"},
    )


@login_required
def sla_policies_view(request: HttpRequest) -> HttpResponse:
    check_configuration_allowed(_user(request), Capability.SLA_POLICIES_MANAGE)
    context = {"policies": sla_policy_list(), "active_section": "sla_policies"}
    return render(request, "complaints/sla_policies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def sla_policy_edit(request: HttpRequest, severity: str) -> HttpResponse:
    user = _user(request)
    check_configuration_allowed(user, Capability.SLA_POLICIES_MANAGE)
    if severity not in Severity.values:
        raise NotFound
    policy = sla_policy_get(severity)
    form = SlaPolicyForm(
        request.POST or None,
        initial={
            "first_response_hours": policy.first_response_hours,
            "containment_hours": policy.containment_hours,
            "resolution_hours": policy.resolution_hours,
            "escalation_step_hours": policy.escalation_step_hours,
        },
    )
    data = input_from_form(form, SlaPolicyInput) if form.is_valid() else None
    if request.method == "POST" and data is not None:
        try:
            sla_policy_set(actor=user, severity=severity, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "SLA targets for severity “%(severity)s” saved. They apply to complaints recorded from now on."
                )
                % {"severity": policy.label},
            )
            return redirect("complaints:sla_policies")
    context = {"form": form, "policy": policy, "active_section": "sla_policies"}
    return render(request, "complaints/sla_policy_form.html", context)


def notifications_view(request: HttpRequest) -> HttpResponse:
    """The inbox moved to core (`/notifications/`); old links keep working."""
    return redirect("core:notifications", permanent=True)
