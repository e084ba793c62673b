"""The concession figures of DESIGN §3.8 over the entries a user may see (management: all), the relationship-trap
list and the price waterfall. Each figure is computed in Python from one query of the ledger's values, so the query
count does not grow with the data.

Relationship trap (source 003): a long, friendly relationship — a customer for years, few complaints — where the
concession rate rises quarter over quarter and little comes back. An account stands on the list when all four
hold (limits in the organisation's settings); each reason is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.accounts.selectors import account_write_version
from handschlag.complaints.selectors import ComplaintFilters, complaint_list
from handschlag.concessions.access import concessions_visible_to
from handschlag.concessions.enums import ConcessionKind, ConcessionReason, GetStatus
from handschlag.concessions.models import ConcessionSettings
from handschlag.concessions.periods import Quarter, last_quarters, quarter_of, years_between
from handschlag.concessions.selectors import (
    Entry,
    QuarterRate,
    concession_settings_get,
    creep_of,
    entries_of,
    list_value_of,
    percent,
    rates_by_quarter,
)
from handschlag.core.cache_versions import write_version, write_version_bump
from handschlag.core.models import User


@dataclass
class Group:
    """Figures of a set of entries (an account, a seller, a quarter, everything)."""

    key: int | str
    label: str
    entries: int = 0
    value: Decimal = Decimal("0")
    list_value: Decimal = Decimal("0")
    on_invoice: Decimal = Decimal("0")
    covered: Decimal = Decimal("0")
    delivered: int = 0
    due: int = 0  # delivered + overdue + failed
    without_return: int = 0
    rate: float | None = None
    depth: float | None = None
    coverage: float | None = None
    fulfilment: float | None = None


def _group(key: int | str, label: str, entries: list[Entry]) -> Group:
    group = Group(key=key, label=label, entries=len(entries))
    group.value = sum((entry.value for entry in entries), Decimal("0"))
    group.list_value = list_value_of(entries)
    group.on_invoice = sum((entry.value for entry in entries if entry.on_invoice), Decimal("0"))
    group.covered = sum((entry.value for entry in entries if entry.has_return), Decimal("0"))
    group.delivered = sum(1 for entry in entries if entry.get_status == GetStatus.DELIVERED)
    group.due = sum(
        1
        for entry in entries
        if entry.get_status in {GetStatus.DELIVERED, GetStatus.OVERDUE, GetStatus.FAILED}
    )
    group.without_return = sum(1 for entry in entries if not entry.has_return)
    group.rate = percent(group.value, group.list_value)
    group.depth = percent(group.on_invoice, group.list_value)
    group.coverage = percent(group.covered, group.value)
    group.fulfilment = percent(Decimal(group.delivered), Decimal(group.due))
    return group


@dataclass
class AccountFigures(Group):
    owner: str = ""
    owner_id: int | None = None
    customer_since: dt.date | None = None
    customer_years: int | None = None
    quarters: list[QuarterRate] = field(default_factory=list)
    creep: float | None = None
    complaints_year: int = 0
    threats_year: int = 0
    threatened_to_leave: int = 0
    window_value: Decimal = Decimal("0")
    window_coverage: float | None = None  # over the last four quarters


@dataclass
class TrapEntry:
    account: AccountFigures
    reasons: list[str]


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    quarters: list[Quarter]
    total: Group
    accounts: list[AccountFigures]
    sellers: list[Group]
    by_quarter: list[Group]
    trap: list[TrapEntry]
    # how many accounts had entries (`accounts` may hold only the first ACCOUNTS_KEPT of them, by rate)
    account_count: int = 0


def _complaint_counts(
    user: User | AnonymousUser, account_ids: list[int], since: dt.date
) -> dict[int, tuple[int, int]]:
    """Complaints (and cancellation threats) per account since a day, as far as the user sees them — through the
    complaints selectors."""
    if not account_ids:
        return {}
    rows = (
        complaint_list(user=user, filters=ComplaintFilters())
        .filter(account_id__in=account_ids, created_at__date__gte=since)
        .order_by()
        .values("account_id")
        .annotate(total=Count("id"), threats=Count("id", filter=Q(cancellation_threat=True)))
    )
    return {row["account_id"]: (row["total"], row["threats"]) for row in rows}


FIGURES_CACHE_SECONDS = 300
ACCOUNTS_KEPT = 50  # the accounts with the highest rate that the kept figures hold (the page shows them)
_VERSION_KEY = "concessions:write-version"


def concessions_changed(sender: Any = None, **kwargs: Any) -> None:
    """After a write to the concessions app's models (apps.py connects it): cached figures are stale at once."""
    write_version_bump(_VERSION_KEY)


def _cache_key(name: str, user: User | AnonymousUser, *parts: object) -> str:
    """What concessions figures are kept under: the app's and the accounts' write versions, the reader (what he
    may see), the language (the texts are translated), and the arguments."""
    return f"concessions:{name}:" + ":".join(
        str(part)
        for part in (
            write_version(_VERSION_KEY),
            account_write_version(),
            user.pk,
            getattr(user, "role", ""),
            translation.get_language(),
            *parts,
        )
    )


def concession_figures(
    *,
    user: User | AnonymousUser,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
    account_ids: list[int] | None = None,
    all_accounts: bool = False,
) -> Figures:
    """Figures per account, seller and quarter for the entries granted from start to end (default: the last four
    quarters); creep and the trap list always look at the last four quarters up to `end`. `accounts` holds the
    ACCOUNTS_KEPT accounts with the highest rate (`account_count` says how many there are), all of them with
    `all_accounts` (the export and the API).

    Computed in Python from every entry of the window (seconds for a ledger of 100,000), so kept in the cache for
    FIGURES_CACHE_SECONDS per reader (what he may see), period and language: a write to a concession, the
    settings, an account or an order makes them stale at once; a new complaint reaches the trap list's counts
    within that time. With `all_accounts` they are computed afresh."""
    today = today or timezone.localdate()
    if all_accounts or not user.is_authenticated:
        return _figures_computed(user=user, start=start, end=end, today=today, account_ids=account_ids)
    key = _cache_key(
        "figures",
        user,
        start,
        end,
        today,
        ",".join(map(str, sorted(account_ids))) if account_ids is not None else "-",
    )
    found: Figures | None = cache.get(key)
    if found is None:
        found = _figures_computed(user=user, start=start, end=end, today=today, account_ids=account_ids)
        # the kept copy is small (reading back ~12,000 accounts' figures took longer than a page may)
        found.accounts = found.accounts[:ACCOUNTS_KEPT]
        cache.set(key, found, FIGURES_CACHE_SECONDS)
    return found


def _figures_computed(
    *,
    user: User | AnonymousUser,
    start: dt.date | None,
    end: dt.date | None,
    today: dt.date,
    account_ids: list[int] | None,
) -> Figures:
    end = end or today
    quarters = last_quarters(end, 4)
    start = start or quarters[0].start
    settings = concession_settings_get()
    visible = concessions_visible_to(user)
    if account_ids is not None:
        visible = visible.filter(account_id__in=account_ids)
    window_start = min(start, quarters[0].start)
    all_entries = entries_of(visible.filter(granted_on__gte=window_start, granted_on__lte=end), today)
    in_period = [entry for entry in all_entries if start <= entry.granted_on <= end]

    account_rows = {
        row[0]: row
        for row in visible.filter(granted_on__gte=window_start, granted_on__lte=end)
        .values_list(
            "account_id",
            "account__name",
            "account__customer_since",
            "account__owner_id",
            "account__owner__first_name",
            "account__owner__last_name",
        )
        .distinct()
    }
    per_account: dict[int, list[Entry]] = defaultdict(list)
    for entry in all_entries:
        per_account[entry.account_id].append(entry)
    complaints = _complaint_counts(user, list(per_account), today - dt.timedelta(days=365))
    accounts = []
    for account_id, entries in per_account.items():
        _id, name, since, owner_id, first, last = account_rows[account_id]
        period_entries = [entry for entry in entries if start <= entry.granted_on <= end]
        base = _group(account_id, name, period_entries)
        figures = AccountFigures(**base.__dict__)
        figures.owner = f"{first} {last}".strip()
        figures.owner_id = owner_id
        figures.customer_since = since
        figures.customer_years = years_between(since, today) if since else None
        figures.quarters = rates_by_quarter(entries, quarters)
        figures.creep = creep_of(figures.quarters)
        figures.complaints_year, figures.threats_year = complaints.get(account_id, (0, 0))
        window_covered = sum((entry.value for entry in entries if entry.has_return), Decimal("0"))
        figures.window_value = sum((entry.value for entry in entries), Decimal("0"))
        figures.window_coverage = percent(window_covered, figures.window_value)
        figures.threatened_to_leave = sum(
            1 for entry in entries if entry.reason == ConcessionReason.THREATENED_TO_LEAVE
        )
        accounts.append(figures)
    accounts.sort(key=lambda figures: (-(figures.rate or 0), figures.label))

    sellers_entries: dict[int | None, list[Entry]] = defaultdict(list)
    for entry in in_period:
        sellers_entries[entry.seller_id].append(entry)
    seller_names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=[key for key in sellers_entries if key is not None])
    }
    sellers = [
        _group(seller_id or 0, seller_names.get(seller_id or 0, _("No seller")), entries)
        for seller_id, entries in sellers_entries.items()
    ]
    sellers.sort(key=lambda group: (-(group.rate or 0), group.label))

    by_quarter = []
    quarter = quarter_of(start)
    while quarter.start <= end:
        inside = [entry for entry in in_period if quarter.contains(entry.granted_on)]
        by_quarter.append(_group(quarter.label, quarter.label, inside))
        quarter = quarter.following()

    return Figures(
        start=start,
        end=end,
        quarters=quarters,
        total=_group("total", _("All accounts"), in_period),
        accounts=accounts,
        sellers=sellers,
        by_quarter=by_quarter,
        trap=trap_list(accounts, settings),
        account_count=len(accounts),
    )


def trap_list(accounts: list[AccountFigures], settings: ConcessionSettings) -> list[TrapEntry]:
    """Accounts in the relationship trap, with the reasons; the steepest creep first."""
    trapped = []
    for figures in accounts:
        window_covered_share = figures.window_coverage
        long_relationship = (
            figures.customer_years is not None and figures.customer_years >= settings.trap_min_years
        )
        friendly = figures.complaints_year <= settings.trap_max_complaints
        rising = figures.creep is not None and figures.creep > 0
        few_returns = figures.window_value > 0 and (
            window_covered_share is None or window_covered_share < float(settings.trap_max_coverage_percent)
        )
        if not (long_relationship and friendly and rising and few_returns):
            continue
        reasons = [
            ngettext(
                "Customer for %(years)s year",
                "Customer for %(years)s years",
                figures.customer_years or 0,
            )
            % {"years": figures.customer_years},
            ngettext(
                "%(count)s complaint in the last 12 months",
                "%(count)s complaints in the last 12 months",
                figures.complaints_year,
            )
            % {"count": figures.complaints_year},
            _("Concession rate rising by %(points)s percentage points per quarter")
            % {"points": _number(figures.creep or 0)},
            _("Only %(share)s %% of the concession value came with a return")
            % {"share": _number(window_covered_share or 0)},
        ]
        if figures.threatened_to_leave:
            reasons.append(
                ngettext(
                    "%(count)s concession because the customer threatened to leave",
                    "%(count)s concessions because the customer threatened to leave",
                    figures.threatened_to_leave,
                )
                % {"count": figures.threatened_to_leave}
            )
        trapped.append(TrapEntry(account=figures, reasons=reasons))
    trapped.sort(key=lambda entry: -(entry.account.creep or 0))
    return trapped


def _number(value: float) -> str:
    from django.utils.formats import number_format

    return number_format(value, decimal_pos=1, use_l10n=True)


# --- price waterfall -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaterfallStep:
    label: str
    amount: Decimal  # positive: a level (list, invoice, pocket); negative: what a kind took away
    is_total: bool
    start: Decimal  # the level the bar starts at
    end: Decimal


@dataclass(frozen=True)
class Waterfall:
    list_value: Decimal
    invoice: Decimal
    pocket: Decimal
    steps: list[WaterfallStep]
    entries: int


ON_INVOICE_ORDER = [ConcessionKind.DISCOUNT_PERCENT, ConcessionKind.DISCOUNT_AMOUNT]
OFF_INVOICE_ORDER = [
    ConcessionKind.FREE_SERVICE,
    ConcessionKind.PAYMENT_TERMS,
    ConcessionKind.FREE_SHIPPING,
    ConcessionKind.EXTRA_WARRANTY,
    ConcessionKind.OTHER,
]


def price_waterfall(
    *,
    user: User | AnonymousUser,
    start: dt.date,
    end: dt.date,
    account_id: int | None = None,
    today: dt.date | None = None,
) -> Waterfall:
    """List price → invoice price (minus on-invoice discounts) → pocket price (minus the off-invoice items, each
    valued in EUR) for the business with concessions of one account (or all) in the period; kept like
    `concession_figures`."""
    today = today or timezone.localdate()
    if not user.is_authenticated:
        return _waterfall_computed(user=user, start=start, end=end, account_id=account_id, today=today)
    key = _cache_key("waterfall", user, start, end, account_id, today)
    found: Waterfall | None = cache.get(key)
    if found is None:
        found = _waterfall_computed(user=user, start=start, end=end, account_id=account_id, today=today)
        cache.set(key, found, FIGURES_CACHE_SECONDS)
    return found


def _waterfall_computed(
    *, user: User | AnonymousUser, start: dt.date, end: dt.date, account_id: int | None, today: dt.date
) -> Waterfall:
    visible = concessions_visible_to(user).filter(granted_on__gte=start, granted_on__lte=end)
    if account_id is not None:
        visible = visible.filter(account_id=account_id)
    entries = entries_of(visible, today)
    listed = list_value_of(entries)
    by_kind: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    for entry in entries:
        by_kind[entry.kind] += entry.value
    steps = [WaterfallStep(str(_("List price")), listed, True, Decimal("0"), listed)]
    level = listed
    for kind in ON_INVOICE_ORDER:
        if by_kind[kind]:
            steps.append(
                WaterfallStep(
                    str(ConcessionKind(kind).label), -by_kind[kind], False, level, level - by_kind[kind]
                )
            )
            level -= by_kind[kind]
    invoice = level
    steps.append(WaterfallStep(str(_("Invoice price")), invoice, True, Decimal("0"), invoice))
    for kind in OFF_INVOICE_ORDER:
        if by_kind[kind]:
            steps.append(
                WaterfallStep(
                    str(ConcessionKind(kind).label), -by_kind[kind], False, level, level - by_kind[kind]
                )
            )
            level -= by_kind[kind]
    steps.append(WaterfallStep(str(_("Pocket price")), level, True, Decimal("0"), level))
    return Waterfall(list_value=listed, invoice=invoice, pocket=level, steps=steps, entries=len(entries))
