"""Demo concessions: the friendly key account of source 003 and a well-traded account for contrast. Generated and
deterministic in content; dates are relative to the day the demo is loaded, so the last four quarters are always
the ones shown.

- "Hohenlohe Antriebstechnik" (seller `verkauf`): a customer for twelve years, no complaints, five concessions in
  the last four quarters, each larger than the one before, none with a return — on the relationship-trap list with
  a positive discount creep. The latest, above the seller's limit, waits for the manager (`leitung`).
- "Neckarwerk Fördertechnik" (seller `verkauf2`): every give has a get, most of them delivered.

The large demo (`demo --size large`) adds `LARGE_HISTORY` concessions of the last eight quarters on the customer
accounts, written in bulk (`large_history`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import DateTimeField, F
from django.db.models.functions import Cast
from django.utils import timezone

from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.accounts.inputs import AccountInput, InsightInput, OrderInput
from handschlag.accounts.services import account_create, insight_create, order_create
from handschlag.complaints.selectors import ComplaintFilters, complaint_list
from handschlag.concessions.access import approval_limits, limit_of
from handschlag.concessions.enums import (
    ApprovalStatus,
    ConcessionKind,
    ConcessionReason,
    Decision,
    GetKind,
    GetStatus,
)
from handschlag.concessions.inputs import ConcessionInput, DecisionInput, GetStatusInput
from handschlag.concessions.models import Concession
from handschlag.concessions.periods import Quarter, last_quarters, years_between
from handschlag.concessions.selectors import concession_settings_get
from handschlag.concessions.services import (
    _fingerprint,
    _values_of,
    concession_create,
    concession_decide,
    concession_get_status_set,
    concession_value,
)
from handschlag.core.demo import DemoContext
from handschlag.core.inputs import input_build
from handschlag.core.notifications import emails_suppressed

FRIENDLY = "Hohenlohe Antriebstechnik"
WELL_TRADED = "Neckarwerk Fördertechnik"

# quarter index (0 = three quarters ago … 3 = this quarter), day in the quarter, the concession
FRIENDLY_CONCESSIONS: list[tuple[int, int, dict[str, Any]]] = [
    (
        0,
        12,
        {
            "kind": ConcessionKind.DISCOUNT_PERCENT,
            "percent": "2.00",
            "list_value": "80000.00",
            "reason": ConcessionReason.STRATEGIC,
            "nothing_reason": "Langjähriger Kunde, gute Beziehung.",
        },
    ),
    (
        1,
        20,
        {
            "kind": ConcessionKind.DISCOUNT_PERCENT,
            "percent": "3.00",
            "list_value": "90000.00",
            "reason": ConcessionReason.THREATENED_TO_LEAVE,
            "nothing_reason": "Einkauf deutet an, sich anderweitig umzusehen.",
        },
    ),
    (
        2,
        8,
        {
            "kind": ConcessionKind.FREE_SERVICE,
            "amount": "3400.00",
            "list_value": "85000.00",
            "reason": ConcessionReason.THREATENED_TO_LEAVE,
            "order": "AB-HOH-6",
            "note": "Inbetriebnahme vor Ort kostenlos.",
            "nothing_reason": "Kunde erwartet das inzwischen als selbstverständlich.",
        },
    ),
    (
        2,
        30,
        {
            "kind": ConcessionKind.PAYMENT_TERMS,
            "extra_days": 60,
            "list_value": "85000.00",
            "reason": ConcessionReason.COMPETITOR_PRICE,
            "order": "AB-HOH-6",
            "nothing_reason": "Zahlungsziel von 30 auf 90 Tage, ohne Gegenleistung.",
        },
    ),
    (
        3,
        5,
        {
            "kind": ConcessionKind.DISCOUNT_PERCENT,
            "percent": "6.50",
            "list_value": "95000.00",
            "reason": ConcessionReason.THREATENED_TO_LEAVE,
            "note": "Der Geschäftsführer des Kunden hat persönlich angerufen.",
            "nothing_reason": "Sonst geht der Rahmenvertrag an den Wettbewerb.",
        },
    ),
]
WELL_TRADED_CONCESSIONS: list[tuple[int, int, dict[str, Any], str]] = [
    (
        0,
        15,
        {
            "kind": ConcessionKind.DISCOUNT_PERCENT,
            "percent": "3.00",
            "list_value": "120000.00",
            "reason": ConcessionReason.VOLUME,
            "get_kind": GetKind.VOLUME_COMMITMENT,
            "get_value": "40000.00",
            "get_description": "Abnahme von 12 Achsen statt 8 im Jahr.",
            "due_days": 120,
        },
        GetStatus.DELIVERED,
    ),
    (
        1,
        10,
        {
            "kind": ConcessionKind.FREE_SHIPPING,
            "amount": "900.00",
            "list_value": "60000.00",
            "reason": ConcessionReason.COMPETITOR_PRICE,
            "get_kind": GetKind.PREPAYMENT,
            "get_value": "1200.00",
            "get_description": "30 % Anzahlung bei Bestellung.",
            "due_days": 14,
        },
        GetStatus.DELIVERED,
    ),
    (
        2,
        18,
        {
            "kind": ConcessionKind.EXTRA_WARRANTY,
            "amount": "1500.00",
            "list_value": "75000.00",
            "reason": ConcessionReason.STRATEGIC,
            "get_kind": GetKind.REFERENCE,
            "get_description": "Referenzbesuch und Fallstudie.",
            "due_days": 60,
        },
        GetStatus.DELIVERED,
    ),
    (
        3,
        3,
        {
            "kind": ConcessionKind.DISCOUNT_PERCENT,
            "percent": "2.00",
            "list_value": "110000.00",
            "reason": ConcessionReason.VOLUME,
            "get_kind": GetKind.LONGER_TERM,
            "get_value": "25000.00",
            "get_description": "Rahmenvertrag von zwei auf drei Jahre verlängert.",
            "due_days": 90,
        },
        GetStatus.PENDING,
    ),
]


def _day(today: dt.date, quarter_index: int, day_in_quarter: int) -> dt.date:
    quarter = last_quarters(today, 4)[quarter_index]
    return min(quarter.start + dt.timedelta(days=day_in_quarter), today)


def _account(
    context: DemoContext, *, name: str, seller: str, years: int, city: str, today: dt.date, plan: str = ""
) -> Any:
    return account_create(
        actor=context.users["leitung"],
        data=input_build(
            AccountInput,
            {
                "name": name,
                "legal_form": "GmbH",
                "city": city,
                "country": "DE",
                "status": AccountStatus.CUSTOMER,
                "customer_since": today.replace(year=today.year - years, day=1),
                "owner_id": context.users[seller].pk,
                "industry": "Maschinenbau",
                "success_plan": plan,
                "confirm_duplicate": True,
            },
        ),
    )


def _record(context: DemoContext, account: Any, seller: str, when: dt.date, values: dict[str, Any]) -> Any:
    values = dict(values)
    due_days = values.pop("due_days", None)
    order_number = values.pop("order", None)
    if order_number is not None:
        values["order_id"] = account.orders.get(number=order_number).pk
    values.setdefault("get_kind", GetKind.NOTHING)
    if due_days is not None:
        values["get_due_on"] = when + dt.timedelta(days=due_days)
    values.update({"account_id": account.pk, "granted_on": when})
    return concession_create(actor=context.users[seller], data=input_build(ConcessionInput, values))


def build_concessions(context: DemoContext, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    leitung = context.users["leitung"]
    friendly = _account(
        context,
        name=FRIENDLY,
        seller="verkauf",
        years=12,
        city="Künzelsau",
        today=today,
        plan=(
            "Gemeinsam die Rüstzeiten der neuen Verpackungslinie halbieren: Anwendungstechnik vor Ort, "
            "Wartungsvertrag mit Verfügbarkeitszusage statt weiterer Nachlässe."
        ),
    )
    for kind, text in [
        (InsightKind.GOAL, "Neue Verpackungslinie bis Jahresende in Serie bringen."),
        (InsightKind.RISK, "Hoher Preisdruck durch den eigenen Großkunden aus der Automobilindustrie."),
        (InsightKind.CONSTRAINT, "Einkauf muss jährlich 3 % Einsparung nachweisen."),
    ]:
        insight_create(actor=leitung, account=friendly, data=InsightInput(kind=kind, text=text))
    for number, value, order_status in [
        ("AB-HOH-6", Decimal("85000.00"), OrderStatus.DELIVERED),
        ("AB-HOH-7", Decimal("95000.00"), OrderStatus.CONFIRMED),
    ]:
        order_create(
            actor=leitung, account=friendly, data=OrderInput(number=number, value=value, status=order_status)
        )
    friendly_entries = []
    last = len(FRIENDLY_CONCESSIONS) - 1
    for index, (quarter, day, values) in enumerate(FRIENDLY_CONCESSIONS):
        entry = _record(context, friendly, "verkauf", _day(today, quarter, day), values)
        if entry.approval_status == ApprovalStatus.PENDING and index != last:
            entry = concession_decide(
                actor=leitung,
                concession=entry,
                data=DecisionInput(
                    decision=Decision.APPROVE, reason="Langjähriger Kunde, einmalig.", revision=None
                ),
            )
        friendly_entries.append(entry)

    traded = _account(context, name=WELL_TRADED, seller="verkauf2", years=6, city="Esslingen", today=today)
    for quarter, day, values, status in WELL_TRADED_CONCESSIONS:
        entry = _record(context, traded, "verkauf2", _day(today, quarter, day), values)
        if entry.approval_status == ApprovalStatus.PENDING:
            entry = concession_decide(
                actor=leitung,
                concession=entry,
                data=DecisionInput(
                    decision=Decision.APPROVE, reason="Gegenleistung angemessen.", revision=None
                ),
            )
        if status != GetStatus.PENDING:
            concession_get_status_set(
                actor=context.users["verkauf2"],
                concession=entry,
                data=GetStatusInput(status=GetStatus(status)),
            )
    return {"friendly": friendly, "well_traded": traded, "waiting": friendly_entries[-1]}


# --- the large demo's history --------------------------------------------------------------------------------------

LARGE_HISTORY = 100_000
HISTORY_QUARTERS = 8
CREEP_ACCOUNTS = 12
ENTRIES_PER_ACCOUNT = 8  # on average over the eight quarters: not every customer gets concessions
PENDING_DAYS = 3  # entries above the limit granted in the last days still wait for the manager
BATCH = 5000
HUNDRED = Decimal("100")

KIND_WEIGHTS = {
    ConcessionKind.DISCOUNT_PERCENT: 40,
    ConcessionKind.DISCOUNT_AMOUNT: 12,
    ConcessionKind.FREE_SERVICE: 14,
    ConcessionKind.PAYMENT_TERMS: 12,
    ConcessionKind.FREE_SHIPPING: 10,
    ConcessionKind.EXTRA_WARRANTY: 8,
    ConcessionKind.OTHER: 4,
}
# kind → (lowest, highest) amount in EUR for the kinds typed as an amount
AMOUNTS = {
    ConcessionKind.FREE_SERVICE: (300, 5000),
    ConcessionKind.FREE_SHIPPING: (150, 1500),
    ConcessionKind.EXTRA_WARRANTY: (500, 6000),
    ConcessionKind.OTHER: (200, 3000),
}
REASON_WEIGHTS = {
    ConcessionReason.COMPETITOR_PRICE: 35,
    ConcessionReason.VOLUME: 25,
    ConcessionReason.STRATEGIC: 20,
    ConcessionReason.THREATENED_TO_LEAVE: 10,
    ConcessionReason.OTHER: 10,
}
RETURNS = [
    (GetKind.VOLUME_COMMITMENT, "Höhere Abnahmemenge im nächsten Jahr zugesagt.", 30),
    (GetKind.LONGER_TERM, "Rahmenvertrag um ein Jahr verlängert.", 20),
    (GetKind.REFERENCE, "Referenzbesuch und Fallstudie.", 10),
    (GetKind.PREPAYMENT, "Anzahlung bei Bestellung.", 15),
    (GetKind.FASTER_PAYMENT, "Zahlung innerhalb von 10 Tagen.", 20),
    (GetKind.OTHER, "Messeauftritt gemeinsam mit dem Kunden.", 5),
]
WITHOUT_RETURN_SHARE = 0.2
NOTHING_REASONS = [
    "Wettbewerbsangebot lag darunter.",
    "Kunde erwartet das als langjähriger Partner.",
    "Einmalige Kulanz.",
]


def _history_values(rng: Any, *, kind: str, rate: Decimal) -> dict[str, Any]:
    """List value and the kind's input (percent, amount or extra days) of one generated entry, with its value."""
    list_value = (
        Decimal(rng.choice([5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250])) * 1000
    )
    values: dict[str, Any] = {"kind": kind, "list_value": list_value}
    if kind == ConcessionKind.DISCOUNT_PERCENT:
        values["percent"] = Decimal(rng.choice([50, 100, 150, 200, 250, 300, 400, 500, 600, 800])) / HUNDRED
    elif kind == ConcessionKind.DISCOUNT_AMOUNT:
        values["amount"] = (list_value * Decimal(rng.randint(1, 5)) / HUNDRED).quantize(Decimal("1"))
    elif kind == ConcessionKind.PAYMENT_TERMS:
        values["extra_days"] = rng.choice([15, 30, 30, 45, 60, 90])
        values["interest_rate_percent"] = rate
    else:
        low, high = AMOUNTS[ConcessionKind(kind)]
        # a free service or a bonus worth more than the deal (116 % on a 5,000 € order) is no one's practice:
        # at most 15 % of the list value
        ceiling = max(50, int(list_value * Decimal("0.15")) // 50 * 50)
        values["amount"] = Decimal(min(rng.randint(low // 50, high // 50) * 50, ceiling))
    values["value"] = concession_value(
        kind=kind,
        list_value=list_value,
        percent=values.get("percent"),
        amount=values.get("amount"),
        extra_days=values.get("extra_days"),
        interest_rate_percent=rate,
    )
    return values


def _history_return(rng: Any, entry: Concession, today: dt.date) -> None:
    """A return of a random kind, due 2 weeks to 6 months after the grant: delivered, failed or (overdue) pending
    once due; mostly pending before."""
    kind, description, _weight = rng.choices(RETURNS, weights=[weight for _k, _d, weight in RETURNS])[0]
    entry.get_kind = kind
    entry.get_description = description
    entry.nothing_reason = ""
    entry.get_value = (
        None
        if kind == GetKind.REFERENCE
        else (entry.value * Decimal(rng.choice([1, 2, 3, 5]))).quantize(Decimal("1"))
    )
    entry.get_due_on = entry.granted_on + dt.timedelta(days=rng.choice([14, 30, 60, 90, 120, 180]))
    if entry.get_due_on < today:
        entry.get_status = rng.choices(
            [GetStatus.DELIVERED, GetStatus.FAILED, GetStatus.PENDING], weights=[75, 8, 17]
        )[0]
    else:
        entry.get_status = GetStatus.DELIVERED if rng.random() < 0.1 else GetStatus.PENDING


def _history_nothing(rng: Any, entry: Concession) -> None:
    entry.get_kind = GetKind.NOTHING
    entry.get_description = ""
    entry.get_value = None
    entry.get_due_on = None
    entry.get_status = GetStatus.PENDING  # as the service leaves an entry without a return
    entry.nothing_reason = rng.choice(NOTHING_REASONS)


def _history_approval(
    rng: Any,
    entry: Concession,
    earlier: list[Concession],
    *,
    covers: Any,
    period: dt.timedelta,
    approver: Any,
    today: dt.date,
) -> None:
    """The basis and approval state `concession_create` would compute with the account's earlier entries (split-
    proof: the others within the period, not rejected; the same deal = the same list value without an order), then
    the manager's decision for those above the limit — except the last days' ones, which still wait for him."""
    others = [
        other
        for other in earlier
        if other.approval_status != ApprovalStatus.REJECTED
        and abs(other.granted_on - entry.granted_on) <= period
    ]
    entry.basis_value = entry.value + sum((other.value for other in others), Decimal("0"))
    same_deal = entry.value + sum(
        (other.value for other in others if other.list_value == entry.list_value), Decimal("0")
    )
    entry.basis_percent = min(
        (same_deal / entry.list_value * HUNDRED).quantize(Decimal("0.01")), Decimal("99999.99")
    )
    if covers(entry.basis_value, entry.basis_percent):
        entry.approval_status = ApprovalStatus.NOT_NEEDED
        return
    if entry.granted_on > today - dt.timedelta(days=PENDING_DAYS):
        entry.approval_status = ApprovalStatus.PENDING
        return
    decided_on = min(entry.granted_on + dt.timedelta(days=rng.randint(0, 3)), today)
    entry.decided_by = approver
    entry.decided_at = timezone.make_aware(dt.datetime.combine(decided_on, dt.time(rng.randint(8, 17), 0)))
    if entry.get_kind == GetKind.NOTHING and rng.random() < 0.25:
        entry.approval_status = ApprovalStatus.REJECTED
        entry.decision_reason = "Ohne Gegenleistung nicht vertretbar."
    else:
        entry.approval_status = ApprovalStatus.APPROVED
        entry.approved_value = entry.value
        entry.decision_reason = rng.choice(
            ["Einverstanden.", "Gegenleistung angemessen.", "Strategisch wichtig."]
        )


def large_history(
    context: DemoContext,
    accounts: list[Any],
    count: int,
    *,
    today: dt.date | None = None,
    creep_accounts: int = CREEP_ACCOUNTS,
) -> int:
    """`count` concessions of the last eight quarters on customer accounts, by the accounts' sellers, of every kind,
    written in bulk (the services would take hours for 100k) with the fields the services compute: the EUR value,
    the basis and approval state (the manager decided those above the limit, the last days' ones wait for him), the
    returns with due dates (some overdue) and a share without any return.

    A few long, friendly customers (no complaint in the last year) get larger concessions each quarter without a
    return: the relationship trap. Every other account keeps at least half of its recent concession value covered by
    a return, so the trap list stays short. Only for `demo --size large`; the story above goes through the
    services."""
    rng = context.random
    today = today or timezone.localdate()
    quarters = last_quarters(today, HISTORY_QUARTERS)
    window_start = quarters[-4].start
    settings = concession_settings_get()
    rate = settings.interest_rate_percent
    period = dt.timedelta(days=settings.period_days)
    limits = approval_limits()
    approver = context.users["leitung"]
    sellers = {seller.pk: seller for seller in context.sellers}
    customers = [
        account
        for account in accounts
        if account.status == AccountStatus.CUSTOMER and account.owner_id in sellers and account.customer_since
    ]
    if not customers or count <= 0:
        return 0
    complained = set(
        complaint_list(user=approver, filters=ComplaintFilters())
        .filter(created_at__date__gte=today - dt.timedelta(days=365))
        .values_list("account_id", flat=True)
        .distinct()
    )
    pool = rng.sample(customers, min(len(customers), max(count // ENTRIES_PER_ACCOUNT, 1)))
    trap_candidates = [
        account
        for account in pool
        if account.pk not in complained and years_between(account.customer_since, today) >= 5
    ]
    creeping = {account.pk for account in trap_candidates[:creep_accounts]}
    plans: dict[int, list[tuple[dt.date, str]]] = {account.pk: [] for account in pool}
    for account in pool:
        if account.pk in creeping:  # two growing discounts a quarter, the last four quarters
            for index, quarter in enumerate(quarters[-4:]):
                for _twice in range(2):
                    plans[account.pk].append((_day_in(rng, quarter, today), f"creep:{index}"))
    planned = sum(len(days) for days in plans.values())
    spread = [account for account in pool if account.pk not in creeping] or pool
    for _index in range(max(count - planned, 0)):
        account = rng.choice(spread)
        plans[account.pk].append((_day_in(rng, rng.choice(quarters), today), "spread"))

    written = 0
    batch: list[Concession] = []
    for account in pool:
        seller = sellers[account.owner_id]
        covers = limit_of(seller, limits).covers
        entries: list[Concession] = []
        for day, plan in sorted(plans[account.pk]):
            if plan.startswith("creep:"):
                step = int(plan.split(":")[1])
                kind = ConcessionKind.DISCOUNT_PERCENT
                values = _history_values(rng, kind=kind, rate=rate)
                values["list_value"] = Decimal(rng.choice([60, 80, 100])) * 1000
                values["percent"] = Decimal(150 + 150 * step + rng.randint(0, 40)) / HUNDRED
                values["value"] = concession_value(
                    kind=kind,
                    list_value=values["list_value"],
                    percent=values["percent"],
                    amount=None,
                    extra_days=None,
                    interest_rate_percent=rate,
                )
                reason = ConcessionReason.THREATENED_TO_LEAVE if step >= 2 else ConcessionReason.STRATEGIC
            else:
                kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
                values = _history_values(rng, kind=kind, rate=rate)
                reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
            entry = Concession(
                account_id=account.pk,
                recorded_by=seller,
                granted_on=day,
                reason=reason,
                **{name: _money(value) for name, value in values.items()},
            )
            if plan.startswith("creep:") or rng.random() < WITHOUT_RETURN_SHARE:
                _history_nothing(rng, entry)
            else:
                _history_return(rng, entry, today)
            entries.append(entry)
        if account.pk not in creeping:
            _keep_out_of_the_trap(rng, entries, window_start, today)
        for index, entry in enumerate(entries):
            _history_approval(
                rng, entry, entries[:index], covers=covers, period=period, approver=approver, today=today
            )
            if entry.approval_status == ApprovalStatus.REJECTED:
                entry.rejected_fingerprint = _fingerprint(_values_of(entry))
        batch += entries
        if len(batch) >= BATCH:
            written += _write(batch)
            batch = []
    if batch:
        written += _write(batch)
    return written


def _day_in(rng: Any, quarter: Quarter, today: dt.date) -> dt.date:
    """A day of the quarter up to today, evenly spread (the current quarter only up to today)."""
    last = min(quarter.end, today)
    return quarter.start + dt.timedelta(days=rng.randint(0, (last - quarter.start).days))


def _money(value: Any) -> Any:
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


def _keep_out_of_the_trap(rng: Any, entries: list[Concession], window_start: dt.date, today: dt.date) -> None:
    """At least half of the account's concession value of the last four quarters with a return (the trap list's
    "few returns" does not hold then), by giving returns to recent entries without one."""
    recent = [entry for entry in entries if entry.granted_on >= window_start]
    total = sum((entry.value for entry in recent), Decimal("0"))
    for entry in sorted(recent, key=lambda entry: -entry.value):
        covered = sum((entry.value for entry in recent if entry.get_kind != GetKind.NOTHING), Decimal("0"))
        if covered * 2 >= total:
            return
        if entry.get_kind == GetKind.NOTHING:
            _history_return(rng, entry, today)


def _write(batch: list[Concession]) -> int:
    """Insert a batch; created and changed at the day of the grant (or of the decision), as if recorded then."""
    created = Concession.objects.bulk_create(batch)
    ids = [entry.pk for entry in created]
    Concession.objects.filter(pk__in=ids).update(
        created_at=Cast("granted_on", DateTimeField()), updated_at=Cast("granted_on", DateTimeField())
    )
    Concession.objects.filter(pk__in=ids, decided_at__isnull=False).update(updated_at=F("decided_at"))
    return len(batch)


def demo_step(context: DemoContext) -> None:
    with emails_suppressed():
        context.built["concessions"] = build_concessions(context)
    if context.size == "large":
        large_history(context, context.built["accounts"], LARGE_HISTORY)
