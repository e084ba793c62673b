"""Reads of the concession ledger: lists, the approver's queue, the account's history an approver sees before he
decides, and the figures of DESIGN §3.8 (in `concessions.analytics`, built on `rates_by_quarter` here).

Figures (DESIGN §3.8): concession rate = concession value ÷ list value, where the list value is that of the
business the entries apply to (entries on the same order count its list value once); discount depth = on-invoice
discounts ÷ list value (1 - net ÷ list); give-get coverage = share of the concession value with a recorded return;
get-fulfilment rate = delivered ÷ (delivered + overdue + failed) returns; discount creep = the least-squares slope of
the concession rate over the last four quarters (percentage points per quarter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from handschlag.accounts.selectors import account_open_order_value, open_orders_of
from handschlag.complaints.selectors import AccountComplaints, account_complaints
from handschlag.concessions.access import (
    active_delegators,
    approval_limits,
    concessions_visible_to,
    deciding_authority,
)
from handschlag.concessions.enums import ApprovalStatus, ConcessionReason, GetKind, GetStatus
from handschlag.concessions.models import Concession, ConcessionSettings
from handschlag.concessions.periods import Quarter, last_quarters, slope, years_between
from handschlag.core.models import User

if TYPE_CHECKING:
    from handschlag.accounts.models import Account

HUNDRED = Decimal("100")


def concession_settings_get() -> ConcessionSettings:
    settings, _created = ConcessionSettings.objects.get_or_create(pk=1)
    return settings


@dataclass(frozen=True)
class ConcessionFilters:
    account_id: int | None = None
    approval_status: str = ""
    get_status: str = ""
    kind: str = ""
    reason: str = ""
    without_return: bool = False
    ordering: str = "-granted"


CONCESSION_ORDERINGS = {
    "granted": ("granted_on", "id"),
    "-granted": ("-granted_on", "-id"),
    "value": ("value", "id"),
    "-value": ("-value", "-id"),
    "account": ("account__name", "-granted_on", "-id"),
    "-account": ("-account__name", "-granted_on", "-id"),
}


def concession_list(
    *, user: User | AnonymousUser, filters: ConcessionFilters, today: dt.date | None = None
) -> QuerySet[Concession]:
    today = today or timezone.localdate()
    entries = concessions_visible_to(user).select_related("account", "recorded_by", "order")
    if filters.account_id is not None:
        entries = entries.filter(account_id=filters.account_id)
    if filters.approval_status:
        entries = entries.filter(approval_status=filters.approval_status)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.reason:
        entries = entries.filter(reason=filters.reason)
    if filters.without_return:
        entries = entries.filter(get_kind=GetKind.NOTHING)
    status = filters.get_status
    if status == GetStatus.OVERDUE:
        entries = entries.filter(get_status=GetStatus.PENDING, get_due_on__lt=today).exclude(
            get_kind=GetKind.NOTHING
        )
    elif status == GetStatus.PENDING:
        entries = entries.filter(get_status=GetStatus.PENDING).exclude(get_kind=GetKind.NOTHING)
        entries = entries.filter(Q(get_due_on__isnull=True) | Q(get_due_on__gte=today))
    elif status == GetStatus.NONE:
        entries = entries.filter(get_kind=GetKind.NOTHING)
    elif status:
        entries = entries.filter(get_status=status).exclude(get_kind=GetKind.NOTHING)
    return entries.order_by(*CONCESSION_ORDERINGS.get(filters.ordering, CONCESSION_ORDERINGS["-granted"]))


def approvals_waiting(*, user: User | AnonymousUser) -> list[Concession]:
    """The waiting entries this user may decide (with his own limit or a delegator's), oldest first."""
    limits = approval_limits()
    delegators = active_delegators(user)
    waiting = (
        concessions_visible_to(user)
        .filter(approval_status=ApprovalStatus.PENDING)
        .select_related("account", "recorded_by", "changed_by")
        .order_by("created_at", "id")
    )
    return [entry for entry in waiting if deciding_authority(user, entry, limits, delegators) is not None]


def approvals_waiting_count(*, user: User | AnonymousUser) -> int:
    return len(approvals_waiting(user=user))


# --- rates per quarter -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the figures need of one entry (loaded with values_list, so figures cost one query)."""

    pk: int
    account_id: int
    granted_on: dt.date
    value: Decimal
    list_value: Decimal
    order_id: int | None
    on_invoice: bool
    has_return: bool
    get_status: str  # on the day of the figures (overdue computed)
    reason: str
    seller_id: int | None
    kind: str

    @property
    def deal(self) -> tuple[str, int]:
        return ("order", self.order_id) if self.order_id is not None else ("entry", self.pk)


def list_value_of(entries: Iterable[Entry]) -> Decimal:
    """The list value of the business the entries apply to: each order once."""
    deals: dict[tuple[str, int], Decimal] = {}
    for entry in entries:
        deals[entry.deal] = max(deals.get(entry.deal, Decimal("0")), entry.list_value)
    return sum(deals.values(), Decimal("0"))


def percent(part: Decimal, whole: Decimal) -> float | None:
    if not whole:
        return None
    return float((part / whole * HUNDRED).quantize(Decimal("0.01")))


@dataclass(frozen=True)
class QuarterRate:
    quarter: Quarter
    entries: int
    value: Decimal
    list_value: Decimal
    rate: float | None  # percent

    @property
    def label(self) -> str:
        return self.quarter.label


def rates_by_quarter(entries: list[Entry], quarters: list[Quarter]) -> list[QuarterRate]:
    rates = []
    for quarter in quarters:
        inside = [entry for entry in entries if quarter.contains(entry.granted_on)]
        value = sum((entry.value for entry in inside), Decimal("0"))
        listed = list_value_of(inside)
        rates.append(QuarterRate(quarter, len(inside), value, listed, percent(value, listed)))
    return rates


def creep_of(rates: list[QuarterRate]) -> float | None:
    """Percentage points per quarter; quarters without any concession are left out."""
    points = [(float(index), rate.rate) for index, rate in enumerate(rates) if rate.rate is not None]
    result = slope(points)
    return None if result is None else round(result, 2)


def entries_of(concessions: QuerySet[Concession], today: dt.date) -> list[Entry]:
    rows = concessions.exclude(approval_status=ApprovalStatus.REJECTED).values_list(
        "pk",
        "account_id",
        "granted_on",
        "value",
        "list_value",
        "order_id",
        "kind",
        "get_kind",
        "get_status",
        "get_due_on",
        "reason",
        "account__owner_id",
    )
    from handschlag.concessions.enums import ON_INVOICE_KINDS

    entries = []
    for (
        pk,
        account_id,
        granted_on,
        value,
        listed,
        order_id,
        kind,
        get_kind,
        status,
        due,
        reason,
        seller,
    ) in rows:
        has_return = get_kind != GetKind.NOTHING
        if not has_return:
            status = GetStatus.NONE
        elif status == GetStatus.PENDING and due is not None and due < today:
            status = GetStatus.OVERDUE
        entries.append(
            Entry(
                pk,
                account_id,
                granted_on,
                value,
                listed,
                order_id,
                kind in ON_INVOICE_KINDS,
                has_return,
                status,
                reason,
                seller,
                kind,
            )
        )
    return entries


# --- what the approver sees ---------------------------------------------------------------------------------------


@dataclass
class AccountHistory:
    account: Account
    quarters: list[QuarterRate]
    creep: float | None
    trend: str  # rising, falling, flat, unknown
    gives_without_gets: list[Concession]
    gets_not_delivered: list[Concession]
    complaints: AccountComplaints
    open_orders: list[Any]
    open_order_value: Decimal
    insights: list[Any]
    success_plan: str
    customer_years: int | None
    total_value: Decimal = Decimal("0")
    coverage: float | None = None
    threatened_to_leave: int = 0
    today: dt.date = field(default_factory=timezone.localdate)


def trend_of(creep: float | None) -> str:
    if creep is None:
        return "unknown"
    if creep > 0.25:
        return "rising"
    if creep < -0.25:
        return "falling"
    return "flat"


@dataclass
class AccountRates:
    """The concession rate part of AccountHistory: what the account page's concessions section shows."""

    quarters: list[QuarterRate]
    creep: float | None
    trend: str
    total_value: Decimal
    coverage: float | None
    threatened_to_leave: int
    today: dt.date


def account_rates(
    *, user: User | AnonymousUser, account: Account, today: dt.date | None = None
) -> AccountRates:
    """The account's concession rate over the last four quarters, its trend and how much of it got something back
    (one query; without the complaints, orders and insights account_history adds, which the account page shows in
    its own sections)."""
    today = today or timezone.localdate()
    entries = entries_of(concessions_visible_to(user).filter(account_id=account.pk), today)
    rates = rates_by_quarter(entries, last_quarters(today, 4))
    creep = creep_of(rates)
    total = sum((entry.value for entry in entries), Decimal("0"))
    covered = sum((entry.value for entry in entries if entry.has_return), Decimal("0"))
    return AccountRates(
        quarters=rates,
        creep=creep,
        trend=trend_of(creep),
        total_value=total,
        coverage=percent(covered, total),
        threatened_to_leave=sum(
            1 for entry in entries if entry.reason == ConcessionReason.THREATENED_TO_LEAVE
        ),
        today=today,
    )


def account_history(
    *, user: User | AnonymousUser, account: Account, today: dt.date | None = None
) -> AccountHistory:
    """The account as an approver needs it before deciding: its concession rate over the last four quarters and the
    trend, gives without gets, returns not delivered, complaints (through the complaints selectors, as far as the
    user may see them), open orders, and the customer's goals, risks and constraints with our success plan."""
    rates = account_rates(user=user, account=account, today=today)
    today = rates.today
    counted = (
        concessions_visible_to(user)
        .filter(account_id=account.pk)
        .exclude(approval_status=ApprovalStatus.REJECTED)
        .select_related("recorded_by")
    )
    gives_without = list(counted.filter(get_kind=GetKind.NOTHING).order_by("-granted_on", "-id")[:20])
    not_delivered = [
        entry
        for entry in counted.exclude(get_kind=GetKind.NOTHING)
        .exclude(get_status=GetStatus.DELIVERED)
        .order_by("get_due_on", "id")[:50]
        if entry.get_status_on(today) in {GetStatus.OVERDUE, GetStatus.FAILED, GetStatus.PENDING}
    ]
    return AccountHistory(
        account=account,
        quarters=rates.quarters,
        creep=rates.creep,
        trend=rates.trend,
        gives_without_gets=gives_without,
        gets_not_delivered=not_delivered,
        complaints=account_complaints(user=user, account_id=account.pk),
        open_orders=list(open_orders_of(account)),
        open_order_value=account_open_order_value(account),
        insights=list(account.insights.all()),
        success_plan=account.success_plan,
        customer_years=years_between(account.customer_since, today) if account.customer_since else None,
        total_value=rates.total_value,
        coverage=rates.coverage,
        threatened_to_leave=rates.threatened_to_leave,
        today=today,
    )
