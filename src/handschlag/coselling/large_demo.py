"""The large demo's opportunities (DESIGN §5): a million, each with its stage history, written in bulk.

Each opportunity walks the default pipeline from creation: it stops in an open stage (about 20 %), or is won or
lost after one to four moves; every move is a StageChange row (about 3.5 per opportunity). About 8 % have a
partner, whose stage at entry and rescue follow from the generated history by the same rule as the service
(`rescue_reason_of`). On PostgreSQL the rows go in with COPY in chunks, elsewhere with bulk_create. Ids are
assigned here (above the current maximum) so that history rows can point at their opportunity; the sequences
are moved past them afterwards."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from handschlag.accounts.selectors import accounts_with_open_orders
from handschlag.alliances.selectors import partner_list
from handschlag.core.demo import DemoContext
from handschlag.core.enums import Role
from handschlag.core.models import User
from handschlag.coselling.enums import InvolvementReason, InvolvementRole, OpportunityStatus, RescueReason
from handschlag.coselling.models import (
    Opportunity,
    PartnerInvolvement,
    Pipeline,
    PipelineStage,
    ProductLine,
    StageChange,
)
from handschlag.coselling.services.opportunities import EntryFacts, rescue_reason_of

CHUNK = 50_000
DAYS = 3 * 365

OPPORTUNITY_COLUMNS = (
    "id",
    "uuid",
    "account_id",
    "title",
    "product_line_id",
    "amount",
    "owner_id",
    "stage_id",
    "status",
    "expected_close_date",
    "at_risk",
    "at_risk_reason",
    "lost_reason",
    "external_id",
    "source",
    "stage_entered_at",
    "closed_at",
    "created_by_id",
    "created_at",
    "updated_at",
)
CHANGE_COLUMNS = (
    "id",
    "opportunity_id",
    "from_stage_id",
    "to_stage_id",
    "changed_at",
    "changed_by_id",
    "reopened",
    "note",
)
INVOLVEMENT_COLUMNS = (
    "id",
    "opportunity_id",
    "partner_id",
    "role",
    "reason",
    "joined_at",
    "stage_at_entry_id",
    "rescue_reason",
    "created_by_id",
)
TITLES = (
    "Fräszentrum",
    "Drehmaschine",
    "Roboterzelle",
    "Montagelinie",
    "Prüfstand",
    "Retrofit",
    "Service-Vertrag",
)
LOST_REASONS = ("Preis", "Lieferzeit", "Projekt verschoben", "Wettbewerber", "Kein Budget")


def _next_id(model: Any) -> int:
    return int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def write_large(
    context: DemoContext, *, count: int, stages: dict[str, PipelineStage], connection: Any, kind_of: Any
) -> int:
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None or count <= 0:
        return 0
    ordered = list(PipelineStage.objects.filter(pipeline=pipeline).order_by("position"))
    open_stages = [stage for stage in ordered if stage.kind == kind_of.OPEN]
    won = next(stage for stage in ordered if stage.kind == kind_of.WON)
    lost = next(stage for stage in ordered if stage.kind == kind_of.LOST)
    account_ids = list(accounts_with_open_orders().order_by("id").values_list("id", flat=True))
    sellers = list(
        User.objects.filter(role=Role.SELLER, is_active=True).order_by("id").values_list("id", flat=True)
    )
    partners = list(partner_list().order_by("id").values_list("id", flat=True))
    lines: list[int | None] = [*ProductLine.objects.order_by("id").values_list("id", flat=True)] or [None]
    if not account_ids or not sellers:
        return 0
    random = context.random
    now = timezone.now()
    ids = {
        "opportunity": _next_id(Opportunity),
        "change": _next_id(StageChange),
        "involvement": _next_id(PartnerInvolvement),
    }
    postgres = connection.vendor == "postgresql"
    models = (Opportunity, StageChange, PartnerInvolvement)
    # every row would queue a check of each of its foreign keys until the demo's one transaction commits
    # (Django's are deferred): millions of single lookups. Without them during the load, and each put back
    # afterwards with one validating join, as pg_restore does.
    foreign_keys = _foreign_keys_drop(connection, models) if postgres else []
    written = 0
    while written < count:
        size = min(CHUNK, count - written)
        opportunities: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        involvements: list[tuple[Any, ...]] = []
        for _index in range(size):
            opportunity_id = ids["opportunity"]
            ids["opportunity"] += 1
            owner = sellers[random.randrange(len(sellers))]
            created = now - dt.timedelta(days=random.uniform(1, DAYS))
            fate = random.random()
            last_open = random.randrange(len(open_stages))
            path = open_stages[: last_open + 1]
            final = None if fate < 0.2 else (won if fate < 0.45 else lost)
            moment = created
            history: list[tuple[PipelineStage | None, PipelineStage, dt.datetime]] = [(None, path[0], moment)]
            for previous, stage in itertools.pairwise(path):
                moment = min(moment + dt.timedelta(days=random.uniform(3, 30)), now)
                history.append((previous, stage, moment))
            if final is not None:
                moment = min(moment + dt.timedelta(days=random.uniform(5, 40)), now)
                history.append((path[-1], final, moment))
            current = history[-1][1]
            status = (
                OpportunityStatus.OPEN
                if final is None
                else (OpportunityStatus.WON if final == won else OpportunityStatus.LOST)
            )
            amount = Decimal(random.randrange(5_000, 900_000, 500))
            opportunities.append(
                (
                    opportunity_id,
                    uuid.UUID(int=random.getrandbits(128), version=4),
                    account_ids[random.randrange(len(account_ids))],
                    f"{TITLES[opportunity_id % len(TITLES)]} {opportunity_id}",
                    lines[opportunity_id % len(lines)],
                    amount,
                    owner,
                    current.pk,
                    status,
                    (created + dt.timedelta(days=90)).date(),
                    False,
                    "",
                    LOST_REASONS[opportunity_id % len(LOST_REASONS)]
                    if status == OpportunityStatus.LOST
                    else "",
                    "",
                    "import",
                    history[-1][2],
                    history[-1][2] if final is not None else None,
                    owner,
                    created,
                    now,
                )
            )
            for from_stage, to_stage, at in history:
                changes.append(
                    (
                        ids["change"],
                        opportunity_id,
                        from_stage.pk if from_stage else None,
                        to_stage.pk,
                        at,
                        owner,
                        False,
                        "",
                    )
                )
                ids["change"] += 1
            if partners and random.random() < 0.08:
                entry_index = random.randrange(len(history))
                entry_stage = history[entry_index][1]
                joined = history[entry_index][2] + dt.timedelta(hours=1)
                was_lost = any(to.kind == kind_of.LOST for _from, to, at in history if at <= joined)
                rescue = rescue_reason_of(
                    facts=EntryFacts(stage=entry_stage, was_at_risk=False, was_lost=was_lost),
                    rescue_after=pipeline.rescue_after_stage,
                )
                involvements.append(
                    (
                        ids["involvement"],
                        opportunity_id,
                        partners[random.randrange(len(partners))],
                        InvolvementRole.SOURCED if random.random() < 0.4 else InvolvementRole.INFLUENCED,
                        InvolvementReason.NEW if rescue == RescueReason.NONE else InvolvementReason.AT_RISK,
                        joined,
                        entry_stage.pk,
                        rescue.value,
                        owner,
                    )
                )
                ids["involvement"] += 1
        _write(connection, postgres, Opportunity, OPPORTUNITY_COLUMNS, opportunities)
        _write(connection, postgres, StageChange, CHANGE_COLUMNS, changes)
        _write(connection, postgres, PartnerInvolvement, INVOLVEMENT_COLUMNS, involvements)
        written += size
    if postgres:
        _foreign_keys_restore(connection, foreign_keys)
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608 (our table names)
                )
                cursor.execute(f"ANALYZE {table}")
    return written


def _foreign_keys_drop(connection: Any, models: tuple[Any, ...]) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of the models' tables; their (table, name, definition) to put them back."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # the checks the earlier steps queued run now: a table with pending checks cannot be altered
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        found = [(str(table), str(name), str(definition)) for table, name, definition in cursor.fetchall()]
        for table, name, _definition in found:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return found


def _foreign_keys_restore(connection: Any, foreign_keys: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them, for the later steps


def _lines(rows: list[tuple[Any, ...]]) -> Iterator[str]:
    for row in rows:
        yield "\t".join(_text(value) for value in row) + "\n"


def _write(
    connection: Any, postgres: bool, model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    if postgres:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for line in _lines(rows):
                    buffer.write(line)
                    if buffer.tell() > 4_000_000:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=5000
    )
