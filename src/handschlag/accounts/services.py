"""Writes of accounts: the account itself, its contacts, orders and goals/risks/constraints, and imports.

Every interface (pages, API, command, worker) calls these functions, so the rules below hold everywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.accounts import importing
from handschlag.accounts.enums import (
    AccountStatus,
    ImportMode,
    ImportPreset,
    ImportStatus,
    InsightKind,
    OrderStatus,
)
from handschlag.accounts.models import Account, Contact, CustomerInsight, ImportRowError, ImportRun, Order
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.core.services import model_update

logger = logging.getLogger(__name__)

ACCOUNT_FIELDS = [*importing.ACCOUNT_IMPORT_FIELDS, "success_plan"]
CONTACT_FIELDS = ["first_name", "last_name", "position", "email", "phone"]
ORDER_FIELDS = ["number", "value", "due_date", "status", "product"]
INSIGHT_FIELDS = ["kind", "text", "review_date"]


# --- accounts ------------------------------------------------------------------------------------------------


def _clean_account_values(*, actor: User, data: dict[str, Any], account: Account | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in data.items() if key in ACCOUNT_FIELDS}
    for key in ("name", "legal_form", "external_id", "street", "city", "industry", "success_plan"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "name" in values and not values["name"]:
        errors["name"] = [_("The company name is required.")]
    if "domain" in values:
        try:
            values["domain"] = importing.normalise_domain(values["domain"] or "")
        except ValueError:
            errors["domain"] = [_("Not a web address or domain.")]
    if "country" in values:
        try:
            values["country"] = importing.normalise_country(values["country"] or "") or "DE"
        except ValueError:
            errors["country"] = [_("Unknown country. Use the ISO code, e.g. DE, AT or CH.")]
    if values.get("postal_code"):
        country = values.get("country") or (account.country if account else "DE")
        try:
            values["postal_code"] = importing.normalise_postal_code(values["postal_code"], country)
        except ValueError:
            errors["postal_code"] = [_("Not a postal code of %(country)s.") % {"country": country}]
    if "vat_id" in values:
        try:
            values["vat_id"] = importing.normalise_vat_id(values["vat_id"] or "")
        except ValueError:
            errors["vat_id"] = [_("Not a valid VAT id (check the country prefix and the digits).")]
    if "status" in values and values["status"] not in AccountStatus.values:
        errors["status"] = [_("Unknown status.")]
    if values.get("employees") is not None and values["employees"] < 0:
        errors["employees"] = [_("Must not be negative.")]
    if values.get("annual_revenue") is not None and values["annual_revenue"] < 0:
        errors["annual_revenue"] = [_("Must not be negative.")]
    if "tags" in values:
        values["tags"] = ",".join(
            tag.strip() for tag in (values["tags"] or "").replace(";", ",").split(",") if tag.strip()
        )
    if "owner" in values:
        owner = values["owner"]
        if owner is not None and (owner.role == Role.PARTNER_USER or not owner.is_active):
            errors["owner"] = [_("The owner must be an active user of our company.")]
        elif not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL):
            current = account.owner if account else None
            if owner != current and owner != actor:
                errors["owner"] = [_("You can only make yourself the owner.")]
    if values.get("external_id"):
        clash = Account.objects.filter(external_id=values["external_id"])
        if account is not None:
            clash = clash.exclude(pk=account.pk)
        if clash.exists():
            errors["external_id"] = [_("Another account has this CRM id.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


@transaction.atomic
def account_create(*, actor: User, data: dict[str, Any]) -> Account:
    """Create an account. A seller who may not assign owners becomes the owner himself."""
    if data.get("owner") is None and not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL):
        data = {**data, "owner": actor}
    values = _clean_account_values(actor=actor, data=data, account=None)
    account = Account(**values)
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="account.create",
        target=account,
        summary=f"account {account} created",
        changes={key: values[key] for key in values},
    )
    return account


@transaction.atomic
def account_update(*, actor: User, account: Account, data: dict[str, Any]) -> Account:
    values = _clean_account_values(actor=actor, data=data, account=account)
    changes = model_update(instance=account, fields=ACCOUNT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="account.update",
            target=account,
            summary=f"account {account} changed",
            changes=changes,
        )
    return account


@transaction.atomic
def account_delete(*, actor: User, account: Account) -> None:
    audit_record(
        actor=actor,
        action="account.delete",
        target=account,
        summary=f"account {account} deleted",
        changes={"name": account.name, "external_id": account.external_id},
    )
    account.delete()


# --- what hangs on an account ----------------------------------------------------------------------------------


def _strip_texts(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {
        key: (value.strip() if isinstance(value, str) else value)
        for key, value in values.items()
        if key in fields
    }


@transaction.atomic
def contact_create(*, actor: User, account: Account, data: dict[str, Any]) -> Contact:
    values = _strip_texts(data, CONTACT_FIELDS)
    if not values.get("last_name"):
        raise InvalidInput.for_field("last_name", _("The last name is required."))
    contact = Contact(account=account, **values)
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor, action="contact.create", target=contact, summary=f"contact {contact} on {account}"
    )
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    values = _strip_texts(data, CONTACT_FIELDS)
    if "last_name" in values and not values["last_name"]:
        raise InvalidInput.for_field("last_name", _("The last name is required."))
    changes = model_update(instance=contact, fields=CONTACT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="contact.update",
            target=contact,
            summary=f"contact {contact} changed",
            changes=changes,
        )
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    audit_record(actor=actor, action="contact.delete", target=contact, summary=f"contact {contact} deleted")
    contact.delete()


def _check_order(values: dict[str, Any], *, account: Account, order: Order | None) -> None:
    errors: dict[str, list[str]] = {}
    if "number" in values and not values["number"]:
        errors["number"] = [_("The order number is required.")]
    if "value" in values and (values["value"] is None or values["value"] < 0):
        errors["value"] = [_("The value must be zero or more.")]
    if "status" in values and values["status"] not in OrderStatus.values:
        errors["status"] = [_("Unknown status.")]
    if values.get("number"):
        clash = Order.objects.filter(account=account, number=values["number"])
        if order is not None:
            clash = clash.exclude(pk=order.pk)
        if clash.exists():
            errors["number"] = [_("This account has an order with this number already.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def order_create(*, actor: User, account: Account, data: dict[str, Any]) -> Order:
    values = _strip_texts(data, ORDER_FIELDS)
    values.setdefault("number", "")
    values.setdefault("value", None)
    _check_order(values, account=account, order=None)
    order = Order(account=account, **values)
    order.full_clean()
    order.save()
    audit_record(
        actor=actor,
        action="order.create",
        target=order,
        summary=f"order {order} on {account}",
        changes=values,
    )
    return order


@transaction.atomic
def order_update(*, actor: User, order: Order, data: dict[str, Any]) -> Order:
    values = _strip_texts(data, ORDER_FIELDS)
    _check_order(values, account=order.account, order=order)
    changes = model_update(instance=order, fields=ORDER_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="order.update",
            target=order,
            summary=f"order {order} changed",
            changes=changes,
        )
    return order


@transaction.atomic
def order_delete(*, actor: User, order: Order) -> None:
    audit_record(actor=actor, action="order.delete", target=order, summary=f"order {order} deleted")
    order.delete()


def _check_insight(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "kind" in values and values["kind"] not in InsightKind.values:
        errors["kind"] = [_("Choose goal, risk or constraint.")]
    if "text" in values and not values["text"]:
        errors["text"] = [_("Describe it in a sentence.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def insight_create(*, actor: User, account: Account, data: dict[str, Any]) -> CustomerInsight:
    values = _strip_texts(data, INSIGHT_FIELDS)
    values.setdefault("kind", "")
    values.setdefault("text", "")
    _check_insight(values)
    insight = CustomerInsight.objects.create(account=account, **values)
    audit_record(actor=actor, action="insight.create", target=insight, summary=f"{insight.kind} on {account}")
    return insight


@transaction.atomic
def insight_update(*, actor: User, insight: CustomerInsight, data: dict[str, Any]) -> CustomerInsight:
    values = _strip_texts(data, INSIGHT_FIELDS)
    _check_insight(values)
    changes = model_update(instance=insight, fields=INSIGHT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="insight.update",
            target=insight,
            summary=f"{insight.kind} changed",
            changes=changes,
        )
    return insight


@transaction.atomic
def insight_delete(*, actor: User, insight: CustomerInsight) -> None:
    audit_record(actor=actor, action="insight.delete", target=insight, summary=f"{insight.kind} deleted")
    insight.delete()


# --- imports ---------------------------------------------------------------------------------------------------

STORED_ROW_ERRORS = 10_000
PROGRESS_EVERY_ROWS = 5_000
WRITE_BATCH = 2_000
ENGINE_DUPLICATE_THRESHOLD = 0.9
IMPORT_UPDATABLE_FIELDS = [name for name in importing.ACCOUNT_IMPORT_FIELDS if name != "owner"] + ["owner_id"]


def import_run_create(
    *,
    actor: User,
    upload: File[Any],
    preset: str = ImportPreset.AUTO,
    mode: str = ImportMode.ALL_OR_NOTHING,
    start: bool = True,
) -> ImportRun:
    """Store an uploaded file and start its import: small files at once, large ones in the worker.

    With start=False the caller runs `import_run_execute` itself (the command line does, to show progress).
    """
    from handschlag.accounts.tasks import import_run_execute_task
    from handschlag.core.tasks import enqueue

    if preset not in ImportPreset.values:
        raise InvalidInput.for_field("preset", _("Unknown preset."))
    if mode not in ImportMode.values:
        raise InvalidInput.for_field("mode", _("Choose “all or nothing” or “import good rows”."))
    size = upload.size or 0
    if size == 0:
        raise InvalidInput.for_field("file", _("The file is empty."))
    limit = settings.HANDSCHLAG_IMPORT_MAX_BYTES
    if size > limit:
        raise InvalidInput.for_field(
            "file",
            _("The file is %(size)s MB; at most %(limit)s MB are accepted.")
            % {"size": round(size / 1048576, 1), "limit": limit // 1048576},
        )
    name = Path(upload.name or "upload").name[:255]
    with transaction.atomic():
        run = ImportRun(created_by=actor, original_name=name, file_size=size, preset=preset, mode=mode)
        run.file.save("upload", upload, save=False)
        run.save()
        audit_record(
            actor=actor,
            action="import.create",
            target=run,
            summary=f"import of {name} started",
            changes={"preset": preset, "mode": mode, "size": size},
        )
    if not start:
        return run
    if size <= settings.HANDSCHLAG_IMPORT_INLINE_ROWS * 120:  # about 120 bytes per CRM row
        import_run_execute(run=run)
        run.refresh_from_db()
    else:
        with transaction.atomic():
            enqueue(import_run_execute_task, import_run_id=run.pk)
    return run


@transaction.atomic
def import_run_import_good_rows(*, actor: User, run: ImportRun) -> ImportRun:
    """After an all-or-nothing import was rejected, import its good rows after all (in the worker)."""
    from handschlag.accounts.tasks import import_run_execute_task
    from handschlag.core.tasks import enqueue

    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.REJECTED:
        raise Conflict(_("Only a rejected import can be run again with its good rows."))
    run.mode = ImportMode.GOOD_ROWS
    run.status = ImportStatus.QUEUED
    run.message = ""
    run.save(update_fields=["mode", "status", "message"])
    run.row_errors.all().delete()
    audit_record(
        actor=actor,
        action="import.import_good_rows",
        target=run,
        summary=f"import of {run.original_name}: good rows requested",
    )
    enqueue(import_run_execute_task, import_run_id=run.pk)
    return run


def _owner_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for pk, username, email, first, last in (
        User.objects.exclude(role=Role.PARTNER_USER)
        .filter(is_active=True)
        .values_list("pk", "username", "email", "first_name", "last_name")
    ):
        for key in (username, email, f"{first} {last}".strip(), f"{last}, {first}".strip(", ")):
            if key:
                lookup.setdefault(key.lower(), pk)
    return lookup


@dataclass
class _Plan:
    creates: list[Account]
    updates: list[Account]
    unchanged: int
    update_fields: list[str]


def _find_engine_duplicates(rows: list[importing.ParsedRow]) -> dict[int, int]:
    """For rows no CRM id or domain identified: the existing account the matching engine calls the same."""
    from handschlag.matching import CompanyRecord, match_records

    if not rows:
        return {}
    existing = [
        CompanyRecord(
            id=str(pk),
            name=name,
            domain=domain,
            street=street,
            postal_code=postal_code,
            city=city,
            country=country,
            vat_id=vat_id,
        )
        for pk, name, domain, street, postal_code, city, country, vat_id in Account.objects.filter(
            external_id=""
        )
        .values_list("pk", "name", "domain", "street", "postal_code", "city", "country", "vat_id")
        .iterator(chunk_size=10_000)
    ]
    if not existing:
        return {}
    incoming = [
        CompanyRecord(
            id=str(index),
            name=row.values.get("name", ""),
            domain=row.values.get("domain", ""),
            street=row.values.get("street", ""),
            postal_code=row.values.get("postal_code", ""),
            city=row.values.get("city", ""),
            country=row.values.get("country", ""),
            vat_id=row.values.get("vat_id", ""),
        )
        for index, row in enumerate(rows)
    ]
    pairs = match_records(incoming, existing, threshold=ENGINE_DUPLICATE_THRESHOLD)
    return {int(pair.left_id): int(pair.right_id) for pair in pairs}


def _plan_writes(rows: list[importing.ParsedRow], mapped_fields: list[str]) -> _Plan:
    """Decide per row: update an existing account (CRM id, else domain, else the engine) or create one."""
    by_external_id: dict[str, int] = dict(
        Account.objects.exclude(external_id="").values_list("external_id", "pk").iterator(chunk_size=10_000)
    )
    by_domain: dict[str, tuple[int, str]] = {}
    for pk, domain, external_id in (
        Account.objects.exclude(domain="")
        .values_list("pk", "domain", "external_id")
        .order_by("pk")
        .iterator(chunk_size=10_000)
    ):
        by_domain.setdefault(domain, (pk, external_id))
    targets: dict[int, int] = {}
    unresolved: list[importing.ParsedRow] = []
    for index, row in enumerate(rows):
        external_id = row.values.get("external_id", "")
        if external_id and external_id in by_external_id:
            targets[index] = by_external_id[external_id]
            continue
        domain_hit = by_domain.get(row.values.get("domain", ""))
        if domain_hit is not None and (not external_id or not domain_hit[1]):
            targets[index] = domain_hit[0]
            continue
        unresolved.append(row)
    if unresolved:
        positions = {id(row): index for index, row in enumerate(rows)}
        claimed = set(targets.values())
        for local_index, account_id in _find_engine_duplicates(unresolved).items():
            if account_id not in claimed:
                targets[positions[id(unresolved[local_index])]] = account_id
                claimed.add(account_id)

    update_fields = [name if name != "owner" else "owner_id" for name in mapped_fields]
    existing: dict[int, Account] = {}
    wanted = sorted(set(targets.values()))
    for start in range(0, len(wanted), 10_000):
        existing.update(Account.objects.in_bulk(wanted[start : start + 10_000]))
    creates: list[Account] = []
    updates: list[Account] = []
    unchanged = 0
    seen_targets: set[int] = set()
    now = timezone.now()
    for index, row in enumerate(rows):
        target = targets.get(index)
        if target is None or target not in existing:
            account = Account(**row.values)
            account.refresh_search_text()
            creates.append(account)
            continue
        account = existing[target]
        changed = False
        for name, value in row.values.items():
            if name == "external_id" and not value:
                continue
            if getattr(account, name) != value:
                setattr(account, name, value)
                changed = True
        if changed and target not in seen_targets:
            account.updated_at = now  # bulk_update does not apply auto_now
            account.refresh_search_text()
            updates.append(account)
        elif not changed:
            unchanged += 1
        seen_targets.add(target)
    return _Plan(creates=creates, updates=updates, unchanged=unchanged, update_fields=update_fields)


def _save_row_errors(run: ImportRun, errors: list[importing.RowError]) -> None:
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                run=run, line=error.line, field=error.field, value=error.value, reason=error.reason[:300]
            )
            for error in errors[:STORED_ROW_ERRORS]
        ],
        batch_size=WRITE_BATCH,
    )


def _finish(run: ImportRun, *, status: str, message: str = "") -> None:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "message",
            "finished_at",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "file_format",
            "encoding",
            "delimiter",
            "column_mapping",
        ]
    )


def import_run_execute(
    *, run: ImportRun, progress: Callable[[int, int | None], None] | None = None
) -> ImportRun:
    """Check every row, then write all accounts in one transaction, or nothing.

    Runs twice without harm: a finished run is left alone; a run interrupted mid-way starts again from the file
    (its writes were in one transaction, so nothing of it is in the database).
    """
    run = ImportRun.objects.get(pk=run.pk)
    if run.is_finished:
        return run
    run.row_errors.all().delete()
    run.status = ImportStatus.CHECKING
    run.processed_rows = run.created_count = run.updated_count = run.unchanged_count = run.error_count = 0
    run.save(
        update_fields=[
            "status",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
        ]
    )
    started = time.monotonic()
    try:
        table = importing.open_table(Path(run.file.path), source=run.original_name)
        mapping = importing.map_columns(table.headers, run.preset)
    except importing.ImportFileError as error:
        _finish(run, status=ImportStatus.FAILED, message=error.message)
        return run
    except OSError:
        _finish(
            run,
            status=ImportStatus.FAILED,
            message=_("The uploaded file is no longer there. Upload it again."),
        )
        return run
    run.file_format, run.encoding, run.delimiter = table.file_format, table.encoding, table.delimiter
    run.column_mapping = {name: table.headers[index] for name, index in mapping.items()}
    context = importing.RowContext(decimal_comma=table.delimiter != ",", owners=_owner_lookup())
    good: list[importing.ParsedRow] = []
    errors: list[importing.RowError] = []
    first_line_of_id: dict[str, int] = {}
    first_line_of_domain: dict[str, int] = {}
    count = 0
    try:
        for line, cells in table.rows:
            count += 1
            row, row_errors = importing.parse_row(line, cells, mapping, context)
            external_id = row.values.get("external_id", "")
            if not row_errors and external_id:
                if external_id in first_line_of_id:
                    row_errors.append(
                        importing.RowError(
                            line=line,
                            field="external_id",
                            value=external_id,
                            reason=_("the same CRM id as line %(line)d")
                            % {"line": first_line_of_id[external_id]},
                        )
                    )
                else:
                    first_line_of_id[external_id] = line
            domain = row.values.get("domain", "")
            if not row_errors and domain and not external_id:
                if domain in first_line_of_domain:
                    row_errors.append(
                        importing.RowError(
                            line=line,
                            field="domain",
                            value=domain,
                            reason=_("the same domain as line %(line)d and no CRM id to tell them apart")
                            % {"line": first_line_of_domain[domain]},
                        )
                    )
                else:
                    first_line_of_domain[domain] = line
            if row_errors:
                errors.extend(row_errors)
            else:
                good.append(row)
            if count % PROGRESS_EVERY_ROWS == 0:
                ImportRun.objects.filter(pk=run.pk).update(processed_rows=count)
                if progress:
                    progress(count, None)
    except importing.ImportFileError as error:
        _finish(run, status=ImportStatus.FAILED, message=error.message)
        return run
    run.total_rows = run.processed_rows = count
    run.error_count = len(errors)
    if count == 0:
        _finish(run, status=ImportStatus.FAILED, message=_("The file has a header but no rows."))
        return run
    if errors and run.mode == ImportMode.ALL_OR_NOTHING:
        _save_row_errors(run, errors)
        _finish(
            run,
            status=ImportStatus.REJECTED,
            message=ngettext(
                "%(bad)d of %(total)d rows has errors; nothing was imported.",
                "%(bad)d of %(total)d rows have errors; nothing was imported.",
                len({error.line for error in errors}),
            )
            % {"bad": len({error.line for error in errors}), "total": count},
        )
        return run
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.WRITING, processed_rows=count, total_rows=count
    )
    if progress:
        progress(count, count)
    mapped_fields = [name for name in mapping if name in importing.ACCOUNT_IMPORT_FIELDS]
    try:
        with transaction.atomic():
            plan = _plan_writes(good, mapped_fields)
            Account.objects.bulk_create(plan.creates, batch_size=WRITE_BATCH)
            if plan.updates:
                Account.objects.bulk_update(
                    plan.updates, [*plan.update_fields, "search_text", "updated_at"], batch_size=WRITE_BATCH
                )
            _save_row_errors(run, errors)
            run.created_count, run.updated_count, run.unchanged_count = (
                len(plan.creates),
                len(plan.updates),
                plan.unchanged,
            )
            audit_record(
                actor=run.created_by,
                action="import.done",
                target=run,
                summary=f"import of {run.original_name}: {len(plan.creates)} created, {len(plan.updates)} updated",
                changes={
                    "created": len(plan.creates),
                    "updated": len(plan.updates),
                    "bad_rows": len(errors),
                    "seconds": round(time.monotonic() - started, 2),
                },
            )
            _finish(run, status=ImportStatus.DONE)
    except IntegrityError:
        logger.exception("import %s hit a constraint", run.pk)
        run.created_count = run.updated_count = run.unchanged_count = 0
        _finish(
            run,
            status=ImportStatus.FAILED,
            message=_(
                "Another change wrote the same CRM ids at the same time. Nothing was imported; run the "
                "import again."
            ),
        )
    return run
