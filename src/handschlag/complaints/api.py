"""Complaints API: /api/v1/complaints (cases, comments, attachments, 8D steps, clocks, figures) and
/api/v1/routing-rules. Partner users get 404 for every complaint resource, as if none existed."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.complaints.access import (
    access_attachment_by_id,
    access_complaint_by_id,
    access_routing_rule_by_id,
    check_configuration_allowed,
)
from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus, EightDStep, Severity, ThreatScope
from handschlag.complaints.inputs import (
    ComplaintInput,
    ComplaintPatch,
    Id,
    RoutingRuleInput,
    RoutingRulePatch,
    SlaPolicyInput,
    StepPatch,
)
from handschlag.complaints.models import Complaint, ComplaintStep
from handschlag.complaints.selectors import (
    ComplaintFilters,
    complaint_clocks,
    complaint_figures,
    complaint_list,
    complaint_repeat_comparison,
    routing_rule_list,
    sla_policy_get,
    sla_policy_list,
)
from handschlag.complaints.services import cases, collaboration, configuration, lifecycle, routing, steps
from handschlag.core.api_support import ERROR_RESPONSES, Page, page_response, plain_model, plain_rows
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.models import Department, User
from handschlag.core.roles import Capability, has_capability

router = Router(tags=["complaints"])
rules_router = Router(tags=["routing-rules"])
sla_router = Router(tags=["sla-policies"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_view(user: User) -> None:
    if not has_capability(user, Capability.COMPLAINTS_VIEW):
        raise NotFound


class ClockOut(Schema):
    clock: str = Field(
        description="first_response, containment, resolution; deadline: the customer's cancellation deadline"
    )
    due: dt.datetime = Field(
        description="when it counts: the first response by the earlier of the SLA and the alert ahead of the "
        "customer's cancellation deadline"
    )
    met_at: dt.datetime | None
    state: str
    sla_due: dt.datetime | None = Field(
        default=None, description="the SLA's own deadline (none for `deadline`)"
    )
    alert_at: dt.datetime | None = Field(
        default=None,
        description="`deadline` only: when owner and management are alerted without a first response",
    )


class ComplaintOut(Schema):
    id: int
    account_id: int
    reporter_id: int
    title: str
    description: str
    category: ComplaintCategory
    severity: Severity
    status: ComplaintStatus
    product_line: str
    plant: str
    product: str
    order_ids: list[int]
    department_id: int | None
    owner_id: int | None
    in_triage: bool
    cancellation_threat: bool
    cancellation_deadline: dt.datetime | None
    threat_scope: ThreatScope
    revenue_at_risk: Decimal
    is_repeat: bool
    repeat_of_id: int | None
    earlier_case_ids: list[int]
    clocks: list[ClockOut]
    paused: bool
    paused_business_hours: float
    escalation_level: int
    reopen_count: int
    resolution_summary: str
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_order_ids(obj: Complaint) -> list[int]:
        return sorted(order.pk for order in obj.orders.all())

    @staticmethod
    def resolve_earlier_case_ids(obj: Complaint) -> list[int]:
        return [case.pk for case in obj.earlier_cases.all()]

    @staticmethod
    def resolve_clocks(obj: Complaint) -> list[dict[str, Any]]:
        return [
            {
                "clock": clock.clock,
                "due": clock.due,
                "met_at": clock.met_at,
                "state": clock.state,
                "sla_due": clock.sla_due,
                "alert_at": clock.alert_at,
            }
            for clock in complaint_clocks(obj)
        ]

    @staticmethod
    def resolve_paused(obj: Complaint) -> bool:
        return obj.is_paused

    @staticmethod
    def resolve_paused_business_hours(obj: Complaint) -> float:
        return round(obj.paused_seconds / 3600, 2)


class ComplaintQuery(Schema):
    queue: Literal["", "mine", "department", "watching", "triage", "all"] = ""
    status: ComplaintStatus | None = None
    severity: Severity | None = None
    category: ComplaintCategory | None = None
    account_id: int | None = None
    department_id: int | None = None
    threat: bool | None = None
    repeat: bool | None = None
    open: bool = False
    q: str = Field("", max_length=200)
    ordering: Literal["created", "-created", "severity", "-severity", "due", "-due", "risk", "-risk"] = (
        "-created"
    )


def _prefetched(complaint_id: int, user: User) -> Complaint:
    return access_complaint_by_id(user, complaint_id)


class PagedComplaintOut(Schema):
    items: list[ComplaintOut]
    count: int
    count_capped: bool = False


_PLAIN_ROWS = plain_rows(ComplaintOut, {"clocks": list[plain_model(ClockOut)]})  # type: ignore[misc]
_PLAIN_FIELDS = [name for name in ComplaintOut.model_fields if name not in ComplaintOut._ninja_resolvers]


# The list needs only the ids of a case's orders and earlier cases: not their rows (~250 model instances a page).
_ID_ONLY_PREFETCHES = [
    Prefetch(
        "orders",
        queryset=Complaint.orders.field.related_model._default_manager.only("pk"),
    ),
    Prefetch("earlier_cases", queryset=Complaint.objects.only("pk")),
]


def _complaint_row(complaint: Complaint) -> dict[str, Any]:
    """One ComplaintOut as a dict (the list's rows; the same values as ComplaintOut's fields and resolvers)."""
    row = {name: getattr(complaint, name) for name in _PLAIN_FIELDS}
    row["order_ids"] = ComplaintOut.resolve_order_ids(complaint)
    row["earlier_case_ids"] = ComplaintOut.resolve_earlier_case_ids(complaint)
    row["clocks"] = ComplaintOut.resolve_clocks(complaint)
    row["paused"] = ComplaintOut.resolve_paused(complaint)
    row["paused_business_hours"] = ComplaintOut.resolve_paused_business_hours(complaint)
    return row


@router.get("", response={200: PagedComplaintOut, **ERROR_RESPONSES})
def complaint_index(request: HttpRequest, filters: Query[ComplaintQuery], page: Query[Page.Input]) -> Any:
    """Cases the caller may see: all for management; for others their own, their department's (process owners),
    their accounts' (sellers), reported or watched ones."""
    user = _user(request)
    _require_view(user)
    rows = complaint_list(
        user=user,
        filters=ComplaintFilters(
            queue=filters.queue,
            status=filters.status or "",
            severity=filters.severity or "",
            category=filters.category or "",
            account_id=filters.account_id,
            department_id=filters.department_id,
            threat=filters.threat,
            repeat=filters.repeat,
            open_only=filters.open,
            search=filters.q,
            ordering=filters.ordering,
        ),
    ).prefetch_related(*_ID_ONLY_PREFETCHES)
    return page_response(rows, page, _PLAIN_ROWS, _complaint_row)


@router.post("", response={201: ComplaintOut, **ERROR_RESPONSES})
def complaint_create(request: HttpRequest, payload: ComplaintInput) -> tuple[int, Any]:
    """Record a case. It is routed at once: to the process owner of the matching rule, else to management
    triage; the account's seller becomes a watcher. Attach photos and PDFs with POST /{id}/attachments."""
    user = _user(request)
    complaint = cases.complaint_create(actor=user, data=payload)
    return 201, _prefetched(complaint.pk, user)


@router.get("/figures", response={200: dict[str, Any], **ERROR_RESPONSES})
def complaint_figures_read(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
) -> Any:
    """First-response time, time to resolution (business hours), SLA compliance per clock, escalation, reopen
    and repeat rates, revenue at risk, open cases per department, over the cases the caller may see."""
    user = _user(request)
    _require_view(user)
    if not (
        has_capability(user, Capability.COMPLAINTS_WORK)
        or has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW)
    ):
        raise NotFound
    today = timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(days=365)
    if start > end:
        raise InvalidInput.for_field("start", _("The start must not be after the end."))
    figures = complaint_figures(user=user, start=start, end=end)
    body = dict(figures.__dict__)
    body["open_by_department"] = [
        {"department": name, "open": count} for name, count in figures.open_by_department
    ]
    body["by_category"] = [{"category": name, "cases": count} for name, count in figures.by_category]
    body["revenue_at_risk"] = str(figures.revenue_at_risk)
    body["start"], body["end"] = start.isoformat(), end.isoformat()
    return body


@router.get("/{complaint_id}", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_read(request: HttpRequest, complaint_id: int) -> Any:
    return access_complaint_by_id(_user(request), complaint_id)


class StepTextOut(Schema):
    step: EightDStep
    notes: str
    done_at: dt.datetime | None


class RepeatOut(Schema):
    """The case beside the earlier one it repeats."""

    previous_id: int
    previous_created_at: dt.datetime
    previous_status: ComplaintStatus
    severity: Severity
    previous_severity: Severity
    severity_change: Literal["worse", "same", "better"]
    value: Decimal
    previous_value: Decimal
    value_change: Literal["worse", "same", "better"]
    revenue_at_risk: Decimal
    previous_revenue_at_risk: Decimal
    previous_root_cause: StepTextOut | None
    previous_prevention: StepTextOut | None
    root_cause: StepTextOut | None
    prevention: StepTextOut | None


@router.get("/{complaint_id}/repeat", response={200: RepeatOut, **ERROR_RESPONSES})
def complaint_repeat(request: HttpRequest, complaint_id: int) -> Any:
    """For a repeat: severity, value and revenue at risk beside the earlier case's, with its root cause (D4) and
    what was promised (D7). 404 when the case repeats none."""
    complaint = access_complaint_by_id(_user(request), complaint_id)
    comparison = complaint_repeat_comparison(complaint)
    if comparison is None:
        raise NotFound(_("This case repeats no earlier case."))
    previous = comparison.previous
    return {
        "previous_id": previous.pk,
        "previous_created_at": previous.created_at,
        "previous_status": previous.status,
        "severity": complaint.severity,
        "previous_severity": previous.severity,
        "severity_change": comparison.severity_change,
        "value": comparison.value,
        "previous_value": comparison.previous_value,
        "value_change": comparison.value_change,
        "revenue_at_risk": complaint.revenue_at_risk,
        "previous_revenue_at_risk": previous.revenue_at_risk,
        "previous_root_cause": comparison.previous_root_cause,
        "previous_prevention": comparison.previous_prevention,
        "root_cause": comparison.root_cause,
        "prevention": comparison.prevention,
    }


@router.patch("/{complaint_id}", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_update(request: HttpRequest, complaint_id: int, payload: ComplaintPatch) -> Any:
    """Change the facts of the case (the owner's side, the reporter, the account's seller); only the fields
    sent change. Without a cancellation threat there is no deadline."""
    user = _user(request)
    cases.complaint_update(actor=user, complaint=access_complaint_by_id(user, complaint_id), patch=payload)
    return access_complaint_by_id(user, complaint_id)


class AssignIn(Schema):
    owner_id: Id
    department_id: Id | None = None


@router.post("/{complaint_id}/assign", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_assign(request: HttpRequest, complaint_id: int, payload: AssignIn) -> Any:
    """Triage or hand over the case to a process owner (management, or the current owner)."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    owner = User.objects.filter(pk=payload.owner_id).first()
    if owner is None:
        raise InvalidInput.for_field("owner_id", _("No such user."))
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id, is_active=True).first()
        if department is None:
            raise InvalidInput.for_field("department_id", _("No such department."))
    routing.complaint_assign(actor=user, complaint=complaint, owner=owner, department=department)
    return access_complaint_by_id(user, complaint_id)


@router.post("/{complaint_id}/acknowledge", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_acknowledge(request: HttpRequest, complaint_id: int) -> Any:
    """The owner's side takes the case up (stops the first-response clock)."""
    user = _user(request)
    lifecycle.complaint_acknowledge(actor=user, complaint=access_complaint_by_id(user, complaint_id))
    return access_complaint_by_id(user, complaint_id)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class CloseIn(Schema):
    summary: str = Field(min_length=1, max_length=20_000)


@router.post("/{complaint_id}/pause", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_pause(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> Any:
    """Stop the SLA clocks; the reason is logged."""
    user = _user(request)
    lifecycle.complaint_pause(
        actor=user, complaint=access_complaint_by_id(user, complaint_id), reason=payload.reason
    )
    return access_complaint_by_id(user, complaint_id)


@router.post("/{complaint_id}/resume", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_resume(request: HttpRequest, complaint_id: int) -> Any:
    user = _user(request)
    lifecycle.complaint_resume(actor=user, complaint=access_complaint_by_id(user, complaint_id))
    return access_complaint_by_id(user, complaint_id)


@router.post("/{complaint_id}/close", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_close(request: HttpRequest, complaint_id: int, payload: CloseIn) -> Any:
    user = _user(request)
    lifecycle.complaint_close(
        actor=user, complaint=access_complaint_by_id(user, complaint_id), summary=payload.summary
    )
    return access_complaint_by_id(user, complaint_id)


@router.post("/{complaint_id}/reopen", response={200: ComplaintOut, **ERROR_RESPONSES})
def complaint_reopen(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> Any:
    user = _user(request)
    lifecycle.complaint_reopen(
        actor=user, complaint=access_complaint_by_id(user, complaint_id), reason=payload.reason
    )
    return access_complaint_by_id(user, complaint_id)


# --- comments ----------------------------------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    author_id: int | None
    text: str
    created_at: dt.datetime


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=10_000)


@router.get("/{complaint_id}/comments", response={200: list[CommentOut], **ERROR_RESPONSES})
def comment_index(request: HttpRequest, complaint_id: int) -> Any:
    return list(access_complaint_by_id(_user(request), complaint_id).comments.order_by("created_at", "id"))


@router.post("/{complaint_id}/comments", response={201: CommentOut, **ERROR_RESPONSES})
def comment_create(request: HttpRequest, complaint_id: int, payload: CommentIn) -> tuple[int, Any]:
    """Anyone who sees the case may comment, the seller too."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    return 201, collaboration.complaint_comment_add(actor=user, complaint=complaint, text=payload.text)


# --- attachments -------------------------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    uploaded_by_id: int | None
    created_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return f"/api/v1/complaints/{obj.complaint_id}/attachments/{obj.pk}/content"


@router.get("/{complaint_id}/attachments", response={200: list[AttachmentOut], **ERROR_RESPONSES})
def attachment_index(request: HttpRequest, complaint_id: int) -> Any:
    return list(access_complaint_by_id(_user(request), complaint_id).attachments.order_by("created_at", "id"))


@router.post("/{complaint_id}/attachments", response={201: AttachmentOut, **ERROR_RESPONSES})
def attachment_create(request: HttpRequest, complaint_id: int, file: File[UploadedFile]) -> tuple[int, Any]:
    """A photo (JPEG, PNG) or PDF; the content is checked, whatever the file is called. At most 10 MB."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    return 201, collaboration.complaint_attachment_add(actor=user, complaint=complaint, upload=file)


@router.get("/{complaint_id}/attachments/{attachment_id}/content", response={200: None, **ERROR_RESPONSES})
def attachment_content(request: HttpRequest, complaint_id: int, attachment_id: int) -> Any:
    from handschlag.complaints.views import attachment_response

    return attachment_response(access_attachment_by_id(_user(request), complaint_id, attachment_id))


# --- watchers ----------------------------------------------------------------------------------------------------


class WatcherOut(Schema):
    user_id: int
    name: str
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user)


class WatcherIn(Schema):
    user_id: Id


@router.get("/{complaint_id}/watchers", response={200: list[WatcherOut], **ERROR_RESPONSES})
def watcher_index(request: HttpRequest, complaint_id: int) -> Any:
    """Who is kept informed: the account's seller (reason `seller`), the reporter, and anyone added."""
    complaint = access_complaint_by_id(_user(request), complaint_id)
    return list(complaint.watchers.select_related("user").order_by("created_at", "id"))


@router.post("/{complaint_id}/watchers", response={201: WatcherOut, **ERROR_RESPONSES})
def watcher_create(request: HttpRequest, complaint_id: int, payload: WatcherIn) -> tuple[int, Any]:
    """Keep a colleague informed (the owner's side and management). 409 if he watches already."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    watcher_user = User.objects.filter(pk=payload.user_id).first()
    if watcher_user is None:
        raise InvalidInput.for_field("user_id", _("No such user."))
    watcher = collaboration.complaint_watcher_add(actor=user, complaint=complaint, user=watcher_user)
    return 201, watcher


@router.delete("/{complaint_id}/watchers/{user_id}", response={204: None, **ERROR_RESPONSES})
def watcher_delete(request: HttpRequest, complaint_id: int, user_id: int) -> tuple[int, None]:
    """Stop informing a watcher (the owner's side and management). The account's seller stays (409)."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    watcher_user = User.objects.filter(pk=user_id).first()
    if watcher_user is None:
        raise NotFound
    collaboration.complaint_watcher_remove(actor=user, complaint=complaint, user=watcher_user)
    return 204, None


# --- 8D steps ----------------------------------------------------------------------------------------------------


class StepOut(Schema):
    step: EightDStep
    owner_id: int | None
    due_date: dt.date | None
    done_at: dt.datetime | None
    notes: str
    out_of_order_reason: str = Field(
        description="why it was done before an earlier step; empty when in order"
    )


@router.get("/{complaint_id}/steps", response={200: list[StepOut], **ERROR_RESPONSES})
def step_index(request: HttpRequest, complaint_id: int) -> Any:
    complaint = access_complaint_by_id(_user(request), complaint_id)
    return list(ComplaintStep.objects.filter(complaint=complaint).order_by("step"))


@router.patch("/{complaint_id}/steps/{step}", response={200: StepOut, **ERROR_RESPONSES})
def step_update(request: HttpRequest, complaint_id: int, step: EightDStep, payload: StepPatch) -> Any:
    """Owner, due date, notes, done of one 8D step. D3 done contains the case (stops the containment clock).
    Done before an earlier step (D3 excepted) needs a `reason`, kept on the step and in the audit log."""
    user = _user(request)
    complaint = access_complaint_by_id(user, complaint_id)
    return steps.complaint_step_update(actor=user, complaint=complaint, step=step, patch=payload)


# --- routing rules -----------------------------------------------------------------------------------------------


class RoutingRuleOut(Schema):
    id: int
    category: ComplaintCategory
    product_line: str
    plant: str
    department_id: int
    process_owner_id: int | None
    priority: int
    is_active: bool


@rules_router.get("", response={200: list[RoutingRuleOut], **ERROR_RESPONSES})
@paginate(Page)
def routing_rule_index(request: HttpRequest) -> Any:
    check_configuration_allowed(_user(request), Capability.ROUTING_RULES_MANAGE)
    return routing_rule_list()


@rules_router.post("", response={201: RoutingRuleOut, **ERROR_RESPONSES})
def routing_rule_create(request: HttpRequest, payload: RoutingRuleInput) -> tuple[int, Any]:
    """Category (and optionally product line and plant) → department → process owner (empty: the head)."""
    user = _user(request)
    return 201, configuration.routing_rule_create(actor=user, data=payload)


@rules_router.get("/{rule_id}", response={200: RoutingRuleOut, **ERROR_RESPONSES})
def routing_rule_read(request: HttpRequest, rule_id: int) -> Any:
    return access_routing_rule_by_id(_user(request), rule_id)


@rules_router.patch("/{rule_id}", response={200: RoutingRuleOut, **ERROR_RESPONSES})
def routing_rule_update(request: HttpRequest, rule_id: int, payload: RoutingRulePatch) -> Any:
    user = _user(request)
    rule = access_routing_rule_by_id(user, rule_id)
    return configuration.routing_rule_update(actor=user, rule=rule, patch=payload)


@rules_router.delete("/{rule_id}", response={204: None, **ERROR_RESPONSES})
def routing_rule_delete(request: HttpRequest, rule_id: int) -> tuple[int, None]:
    user = _user(request)
    configuration.routing_rule_delete(actor=user, rule=access_routing_rule_by_id(user, rule_id))
    return 204, None


# --- SLA policies ------------------------------------------------------------------------------------------------


class SlaPolicyOut(Schema):
    severity: Severity
    first_response_hours: int
    containment_hours: int
    resolution_hours: int
    escalation_step_hours: int
    is_default: bool


@sla_router.get("", response={200: list[SlaPolicyOut], **ERROR_RESPONSES})
def sla_policy_index(request: HttpRequest) -> Any:
    """Per severity (most urgent first) the targets in business hours: first response, containment (D3),
    resolution, and the escalation step; `is_default` when no administrator has changed them."""
    check_configuration_allowed(_user(request), Capability.SLA_POLICIES_MANAGE)
    return sla_policy_list()


@sla_router.get("/{severity}", response={200: SlaPolicyOut, **ERROR_RESPONSES})
def sla_policy_read(request: HttpRequest, severity: Severity) -> Any:
    check_configuration_allowed(_user(request), Capability.SLA_POLICIES_MANAGE)
    return sla_policy_get(severity)


@sla_router.put("/{severity}", response={200: SlaPolicyOut, **ERROR_RESPONSES})
def sla_policy_update(request: HttpRequest, severity: Severity, payload: SlaPolicyInput) -> Any:
    """Set all four targets. First response ≤ containment ≤ resolution. Applies to cases recorded from now on;
    the change is in the audit log."""
    configuration.sla_policy_set(actor=_user(request), severity=severity, data=payload)
    return sla_policy_get(severity)
