"""Demo complaints: the story of source 001 plus a realistic spread. Generated and deterministic in content;
times are relative to the moment the demo is loaded, so that today's threat is today's.

The story: a key account of the seller `verkauf` complains for the second time, worse than the first time, with
photos, and threatens to cancel all open orders today. The case lands with production's process owner; the
seller watches; management sees the revenue at risk.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from handschlag.accounts.enums import AccountStatus, OrderStatus
from handschlag.accounts.inputs import AccountInput, AccountPatch, OrderInput
from handschlag.accounts.services import account_create, account_update, order_create
from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus, EightDStep, Severity, ThreatScope
from handschlag.complaints.inputs import ComplaintInput, RoutingRuleInput, StepPatch
from handschlag.complaints.models import Complaint, RoutingRule
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.configuration import routing_rule_create
from handschlag.complaints.services.escalation import complaint_escalations_run_as_system
from handschlag.complaints.services.lifecycle import complaint_acknowledge, complaint_close
from handschlag.complaints.services.routing import complaint_assign
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.demo import DemoContext
from handschlag.core.inputs import input_build
from handschlag.core.models import Department
from handschlag.core.notifications import emails_suppressed
from handschlag.core.selectors import business_calendar_get

if TYPE_CHECKING:
    from handschlag.accounts.models import Account

# category, product line, department, process owner (username; None = the head)
RULES = [
    (ComplaintCategory.QUALITY, "", "Produktion", "produktion"),
    (ComplaintCategory.QUALITY, "Steuerungen", "Qualität", "qualitaet"),
    (ComplaintCategory.DOCUMENTATION, "", "Qualität", None),
    (ComplaintCategory.SERVICE, "", "Qualität", None),
    (ComplaintCategory.DELIVERY, "", "Logistik", "logistik"),
    (ComplaintCategory.TRANSPORT_DAMAGE, "", "Logistik", None),
]
STORY_PRODUCT = "Linearachse LX-200"
SPREAD = [
    ("Maßabweichung an Führungsschienen", ComplaintCategory.QUALITY, "Linearachse LX-200"),
    ("Lagerschaden nach 200 Betriebsstunden", ComplaintCategory.QUALITY, "Spindelmodul SM-40"),
    ("Steuerung startet sporadisch neu", ComplaintCategory.QUALITY, "Steuerung KB-Control 7"),
    ("Lieferung zwei Wochen zu spät", ComplaintCategory.DELIVERY, "Montagezelle MZ-3"),
    ("Teillieferung ohne Ankündigung", ComplaintCategory.DELIVERY, "Ersatzteilpaket"),
    ("Kiste beim Transport beschädigt", ComplaintCategory.TRANSPORT_DAMAGE, "Förderband FB-900"),
    ("Betriebsanleitung fehlt auf Englisch", ComplaintCategory.DOCUMENTATION, "Fräszentrum FZ-5"),
    ("Monteur nicht zum Termin erschienen", ComplaintCategory.SERVICE, "Greifersystem GS-12"),
    ("Rechnung doppelt gestellt", ComplaintCategory.INVOICE, ""),
    ("Falsche Farbe der Schutzverkleidung", ComplaintCategory.OTHER, "Montagezelle MZ-3"),
]


def demo_photo(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG with a dark diagonal "crack"; generated, so the demo ships no image files."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            crack = abs(x * height - y * width) < width * 2
            row += bytes([60, 55, 50] if crack else [185, 188, 190])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _rules(context: DemoContext) -> None:
    departments = {department.name: department for department in Department.objects.all()}
    for category, product_line, department_name, username in RULES:
        if RoutingRule.objects.filter(category=category, product_line=product_line, is_active=True).exists():
            continue
        routing_rule_create(
            actor=context.users["admin"],
            data=RoutingRuleInput(
                category=category,
                product_line=product_line,
                department_id=departments[department_name].pk,
                process_owner_id=context.users[username].pk if username else None,
            ),
        )


def _story_account(context: DemoContext, accounts: list[Account]) -> Account:
    """The seller's first customer (else the first customer, made his), tagged as key account."""
    seller = context.users["verkauf"]
    customers = sorted(
        (account for account in accounts if account.status == AccountStatus.CUSTOMER), key=lambda a: a.pk
    )
    account = next((a for a in customers if a.owner_id == seller.pk), None) or next(iter(customers), None)
    if account is None:  # an empty demo: the seller makes the key account (and owns it)
        account = account_create(
            actor=seller,
            data=input_build(AccountInput, {"name": "Albtal Präzisionsantriebe", "legal_form": "GmbH"}),
        )
    if account.owner_id != seller.pk:
        account = account_update(
            actor=context.users["leitung"], account=account, patch=AccountPatch(owner_id=seller.pk)
        )
    if "A-Kunde" not in account.tag_list:
        account = account_update(
            actor=seller, account=account, patch=AccountPatch(tags=[*account.tag_list, "A-Kunde"])
        )
    existing = set(account.orders.values_list("number", flat=True))
    for number, value, status in [
        ("AB-KEY-1", Decimal("184500.00"), OrderStatus.CONFIRMED),
        ("AB-KEY-2", Decimal("96250.00"), OrderStatus.IN_PRODUCTION),
        ("AB-KEY-3", Decimal("41800.00"), OrderStatus.OPEN),
    ]:
        if number not in existing:
            order_create(
                actor=seller,
                account=account,
                data=OrderInput(number=number, value=value, status=status, product=STORY_PRODUCT),
            )
    return account


def _work(
    complaint: Complaint,
    context: DemoContext,
    *,
    respond_after: float,
    contain_after: float | None,
    close_after: float | None,
    root_cause: str = "",
    promise: str = "",
) -> None:
    calendar = business_calendar_get()
    owner = complaint.owner or context.users["leitung"]
    if complaint.owner is None:
        complaint_assign(
            actor=context.users["leitung"], complaint=complaint, owner=context.users["qualitaet"]
        )
        owner = context.users["qualitaet"]
    start = complaint.created_at
    complaint_acknowledge(
        actor=owner,
        complaint=complaint,
        now=calendar.add_business_time(start, dt.timedelta(hours=respond_after)),
    )
    if contain_after is not None:
        complaint_step_update(
            actor=owner,
            complaint=complaint,
            step=EightDStep.D3,
            patch=StepPatch(owner_id=owner.pk, notes="Bestand gesperrt, Ersatzteile per Express.", done=True),
            now=calendar.add_business_time(start, dt.timedelta(hours=contain_after)),
        )
    for step, notes in ((EightDStep.D4, root_cause), (EightDStep.D7, promise)):
        if notes and close_after is not None:
            complaint_step_update(
                actor=owner,
                complaint=complaint,
                step=step,
                patch=StepPatch(notes=notes),
                now=calendar.add_business_time(start, dt.timedelta(hours=close_after - 1)),
            )
    if close_after is not None:
        complaint_close(
            actor=owner,
            complaint=complaint,
            summary="Ursache behoben, Prüfplan angepasst, Kunde informiert.",
            now=calendar.add_business_time(start, dt.timedelta(hours=close_after)),
        )


def build_complaints(context: DemoContext, accounts: list[Account]) -> list[Complaint]:
    with emails_suppressed():
        return _build(context, accounts)


def _build(context: DemoContext, accounts: list[Account]) -> list[Complaint]:
    rng = context.random
    now = timezone.now()
    _rules(context)
    seller = context.users["verkauf"]
    created: list[Complaint] = []

    # the spread: cases of the last ten months, most of them done
    customers = [
        account for account in accounts if account.status == AccountStatus.CUSTOMER and account.owner_id
    ] or accounts
    count = 40 if context.size == "small" else 400
    for index in range(count):
        title, category, product = SPREAD[index % len(SPREAD)]
        account = rng.choice(customers)
        age_days = rng.randint(3, 300)
        severity = rng.choices(list(Severity), weights=[25, 40, 25, 10])[0]
        complaint = complaint_create(
            actor=account.owner or seller,
            data=ComplaintInput(
                account_id=account.pk,
                title=title,
                description=f"{title}. Der Kunde bittet um schnelle Klärung und einen 8D-Bericht.",
                category=category,
                severity=severity,
                product=product,
                product_line="Steuerungen" if "Steuerung" in product else "",
            ),
            now=now - dt.timedelta(days=age_days, hours=rng.randint(0, 6)),
        )
        if age_days > 20:
            _work(
                complaint,
                context,
                respond_after=rng.choice([0.5, 1, 3, 6, 12]),
                contain_after=rng.choice([4, 8, 16, 30, 60]),
                close_after=rng.choice([40, 80, 150, 260, 400]),
            )
        elif age_days > 7:
            _work(complaint, context, respond_after=rng.choice([1, 5]), contain_after=None, close_after=None)
        created.append(complaint)

    # one case no rule covers: it waits in management triage
    created.append(
        complaint_create(
            actor=seller,
            data=ComplaintInput(
                account_id=rng.choice(customers).pk,
                title="Gutschrift fehlt seit drei Monaten",
                description="Die zugesagte Gutschrift für die Rücksendung ist nicht gebucht.",
                category=ComplaintCategory.INVOICE,
                severity=Severity.MEDIUM,
            ),
            now=now - dt.timedelta(hours=3),
        )
    )

    # the story of source 001: the first complaint, months ago, closed
    account = _story_account(context, accounts)
    first = complaint_create(
        actor=seller,
        data=ComplaintInput(
            account_id=account.pk,
            title="Spiel in der Linearachse",
            description="Drei Linearachsen LX-200 mit spürbarem Spiel im Schlitten. Der Kunde musste nacharbeiten.",
            category=ComplaintCategory.QUALITY,
            severity=Severity.MEDIUM,
            product=STORY_PRODUCT,
        ),
        now=now - dt.timedelta(days=120),
    )
    _work(
        first,
        context,
        respond_after=20,
        contain_after=60,
        close_after=300,
        root_cause="Spannvorrichtung der Schlittenbearbeitung verschlissen; Maßhaltigkeit nicht mehr geprüft.",
        promise="Vorrichtung erneuert; jede zehnte Linearachse wird vor dem Versand vermessen.",
    )
    created.append(first)

    # … and the second one, today: worse, with photos, and the threat to cancel all open orders
    deadline = timezone.localtime(now).replace(hour=18, minute=0, second=0, microsecond=0)
    if deadline <= now:
        deadline = now + dt.timedelta(hours=2)
    second = complaint_create(
        actor=seller,
        data=ComplaintInput(
            account_id=account.pk,
            title="Risse im Schlitten der Linearachse, schlimmer als beim letzten Mal",
            description=(
                "Der Kunde schickt Fotos: Haarrisse an allen Schlitten der letzten Lieferung LX-200, die Anlage "
                "steht. Wörtlich: »Wir entziehen Ihnen alle offenen Aufträge und erwarten Ihre "
                "Stornierungsbestätigung noch heute!«"
            ),
            category=ComplaintCategory.QUALITY,
            severity=Severity.CRITICAL,
            product=STORY_PRODUCT,
            order_ids=list(account.orders.filter(number__startswith="AB-KEY").values_list("pk", flat=True)),
            cancellation_threat=True,
            cancellation_deadline=deadline,
            threat_scope=ThreatScope.ALL_OPEN_ORDERS,
        ),
        uploads=[
            SimpleUploadedFile(f"foto_schlitten_{number}.png", demo_photo(), content_type="image/png")
            for number in (1, 2)
        ],
        now=now - dt.timedelta(minutes=20),
    )
    created.append(second)
    complaint_escalations_run_as_system(now=now)
    return created


LARGE_HISTORY = 100_000  # DESIGN §5: 100k complaints over two years in the large demo
HISTORY_DAYS = 730
BATCH = 5000


def _history(context: DemoContext, accounts: list[Account], count: int) -> int:
    """Closed and open cases of the last two years, written in bulk (the services would take hours for 100k):
    routed as the rules say, clocks stopped where the case was worked, the seconds the figures read set from
    the same times. Only for performance work (`demo --size large`); the story cases above go through the
    services."""
    rng = context.random
    now = timezone.now()
    departments = {department.name: department for department in Department.objects.all()}
    owners = {
        name: context.users[username] if username else context.users["leitung"]
        for _category, _line, name, username in RULES
    }
    route = {category: name for category, _line, name, _user in RULES}
    customers = [account for account in accounts if account.status == AccountStatus.CUSTOMER] or accounts
    reporters = context.sellers or [context.users["verkauf"]]
    batch: list[Complaint] = []
    written = 0
    for index in range(count):
        title, category, product = SPREAD[index % len(SPREAD)]
        created = now - dt.timedelta(days=rng.uniform(1, HISTORY_DAYS))
        department_name = route.get(category)
        severity = rng.choices(list(Severity), weights=[25, 40, 25, 10])[0]
        response_hours = rng.choice([0.5, 1, 2, 4, 8, 16, 30])
        containment_hours = response_hours + rng.choice([4, 8, 24, 48, 96])
        resolution_hours = containment_hours + rng.choice([24, 72, 160, 300, 600])
        closed = created + dt.timedelta(hours=resolution_hours) < now - dt.timedelta(days=2)
        first_response_at = created + dt.timedelta(hours=response_hours)
        contained_at = created + dt.timedelta(hours=containment_hours)
        closed_at = created + dt.timedelta(hours=resolution_hours) if closed else None
        batch.append(
            Complaint(
                account=rng.choice(customers),
                reporter=rng.choice(reporters),
                title=title,
                description=f"{title}. Der Kunde bittet um Klärung.",
                category=category,
                severity=severity,
                status=ComplaintStatus.CLOSED if closed else ComplaintStatus.IN_PROGRESS,
                product=product,
                department=departments.get(department_name) if department_name else None,
                owner=owners.get(department_name) if department_name else None,
                in_triage=department_name is None,
                first_response_due=created + dt.timedelta(hours=8),
                containment_due=created + dt.timedelta(hours=48),
                resolution_due=created + dt.timedelta(hours=320),
                first_response_at=first_response_at,
                contained_at=contained_at if contained_at < now else None,
                closed_at=closed_at,
                first_response_seconds=int(response_hours * 3600),
                containment_seconds=int(containment_hours * 3600) if contained_at < now else None,
                resolution_seconds=int(resolution_hours * 3600) if closed else None,
                is_repeat=rng.random() < 0.08,
                escalation_level=1 if resolution_hours > 320 and rng.random() < 0.5 else 0,
                resolution_summary="Ursache behoben, Maßnahme wirksam." if closed else "",
                created_at=created,
            )
        )
        if len(batch) == BATCH:
            Complaint.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        Complaint.objects.bulk_create(batch)
        written += len(batch)
    return written


def demo_step(context: DemoContext) -> None:
    build_complaints(context, context.built["accounts"])
    if context.size == "large":
        _history(context, context.built["accounts"], LARGE_HISTORY)
