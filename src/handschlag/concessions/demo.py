"""Demo concessions: the friendly key account of source 003 and a well-traded account for contrast. Generated and
deterministic in content; dates are relative to the day the demo is loaded, so the last four quarters are always
the ones shown.

- "Hohenlohe Antriebstechnik" (seller `verkauf`): a customer for twelve years, no complaints, five concessions in
  the last four quarters, each larger than the one before, none with a return — on the relationship-trap list with
  a positive discount creep. The latest, above the seller's limit, waits for the manager (`leitung`).
- "Neckarwerk Fördertechnik" (seller `verkauf2`): every give has a get, most of them delivered.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.accounts.inputs import AccountInput, InsightInput, OrderInput
from handschlag.accounts.services import account_create, insight_create, order_create
from handschlag.concessions.enums import (
    ApprovalStatus,
    ConcessionKind,
    ConcessionReason,
    Decision,
    GetKind,
    GetStatus,
)
from handschlag.concessions.inputs import ConcessionInput, DecisionInput, GetStatusInput
from handschlag.concessions.periods import last_quarters
from handschlag.concessions.services import concession_create, concession_decide, concession_get_status_set
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


def demo_step(context: DemoContext) -> None:
    with emails_suppressed():
        context.built["concessions"] = build_concessions(context)
