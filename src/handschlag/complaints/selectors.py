"""Reads of complaints: lists for each queue, the case page, the management view and the figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.accounts.enums import OPEN_ORDER_STATUSES
from handschlag.accounts.models import Order
from handschlag.accounts.selectors import account_open_order_value
from handschlag.complaints import sla
from handschlag.complaints.access import complaints_visible_to
from handschlag.complaints.enums import SEVERITY_RANK, ComplaintStatus, SlaClock
from handschlag.complaints.models import (
    Complaint,
    ComplaintStep,
    ComplaintWatcher,
    RoutingRule,
    SlaPolicy,
)
from handschlag.core.models import User


def repeat_window_days() -> int:
    """`HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS` (settings.py, from the environment), read at call time."""
    return int(settings.HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS)


def sla_targets_for(severity: str) -> sla.SlaTargets:
    policy = SlaPolicy.objects.filter(severity=severity).first()
    if policy is None:
        return sla.DEFAULT_TARGETS[severity]
    return sla.targets(
        policy.first_response_hours,
        policy.containment_hours,
        policy.resolution_hours,
        policy.escalation_step_hours,
    )


def routing_rule_match(*, category: str, product_line: str = "", plant: str = "") -> RoutingRule | None:
    """The most specific active rule for the case, or None (the case then goes to management triage)."""
    candidates = (
        RoutingRule.objects.filter(is_active=True, category=category, department__is_active=True)
        .filter(Q(product_line="") | Q(product_line__iexact=product_line.strip()))
        .filter(Q(plant="") | Q(plant__iexact=plant.strip()))
        .select_related("department", "department__head", "process_owner")
    )
    ranked = sorted(
        candidates,
        key=lambda rule: (-(bool(rule.product_line) + bool(rule.plant)), rule.priority, rule.pk),
    )
    return ranked[0] if ranked else None


def routing_rule_list() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("department", "department__head", "process_owner").order_by(
        "category", "priority", "product_line", "plant", "id"
    )


# --- lists ------------------------------------------------------------------------------------------------------

QUEUES = ("mine", "department", "watching", "triage", "all")
COMPLAINT_ORDERINGS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "severity": ("severity_rank", "-created_at"),
    "-severity": ("-severity_rank", "-created_at"),
    "due": ("resolution_due", "id"),
    "-due": ("-resolution_due", "-id"),
    "risk": ("revenue_at_risk", "id"),
    "-risk": ("-revenue_at_risk", "-id"),
}


@dataclass(frozen=True)
class ComplaintFilters:
    queue: str = ""
    status: str = ""
    severity: str = ""
    category: str = ""
    account_id: int | None = None
    department_id: int | None = None
    threat: bool | None = None
    repeat: bool | None = None
    open_only: bool = False
    search: str = ""
    ordering: str = "-created"


def _with_severity_rank(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Adds `severity_rank` (1 low … 4 critical) for sorting by severity."""
    annotated: QuerySet[Complaint] = complaints.annotate(
        severity_rank=Case(
            *[When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()],
            output_field=IntegerField(),
        )
    )
    return annotated


def complaint_list(*, user: User | AnonymousUser, filters: ComplaintFilters) -> QuerySet[Complaint]:
    """The cases the user may see, filtered and sorted; the query count does not grow with the rows."""
    complaints = complaints_visible_to(user).select_related("account", "owner", "department")
    if filters.queue == "mine":
        complaints = complaints.filter(owner_id=user.pk)
    elif filters.queue == "department":
        department_id = getattr(user, "department_id", None)
        complaints = complaints.filter(department_id=department_id) if department_id else complaints.none()
    elif filters.queue == "watching":
        complaints = complaints.filter(
            Exists(ComplaintWatcher.objects.filter(complaint=OuterRef("pk"), user_id=user.pk or 0))
        )
    elif filters.queue == "triage":
        complaints = complaints.filter(in_triage=True)
    if filters.status:
        complaints = complaints.filter(status=filters.status)
    if filters.open_only:
        complaints = complaints.exclude(status=ComplaintStatus.CLOSED)
    if filters.severity:
        complaints = complaints.filter(severity=filters.severity)
    if filters.category:
        complaints = complaints.filter(category=filters.category)
    if filters.account_id is not None:
        complaints = complaints.filter(account_id=filters.account_id)
    if filters.department_id is not None:
        complaints = complaints.filter(department_id=filters.department_id)
    if filters.threat is not None:
        complaints = complaints.filter(cancellation_threat=filters.threat)
    if filters.repeat is not None:
        complaints = complaints.filter(is_repeat=filters.repeat)
    search = filters.search.strip()
    if search:
        query = Q(title__icontains=search) | Q(account__name__icontains=search) | Q(product__icontains=search)
        if search.lstrip("#").isdigit():
            query |= Q(pk=int(search.lstrip("#")))
        complaints = complaints.filter(query)
    ordering: tuple[str, ...] = COMPLAINT_ORDERINGS.get(filters.ordering, COMPLAINT_ORDERINGS["-created"])
    return _with_severity_rank(complaints).order_by(*ordering)


def complaint_management_list(*, user: User | AnonymousUser) -> QuerySet[Complaint]:
    """Open cases for management: cancellation threats first (nearest deadline, then most revenue), then the
    escalated ones, then the rest by severity."""
    complaints: QuerySet[Complaint] = _with_severity_rank(complaints_visible_to(user))
    return (
        complaints.exclude(status=ComplaintStatus.CLOSED)
        .select_related("account", "account__owner", "owner", "department")
        .order_by(
            F("cancellation_threat").desc(),
            F("cancellation_deadline").asc(nulls_last=True),
            "-revenue_at_risk",
            "-escalation_level",
            F("severity_rank").desc(),
            "created_at",
        )
    )


# --- the case page -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    clock: str
    label: str
    due: dt.datetime
    met_at: dt.datetime | None
    state: str


def complaint_clocks(complaint: Complaint, *, now: dt.datetime | None = None) -> list[ClockView]:
    now = now or timezone.now()
    paused = complaint.is_paused
    rows = [
        (SlaClock.FIRST_RESPONSE, complaint.first_response_due, complaint.first_response_at),
        (SlaClock.CONTAINMENT, complaint.containment_due, complaint.contained_at),
        (SlaClock.RESOLUTION, complaint.resolution_due, complaint.closed_at),
    ]
    return [
        ClockView(
            clock=clock.value,
            label=str(clock.label),
            due=due,
            met_at=met_at,
            state=sla.clock_state(due=due, met_at=met_at, now=now, paused=paused),
        )
        for clock, due, met_at in rows
    ]


def complaint_referenced_order_value(complaint: Complaint) -> Decimal:
    total = complaint.orders.aggregate(total=Sum("value"))["total"]
    return total or Decimal("0.00")


@dataclass(frozen=True)
class RepeatComparison:
    previous: Complaint
    severity_change: str  # worse / same / better
    previous_value: Decimal
    value: Decimal
    value_change: str


def _change(now_value: float | Decimal, before: float | Decimal) -> str:
    if now_value > before:
        return "worse"
    if now_value < before:
        return "better"
    return "same"


def complaint_case_value(complaint: Complaint) -> Decimal:
    """What the case is worth to us: the revenue at risk, else the value of the orders it concerns."""
    if complaint.revenue_at_risk:
        return complaint.revenue_at_risk
    return complaint_referenced_order_value(complaint)


def complaint_repeat_comparison(complaint: Complaint) -> RepeatComparison | None:
    previous = complaint.repeat_of
    if previous is None:
        return None
    value, previous_value = complaint_case_value(complaint), complaint_case_value(previous)
    return RepeatComparison(
        previous=previous,
        severity_change=_change(SEVERITY_RANK[complaint.severity], SEVERITY_RANK[previous.severity]),  # type: ignore[index]
        previous_value=previous_value,
        value=value,
        value_change=_change(value, previous_value),
    )


def complaint_detail(*, complaint: Complaint) -> dict[str, Any]:
    return {
        "complaint": complaint,
        "clocks": complaint_clocks(complaint),
        "steps": list(
            ComplaintStep.objects.filter(complaint=complaint).select_related("owner").order_by("step")
        ),
        "comments": list(complaint.comments.select_related("author").order_by("created_at", "id")),
        "attachments": list(complaint.attachments.order_by("created_at", "id")),
        "watchers": list(complaint.watchers.select_related("user").order_by("created_at")),
        "pauses": list(complaint.pauses.select_related("started_by", "ended_by").order_by("started_at")),
        "escalations": list(complaint.escalations.prefetch_related("recipients").order_by("fired_at", "id")),
        "orders": list(complaint.orders.order_by("number")),
        "earlier_cases": list(complaint.earlier_cases.order_by("-created_at")),
        "comparison": complaint_repeat_comparison(complaint),
        "open_order_value": account_open_order_value(complaint.account),
    }


# --- figures -----------------------------------------------------------------------------------------------------


@dataclass
class ComplaintFigures:
    start: dt.date
    end: dt.date
    cases: int = 0
    open_cases: int = 0
    first_response_hours_mean: float | None = None
    first_response_hours_median: float | None = None
    resolution_hours_mean: float | None = None
    resolution_hours_median: float | None = None
    paused_hours_mean: float | None = None
    sla_compliance: dict[str, dict[str, Any]] = field(default_factory=dict)
    escalation_rate: float | None = None
    reopen_rate: float | None = None
    repeat_rate: float | None = None
    revenue_at_risk: Decimal = Decimal("0.00")
    threatened_accounts: int = 0
    open_by_department: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)


def _hours(seconds: list[int]) -> tuple[float | None, float | None]:
    if not seconds:
        return None, None
    return round(statistics.fmean(seconds) / 3600, 1), round(statistics.median(seconds) / 3600, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def complaint_figures(
    *, user: User | AnonymousUser, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> ComplaintFigures:
    """The figures of DESIGN §3.8 over the cases created in [start, end] that the user may see."""
    now = now or timezone.now()
    visible = complaints_visible_to(user)
    cases = visible.filter(created_at__date__gte=start, created_at__date__lte=end)
    figures = ComplaintFigures(start=start, end=end)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in cases.values(
            "status",
            "first_response_seconds",
            "resolution_seconds",
            "paused_seconds",
            "paused_since",
            "first_response_due",
            "first_response_at",
            "containment_due",
            "contained_at",
            "resolution_due",
            "closed_at",
            "escalation_level",
            "reopen_count",
            "is_repeat",
        )
    ]
    figures.cases = len(rows)
    figures.open_cases = sum(1 for row in rows if row["status"] != ComplaintStatus.CLOSED)
    figures.first_response_hours_mean, figures.first_response_hours_median = _hours(
        [row["first_response_seconds"] for row in rows if row["first_response_seconds"] is not None]
    )
    closed = [row for row in rows if row["resolution_seconds"] is not None]
    figures.resolution_hours_mean, figures.resolution_hours_median = _hours(
        [row["resolution_seconds"] for row in closed]
    )
    figures.paused_hours_mean = _hours([row["paused_seconds"] for row in closed])[0]
    for clock, due_key, met_key in (
        (SlaClock.FIRST_RESPONSE, "first_response_due", "first_response_at"),
        (SlaClock.CONTAINMENT, "containment_due", "contained_at"),
        (SlaClock.RESOLUTION, "resolution_due", "closed_at"),
    ):
        states = [
            sla.clock_state(
                due=row[due_key], met_at=row[met_key], now=now, paused=row["paused_since"] is not None
            )
            for row in rows
        ]
        met = states.count("met")
        missed = states.count("missed") + states.count("overdue")
        figures.sla_compliance[clock.value] = {
            "label": str(clock.label),
            "met": met,
            "missed": missed,
            "running": states.count("running") + states.count("paused"),
            "rate": _rate(met, met + missed),
        }
    figures.escalation_rate = _rate(sum(1 for row in rows if row["escalation_level"]), len(rows))
    figures.reopen_rate = _rate(sum(1 for row in rows if row["reopen_count"]), len(rows))
    figures.repeat_rate = _rate(sum(1 for row in rows if row["is_repeat"]), len(rows))

    threatened_accounts = (
        visible.exclude(status=ComplaintStatus.CLOSED).filter(cancellation_threat=True).values("account_id")
    )
    figures.threatened_accounts = threatened_accounts.distinct().count()
    figures.revenue_at_risk = Order.objects.filter(
        account_id__in=threatened_accounts, status__in=OPEN_ORDER_STATUSES
    ).aggregate(total=Sum("value"))["total"] or Decimal("0.00")

    open_cases = visible.exclude(status=ComplaintStatus.CLOSED)
    by_department = open_cases.values("department__name").annotate(count=Count("id")).order_by("-count")
    figures.open_by_department = [
        (row["department__name"] or _("Management triage"), row["count"]) for row in by_department
    ]
    from handschlag.complaints.enums import ComplaintCategory

    labels = dict(ComplaintCategory.choices)
    by_category = cases.values("category").annotate(count=Count("id")).order_by("-count", "category")
    figures.by_category = [
        (str(labels.get(row["category"], row["category"])), row["count"]) for row in by_category
    ]
    return figures
