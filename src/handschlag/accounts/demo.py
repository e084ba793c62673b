"""Demo accounts: generated German Mittelstand companies with consistent postal codes and cities."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.accounts.models import Account, Contact, CustomerInsight, Order
from handschlag.core.demo import DEMO_SIZES, DemoContext
from handschlag.sample_data.german_words import (
    CITIES,
    CONSTRAINTS,
    FAMILY_NAMES,
    FIRST_NAMES,
    GOALS,
    INDUSTRIES,
    LEGAL_FORMS,
    POSITIONS,
    PRODUCTS,
    RISKS,
    STREETS,
    company_name,
    german_vat_id,
)


def _slug(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


EMPLOYEE_COUNTS = (25, 40, 80, 120, 180, 250, 400, 650, 900, 1500, 3200)
# Annual revenue per employee of a German Mittelstand firm, in thousand euros: services and trade at the low
# end, machine builders and wholesalers at the high end. The revenue of an account follows from its head count.
REVENUE_PER_EMPLOYEE_THOUSANDS = (90, 350)


def _annual_revenue(employees: int, thousands_per_employee: int) -> Decimal:
    """Revenue for a head count, rounded to 100.000 € as a sales team would note it."""
    return Decimal(round(employees * thousands_per_employee * 1000, -5))


def build_accounts(context: DemoContext, *, count: int) -> list[Account]:
    rng = context.random
    sellers = context.sellers
    today = dt.date(2026, 11, 23)
    used_names: set[str] = set()
    accounts: list[Account] = []
    for index in range(count):
        name = company_name(rng, index)
        if name in used_names:
            name = f"{name} {rng.choice(['Nord', 'Süd', 'Ost', 'West', 'Mitte'])} {index}"
        used_names.add(name)
        city, first_code, last_code, _state = rng.choice(CITIES)
        status = rng.choices(list(AccountStatus), weights=[45, 45, 10])[0]
        accounts.append(
            Account(
                name=name,
                legal_form=rng.choice(LEGAL_FORMS),
                external_id=f"KB-{100000 + index}",
                domain=f"{_slug(name)}.de",
                street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                postal_code=f"{rng.randint(first_code, last_code):05d}",
                city=city,
                country="DE",
                vat_id=german_vat_id(index * 7919 + 13),
                industry=rng.choice(INDUSTRIES),
                employees=(employees := rng.choice(EMPLOYEE_COUNTS)),
                annual_revenue=_annual_revenue(employees, rng.randint(*REVENUE_PER_EMPLOYEE_THOUSANDS)),
                status=status,
                customer_since=today - dt.timedelta(days=rng.randint(200, 9000))
                if status != AccountStatus.PROSPECT
                else None,
                owner=rng.choice(sellers) if sellers else None,
                tags=",".join(
                    rng.sample(
                        ["A-Kunde", "Export", "Rahmenvertrag", "Service", "Neukunde 2026"],
                        k=rng.randint(0, 2),
                    )
                ),
            )
        )
    for account in accounts:
        account.refresh_search_text()
    Account.objects.bulk_create(accounts, batch_size=5000)
    saved = list(Account.objects.order_by("pk")[:count])
    if context.size == "small":
        _build_details(context, saved, today)
    return saved


def _build_details(context: DemoContext, accounts: list[Account], today: dt.date) -> None:
    rng = context.random
    contacts, orders, insights = [], [], []
    for account in accounts:
        for _ in range(rng.randint(1, 3)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(FAMILY_NAMES)
            contacts.append(
                Contact(
                    account=account,
                    first_name=first,
                    last_name=last,
                    position=rng.choice(POSITIONS),
                    email=f"{_slug(first)}.{_slug(last)}@{account.domain}",
                    phone=f"+49 {rng.randint(30, 9999)} {rng.randint(100000, 9999999)}",
                )
            )
        if account.status == AccountStatus.CUSTOMER:
            for number in range(rng.randint(0, 4)):
                orders.append(
                    Order(
                        account=account,
                        number=f"AB-{account.pk:05d}-{number + 1}",
                        value=Decimal(rng.randint(8, 400) * 1000) + Decimal(rng.randint(0, 99)) / 100,
                        due_date=today + dt.timedelta(days=rng.randint(-20, 160)),
                        status=rng.choice(
                            [
                                OrderStatus.OPEN,
                                OrderStatus.CONFIRMED,
                                OrderStatus.IN_PRODUCTION,
                                OrderStatus.DELIVERED,
                            ]
                        ),
                        product=rng.choice(PRODUCTS),
                    )
                )
            if rng.random() < 0.4:
                insights.append(
                    CustomerInsight(
                        account=account,
                        kind=InsightKind.GOAL,
                        text=rng.choice(GOALS),
                        review_date=today + dt.timedelta(days=rng.randint(10, 120)),
                    )
                )
                insights.append(
                    CustomerInsight(
                        account=account,
                        kind=InsightKind.RISK,
                        text=rng.choice(RISKS),
                        review_date=today + dt.timedelta(days=rng.randint(10, 120)),
                    )
                )
                insights.append(
                    CustomerInsight(
                        account=account, kind=InsightKind.CONSTRAINT, text=rng.choice(CONSTRAINTS)
                    )
                )
    Contact.objects.bulk_create(contacts, batch_size=5000)
    Order.objects.bulk_create(orders, batch_size=5000)
    CustomerInsight.objects.bulk_create(insights, batch_size=5000)


def demo_present() -> bool:
    return Account.objects.exists()


def demo_step(context: DemoContext) -> None:
    context.built["accounts"] = build_accounts(context, count=DEMO_SIZES[context.size])
