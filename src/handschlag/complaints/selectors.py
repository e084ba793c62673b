"""Reads of complaints: lists for each queue, the case page, the management view and the figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.accounts.selectors import (
    AccountFilters,
    account_list,
    account_open_order_value,
    open_order_value_total,
)
from handschlag.complaints import sla
from handschlag.complaints.access import complaints_visible_to
from handschlag.complaints.enums import (
    SEVERITY_RANK,
    ComplaintCategory,
    ComplaintStatus,
    EightDStep,
    Severity,
    SlaClock,
)
from handschlag.complaints.models import (
    Complaint,
    ComplaintStep,
    ComplaintWatcher,
    RoutingRule,
    SlaPolicy,
)
from handschlag.core.enums import Role
from handschlag.core.figures import day_range
from handschlag.core.models import User
from handschlag.core.request_parameters import parse_id

if TYPE_CHECKING:
    from handschlag.accounts.models import Account


def repeat_window_days() -> int:
    """`HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS` (settings.py, from the environment), read at call time."""
    return int(settings.HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS)


def deadline_lead() -> dt.timedelta:
    """`HANDSCHLAG_COMPLAINT_DEADLINE_LEAD_HOURS` (settings.py, from the environment), read at call time: how many
    business hours before a customer's cancellation deadline owner and management are alerted."""
    return dt.timedelta(hours=int(settings.HANDSCHLAG_COMPLAINT_DEADLINE_LEAD_HOURS))


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


SEVERITIES_BY_URGENCY = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


@dataclass(frozen=True)
class SlaPolicyView:
    """The targets in force for one severity, in business hours; `is_default` when no row overrides them."""

    severity: str
    label: str
    first_response_hours: int
    containment_hours: int
    resolution_hours: int
    escalation_step_hours: int
    is_default: bool


def _hours_of(value: dt.timedelta) -> int:
    return int(value.total_seconds() // 3600)


def sla_policy_get(severity: str) -> SlaPolicyView:
    policy = SlaPolicy.objects.filter(severity=severity).first()
    return _policy_view(severity, policy)


def _policy_view(severity: str, policy: SlaPolicy | None) -> SlaPolicyView:
    label = str(Severity(severity).label)
    if policy is not None:
        return SlaPolicyView(
            severity=severity,
            label=label,
            first_response_hours=policy.first_response_hours,
            containment_hours=policy.containment_hours,
            resolution_hours=policy.resolution_hours,
            escalation_step_hours=policy.escalation_step_hours,
            is_default=False,
        )
    default = sla.DEFAULT_TARGETS[severity]
    return SlaPolicyView(
        severity=severity,
        label=label,
        first_response_hours=_hours_of(default.first_response),
        containment_hours=_hours_of(default.containment),
        resolution_hours=_hours_of(default.resolution),
        escalation_step_hours=_hours_of(default.escalation_step),
        is_default=True,
    )


def sla_policy_list() -> list[SlaPolicyView]:
    """Every severity, most urgent first, with the targets in force (stored row, else the default); one query."""
    policies = {policy.severity: policy for policy in SlaPolicy.objects.all()}
    return [_policy_view(severity, policies.get(severity)) for severity in SEVERITIES_BY_URGENCY]


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


# --- choosing the account of a new case -------------------------------------------------------------------------

ACCOUNT_MATCH_LIMIT = 20


@dataclass(frozen=True)
class AccountMatches:
    query: str
    accounts: list[Account]
    truncated: bool  # more than `ACCOUNT_MATCH_LIMIT` matched: the user should type more


def complaint_account_matches(*, user: User, query: str, limit: int = ACCOUNT_MATCH_LIMIT) -> AccountMatches:
    """Accounts the user may see that match the search (name, CRM id, postal code, VAT id), his own first;
    without a search his own accounts. One query, whatever the number of accounts."""
    query = query.strip()[:200]
    if query:
        accounts = account_list(user=user, filters=AccountFilters(search=query))
    else:
        accounts = account_list(user=user, filters=AccountFilters(owner_id=user.pk))
    own_first = Case(When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = list(accounts.order_by(own_first, "name", "id")[: limit + 1])
    return AccountMatches(query=query, accounts=rows[:limit], truncated=len(rows) > limit)


def complaint_account_choices(*, user: User) -> QuerySet[Account]:
    """Every account the user may record a complaint on (what the form validates against)."""
    return account_list(user=user, filters=AccountFilters())


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
    "account": ("account__name", "-created_at", "-id"),
    "-account": ("-account__name", "-created_at", "-id"),
    "status": ("status", "-created_at", "-id"),
    "-status": ("-status", "-created_at", "-id"),
    "department": ("department__name", "-created_at", "-id"),
    "-department": ("-department__name", "-created_at", "-id"),
    "owner": ("owner__last_name", "owner__first_name", "-created_at", "-id"),
    "-owner": ("-owner__last_name", "-owner__first_name", "-created_at", "-id"),
}
COMPLAINT_SORT_KEYS = tuple(key for key in COMPLAINT_ORDERINGS if not key.startswith("-"))


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
        number = parse_id(search.lstrip("#"))  # "²" passes str.isdigit() but is no case number
        if number is not None:
            query |= Q(pk=number)
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
    due: dt.datetime  # when it counts: for the first response the earlier of the SLA and the deadline's alert
    met_at: dt.datetime | None
    state: str
    sla_due: dt.datetime | None = None  # the SLA's own deadline (none for the customer's deadline)
    alert_at: dt.datetime | None = None  # the customer's deadline: when owner and management are alerted

    @property
    def set_by_deadline(self) -> bool:
        """The first response is due earlier than the SLA says, because of the customer's deadline."""
        return self.sla_due is not None and self.due < self.sla_due


def complaint_clocks(complaint: Complaint, *, now: dt.datetime | None = None) -> list[ClockView]:
    """The SLA clocks, the first response due by the earlier of the SLA and the alert ahead of the customer's
    cancellation deadline, and that deadline itself as a clock (met by the first response; it runs through
    pauses: the customer does not wait). No query."""
    now = now or timezone.now()
    paused = complaint.is_paused
    first_response_due = sla.first_response_effective_due(
        complaint.first_response_due, complaint.deadline_alert_at if complaint.cancellation_threat else None
    )
    rows = [
        (
            SlaClock.FIRST_RESPONSE,
            first_response_due,
            complaint.first_response_at,
            complaint.first_response_due,
        ),
        (SlaClock.CONTAINMENT, complaint.containment_due, complaint.contained_at, complaint.containment_due),
        (SlaClock.RESOLUTION, complaint.resolution_due, complaint.closed_at, complaint.resolution_due),
    ]
    clocks = [
        ClockView(
            clock=clock.value,
            label=str(clock.label),
            due=due,
            met_at=met_at,
            state=sla.clock_state(due=due, met_at=met_at, now=now, paused=paused),
            sla_due=sla_due,
        )
        for clock, due, met_at, sla_due in rows
    ]
    deadline = complaint.cancellation_deadline
    if complaint.cancellation_threat and deadline is not None:
        clocks.append(
            ClockView(
                clock=SlaClock.DEADLINE.value,
                label=str(SlaClock.DEADLINE.label),
                due=deadline,
                met_at=complaint.first_response_at,
                state=sla.clock_state(
                    due=deadline, met_at=complaint.first_response_at, now=now, paused=False
                ),
                alert_at=complaint.deadline_alert_at,
            )
        )
    return clocks


def complaint_referenced_order_value(complaint: Complaint) -> Decimal:
    total = complaint.orders.aggregate(total=Sum("value"))["total"]
    return total or Decimal("0.00")


@dataclass(frozen=True)
class RepeatComparison:
    """The case beside the one it repeats: severity, value, revenue at risk, and what was found (D4) and
    promised (D7) last time, so "worse than last time" can be judged and the promise held against the repeat."""

    previous: Complaint
    severity_change: str  # worse / same / better
    previous_value: Decimal
    value: Decimal
    value_change: str
    previous_root_cause: ComplaintStep | None = None
    previous_prevention: ComplaintStep | None = None
    root_cause: ComplaintStep | None = None
    prevention: ComplaintStep | None = None


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
    steps = {
        (item.complaint_id, item.step): item
        for item in ComplaintStep.objects.filter(
            complaint_id__in=[complaint.pk, previous.pk], step__in=[EightDStep.D4, EightDStep.D7]
        )
    }
    return RepeatComparison(
        previous_root_cause=steps.get((previous.pk, EightDStep.D4)),
        previous_prevention=steps.get((previous.pk, EightDStep.D7)),
        root_cause=steps.get((complaint.pk, EightDStep.D4)),
        prevention=steps.get((complaint.pk, EightDStep.D7)),
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


def step_owner_choices(complaint: Complaint) -> QuerySet[User]:
    """Who can own an 8D step: active users of our company, the case's department first (docs/adr/0201 §11)."""
    department_first = Case(
        When(department_id=complaint.department_id, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.PARTNER_USER)
        .select_related("department")
        .annotate(department_first=department_first)
        .order_by("department_first", "last_name", "first_name", "pk")
    )


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


def _hours(seconds: float | int | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(cases: QuerySet[Complaint], field_name: str, count: int) -> float | None:
    """The median of a column over `count` non-null rows, in one query: the middle row (or the middle two)."""
    if not count:
        return None
    ordered = (
        cases.filter(**{f"{field_name}__isnull": False})
        .order_by(field_name)
        .values_list(field_name, flat=True)
    )
    middle = list(ordered[(count - 1) // 2 : count // 2 + 1])
    return sum(middle) / len(middle) if middle else None


_CLOCK_FIELDS = (
    (SlaClock.FIRST_RESPONSE, "first_response_due", "first_response_at"),
    (SlaClock.CONTAINMENT, "containment_due", "contained_at"),
    (SlaClock.RESOLUTION, "resolution_due", "closed_at"),
)


def _clock_counts(now: dt.datetime) -> dict[str, Count]:
    """SQL counts of the clock states of `sla.clock_state`: met, missed (met late), overdue, and the rest
    (running or paused), per clock."""
    counts: dict[str, Count] = {}
    for clock, due, met_at in _CLOCK_FIELDS:
        stopped = Q(**{f"{met_at}__isnull": False})
        counts[f"{clock.value}_met"] = Count("id", filter=stopped & Q(**{f"{met_at}__lte": F(due)}))
        counts[f"{clock.value}_late"] = Count("id", filter=stopped & Q(**{f"{met_at}__gt": F(due)}))
        counts[f"{clock.value}_overdue"] = Count(
            "id", filter=~stopped & Q(paused_since__isnull=True) & Q(**{f"{due}__lt": now})
        )
    return counts


def complaint_figures(
    *,
    user: User | AnonymousUser,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    department_id: int | None = None,
) -> ComplaintFigures:
    """The figures of DESIGN §3.8 over the cases created in [start, end] that the user may see.

    Aggregated in the database: a fixed number of queries whatever the number of cases (the clock states of
    `sla.clock_state` as filtered counts, medians as the middle row of an ordered column).
    """
    now = now or timezone.now()
    visible = complaints_visible_to(user)
    if department_id is not None:
        visible = visible.filter(department_id=department_id)
    since, before = day_range(start, end)
    cases = visible.filter(created_at__gte=since, created_at__lt=before)
    figures = ComplaintFigures(start=start, end=end)
    totals = cases.aggregate(
        cases=Count("id"),
        open_cases=Count("id", filter=~Q(status=ComplaintStatus.CLOSED)),
        responded=Count("first_response_seconds"),
        first_response_mean=Avg("first_response_seconds"),
        closed=Count("resolution_seconds"),
        resolution_mean=Avg("resolution_seconds"),
        paused_mean=Avg("paused_seconds", filter=Q(resolution_seconds__isnull=False)),
        escalated=Count("id", filter=Q(escalation_level__gt=0)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        repeats=Count("id", filter=Q(is_repeat=True)),
        **_clock_counts(now),
    )
    figures.cases = totals["cases"]
    figures.open_cases = totals["open_cases"]
    figures.first_response_hours_mean = _hours(totals["first_response_mean"])
    figures.first_response_hours_median = _hours(
        _median(cases, "first_response_seconds", totals["responded"])
    )
    figures.resolution_hours_mean = _hours(totals["resolution_mean"])
    figures.resolution_hours_median = _hours(_median(cases, "resolution_seconds", totals["closed"]))
    figures.paused_hours_mean = _hours(totals["paused_mean"])
    for clock, _due, _met_at in _CLOCK_FIELDS:
        met = totals[f"{clock.value}_met"]
        missed = totals[f"{clock.value}_late"] + totals[f"{clock.value}_overdue"]
        figures.sla_compliance[clock.value] = {
            "label": str(clock.label),
            "met": met,
            "missed": missed,
            "running": figures.cases - met - missed,
            "rate": _rate(met, met + missed),
        }
    figures.escalation_rate = _rate(totals["escalated"], figures.cases)
    figures.reopen_rate = _rate(totals["reopened"], figures.cases)
    figures.repeat_rate = _rate(totals["repeats"], figures.cases)

    threatened_accounts = (
        visible.exclude(status=ComplaintStatus.CLOSED).filter(cancellation_threat=True).values("account_id")
    )
    figures.threatened_accounts = threatened_accounts.distinct().count()
    figures.revenue_at_risk = open_order_value_total(account_ids=threatened_accounts)

    open_cases = visible.exclude(status=ComplaintStatus.CLOSED)
    by_department = open_cases.values("department__name").annotate(count=Count("id")).order_by("-count")
    figures.open_by_department = [
        (row["department__name"] or _("Management triage"), row["count"]) for row in by_department
    ]
    labels = dict(ComplaintCategory.choices)
    by_category = cases.values("category").annotate(count=Count("id")).order_by("-count", "category")
    figures.by_category = [
        (str(labels.get(row["category"], row["category"])), row["count"]) for row in by_category
    ]
    return figures


# --- one account's complaints (the account page's section) --------------------------------------------------------

ACCOUNT_RECENT_CLOSED = 5
WORST_FIRST = ("-severity_rank", "-created_at", "-id")


@dataclass(frozen=True)
class AccountComplaints:
    """The complaints on one account the user may see: every open one (worst first) and the latest closed ones."""

    open: list[Complaint]
    recent_closed: list[Complaint]
    revenue_at_risk: Decimal  # the sum of the open cases' revenue at risk
    total: int


def account_complaints(*, user: User | AnonymousUser, account_id: int) -> AccountComplaints:
    """In three queries, whatever the number of cases."""
    visible = complaints_visible_to(user).filter(account_id=account_id)
    open_cases = visible.exclude(status=ComplaintStatus.CLOSED)
    totals = visible.aggregate(
        total=Count("id"),
        at_risk=Sum("revenue_at_risk", filter=~Q(status=ComplaintStatus.CLOSED)),
    )
    return AccountComplaints(
        open=list(_with_severity_rank(open_cases.select_related("owner")).order_by(*WORST_FIRST)),
        recent_closed=list(
            visible.filter(status=ComplaintStatus.CLOSED)
            .select_related("owner")
            .order_by("-closed_at", "-id")[:ACCOUNT_RECENT_CLOSED]
        ),
        revenue_at_risk=totals["at_risk"] or Decimal("0.00"),
        total=totals["total"],
    )
