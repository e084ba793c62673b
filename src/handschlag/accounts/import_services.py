"""Imports of account files: store the upload, check every row, write all accounts or nothing.

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
from handschlag.accounts.enums import ImportMode, ImportPreset, ImportStatus
from handschlag.accounts.models import Account, ImportRowError, ImportRun, SavedColumnMapping
from handschlag.accounts.selectors import CompanyFields, duplicate_candidates_of_rows
from handschlag.core.access import require_capability
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.core.tasks import enqueue, job_run_in_process

logger = logging.getLogger(__name__)

STORED_ROW_ERRORS = 10_000
PROGRESS_EVERY_ROWS = 5_000
WRITE_BATCH = 2_000
# enqueued by name: the tasks module imports this one, never the other way round
IMPORT_RUN_EXECUTE_TASK = "handschlag.accounts.tasks.import_run_execute_task"
ENGINE_DUPLICATE_THRESHOLD = 0.9
IMPORT_UPDATABLE_FIELDS = [name for name in importing.ACCOUNT_IMPORT_FIELDS if name != "owner"] + ["owner_id"]


def import_run_create(
    *,
    actor: User,
    upload: File[Any],
    preset: ImportPreset = ImportPreset.AUTO,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    start: bool = True,
    columns: dict[str, str] | None = None,
    saved_mapping: str | None = None,
    confirm_columns: bool = False,
) -> ImportRun:
    """Store an uploaded file and start its import: small files at once, large ones in the worker.

    `columns` (header → field, "" to ignore a column) and `saved_mapping` (a saved column mapping's name or id)
    choose columns; the explicit `columns` win over the saved ones, and the other columns are detected. With
    confirm_columns=True the run waits for the user to confirm its columns (`import_run_confirm_columns`; the
    page does this). With start=False the caller runs `import_run_execute` itself (the command line does, to
    show progress).
    """

    require_capability(actor, Capability.ACCOUNTS_IMPORT)
    if preset not in ImportPreset.values:
        raise InvalidInput.for_field("preset", _("Unknown preset."))
    saved = saved_column_mapping_find(saved_mapping) if saved_mapping else None
    if saved_mapping and saved is None:
        raise InvalidInput.for_field(
            "saved_mapping", _("There is no saved column mapping “%(name)s”.") % {"name": saved_mapping}
        )
    requested = {**(saved.columns if saved else {}), **_checked_columns(columns or {})}
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
        run = ImportRun(
            created_by=actor,
            original_name=name,
            file_size=size,
            preset=preset,
            mode=mode,
            requested_columns=requested,
            saved_mapping=saved,
            status=ImportStatus.COLUMNS if confirm_columns else ImportStatus.QUEUED,
        )
        run.file.save("upload", upload, save=False)
        run.save()
        audit_record(
            actor=actor,
            action="import.create",
            target=run,
            summary=f"import of {name} started",
            changes={"preset": preset, "mode": mode, "size": size, "columns": requested},
        )
        if not start or confirm_columns:
            return run
        # the job commits with the run (docs/adr/0002): no run is ever left waiting without one
        job = enqueue(IMPORT_RUN_EXECUTE_TASK, import_run_id=run.pk)
    # only what is cheaply known to be small runs in the request (bytes, a capped count of rows); never a workbook
    # that unpacks to more than such rows take. It runs as its job, so a crash here leaves it to the worker.
    if importing.small_enough_for_request(
        Path(run.file.path), max_rows=settings.HANDSCHLAG_IMPORT_INLINE_ROWS
    ):
        job_run_in_process(job.pk)
        run.refresh_from_db()
    return run


def _checked_columns(columns: dict[str, str]) -> dict[str, str]:
    """A column mapping as the user sent it: header → field ("" ignores the column); unknown fields refused."""
    checked: dict[str, str] = {}
    for header, target in columns.items():
        target = (target or "").strip()
        if target in ("ignore", "-"):
            target = importing.IGNORE
        if target and target not in importing.ACCOUNT_IMPORT_FIELDS:
            raise InvalidInput.for_field(
                "columns", _("“%(field)s” is not a field that can be imported.") % {"field": target}
            )
        checked[str(header)[:200]] = target
    targets = [target for target in checked.values() if target]
    twice = sorted({target for target in targets if targets.count(target) > 1})
    if twice:
        raise InvalidInput.for_field(
            "columns",
            _("Two columns are mapped to “%(field)s”; choose one.")
            % {"field": importing.field_label(twice[0])},
        )
    return checked


def saved_column_mapping_find(reference: str | int) -> SavedColumnMapping | None:
    """A saved column mapping by its id or its name (names are compared without regard to case)."""
    text = str(reference).strip()
    if text.isdigit():
        found = SavedColumnMapping.objects.filter(pk=int(text)).first()
        if found is not None:
            return found
    return SavedColumnMapping.objects.filter(name__iexact=text).first()


@transaction.atomic
def saved_column_mapping_save(*, actor: User, name: str, columns: dict[str, str]) -> SavedColumnMapping:
    """Save a column mapping under a name for a source ("Partner Glanzwerk export"); the same name replaces it.
    Those who import accounts, and those who run account mappings (a partner's list has columns too)."""
    if not has_capability(actor, Capability.MAPPINGS_RUN):
        require_capability(actor, Capability.ACCOUNTS_IMPORT)
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", _("Give the column mapping a name."))
    if len(name) > 100:
        raise InvalidInput.for_field("name", _("At most 100 characters."))
    checked = _checked_columns(columns)  # the columns it names; others are detected when it is used
    mapping = SavedColumnMapping.objects.select_for_update().filter(name__iexact=name).first()
    if mapping is None:
        mapping = SavedColumnMapping.objects.create(name=name, columns=checked, created_by=actor)
        action = "import_mapping.create"
    else:
        mapping.columns = checked
        mapping.save(update_fields=["columns", "updated_at"])
        action = "import_mapping.update"
    audit_record(
        actor=actor,
        action=action,
        target=mapping,
        summary=f"column mapping {mapping.name} saved",
        changes={"columns": checked},
    )
    return mapping


@transaction.atomic
def saved_column_mapping_delete(*, actor: User, mapping: SavedColumnMapping) -> None:
    require_capability(actor, Capability.ACCOUNTS_IMPORT)
    audit_record(
        actor=actor,
        action="import_mapping.delete",
        target=mapping,
        summary=f"column mapping {mapping.name} deleted",
    )
    mapping.delete()


def import_run_columns(*, actor: User, run: ImportRun) -> list[dict[str, str]]:
    """The columns of a run's file as the mapping page and API show them: header, field ("" = ignored) and a
    sample value. Raises InvalidInput when the file cannot be read."""
    require_capability(actor, Capability.ACCOUNTS_IMPORT)
    headers, samples = _headers_and_samples(run)
    return importing.detected_columns(headers, samples, preset=run.preset, columns=run.requested_columns)


def _headers_and_samples(run: ImportRun) -> tuple[list[str], list[list[Any]]]:
    try:
        table = importing.open_table(Path(run.file.path), source=run.original_name)
        try:
            return table.headers, importing.read_samples(table)
        finally:
            table.close()
    except importing.ImportFileError as error:
        raise InvalidInput.for_field("file", error.message) from None
    except OSError:
        raise InvalidInput.for_field(
            "file", _("The uploaded file is no longer there. Upload it again.")
        ) from None


def import_run_confirm_columns(
    *, actor: User, run: ImportRun, columns: dict[str, str], save_as: str = ""
) -> ImportRun:
    """The user confirmed (or changed) the columns of a run waiting for that: start it, and save the mapping
    under `save_as` when given."""
    require_capability(actor, Capability.ACCOUNTS_IMPORT)
    checked = _checked_columns(columns)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportStatus.COLUMNS:
            raise Conflict(_("The columns of this import were already confirmed."))
        headers, _samples = _headers_and_samples(run)
        try:
            importing.map_columns(headers, run.preset, columns=checked)
        except importing.ImportFileError as error:
            raise InvalidInput.for_field("columns", error.message) from None
        if save_as.strip():
            run.saved_mapping = saved_column_mapping_save(actor=actor, name=save_as, columns=checked)
        run.requested_columns = checked
        run.status = ImportStatus.QUEUED
        run.save(update_fields=["requested_columns", "status", "saved_mapping"])
        audit_record(
            actor=actor,
            action="import.columns",
            target=run,
            summary=f"import of {run.original_name}: columns confirmed",
            changes={"columns": checked},
        )
        job = enqueue(IMPORT_RUN_EXECUTE_TASK, import_run_id=run.pk)
    if importing.small_enough_for_request(
        Path(run.file.path), max_rows=settings.HANDSCHLAG_IMPORT_INLINE_ROWS
    ):
        job_run_in_process(job.pk)
        run.refresh_from_db()
    return run


@transaction.atomic
def import_run_import_good_rows(*, actor: User, run: ImportRun) -> ImportRun:
    """After an all-or-nothing import was rejected, import its good rows after all (in the worker)."""

    require_capability(actor, Capability.ACCOUNTS_IMPORT)
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
    enqueue(IMPORT_RUN_EXECUTE_TASK, import_run_id=run.pk)
    return run


@transaction.atomic
def import_run_mark_failed(*, run_id: int, reason: str) -> None:
    """Run by the system when the worker gives up on an import (its job failed for the last time, or its worker
    vanished with no attempt left): the run ends failed with the reason instead of "writing" forever. Its writes
    are in one transaction, so nothing of it was imported. A run that finished after all is left alone."""
    run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.is_finished:
        return
    run.status = ImportStatus.FAILED
    run.message = _("The import stopped with an error; nothing was imported. Reason: %(reason)s") % {
        "reason": reason[:300]
    }
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
    audit_record(
        actor=None, action="import.fail", target=run, summary=f"import of {run.original_name} failed"
    )


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
    create_lines: list[int]
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
    pairs = match_records(incoming, existing, threshold=ENGINE_DUPLICATE_THRESHOLD, mode="one-to-one")
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
    create_lines: list[int] = []
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
            create_lines.append(row.line)
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
    return _Plan(
        creates=creates,
        create_lines=create_lines,
        updates=updates,
        unchanged=unchanged,
        update_fields=update_fields,
    )


def _duplicate_warnings(plan: _Plan) -> list[importing.RowError]:
    """A warning (not a refusal) for each new account the matching engine takes for an existing one."""
    companies = [
        CompanyFields(
            name=account.name,
            legal_form=account.legal_form,
            domain=account.domain,
            street=account.street,
            postal_code=account.postal_code,
            city=account.city,
            country=account.country,
            vat_id=account.vat_id,
        )
        for account in plan.creates
    ]
    return [
        importing.RowError(
            line=plan.create_lines[index],
            field="name",
            value=plan.creates[index].name[:200],
            reason=_("probably the same company as the existing account %(name)s (#%(id)d); created anyway")
            % {"name": candidate.name, "id": candidate.account_id},
        )
        for index, candidate in sorted(duplicate_candidates_of_rows(companies=companies).items())
    ]


def _save_row_errors(run: ImportRun, errors: list[importing.RowError], *, warning: bool = False) -> None:
    """Store the first STORED_ROW_ERRORS problems for the page; the run's counts hold the exact totals."""
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                run=run,
                line=error.line,
                field=error.field,
                value=error.value,
                reason=error.reason[:300],
                warning=warning or error.warning,
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
            "error_row_count",
            "warning_count",
            "warning_row_count",
            "file_format",
            "encoding",
            "delimiter",
            "column_mapping",
        ]
    )


def _done_message(run: ImportRun) -> str:
    """Exact counts: every row with a name was imported; bad fields are warnings. Nothing to say for a clean file."""
    if not run.error_row_count and not run.warning_count:
        return ""
    parts = [
        ngettext("%(count)d row imported.", "%(count)d rows imported.", run.total_rows - run.error_row_count)
        % {"count": run.total_rows - run.error_row_count}
    ]
    if run.error_row_count:
        parts.append(
            ngettext(
                "%(count)d row without a company name left out.",
                "%(count)d rows without a company name left out.",
                run.error_row_count,
            )
            % {"count": run.error_row_count}
        )
    if run.warning_count:
        parts.append(
            ngettext(
                "%(count)d warning in %(rows)d rows: fields left out or kept as they are.",
                "%(count)d warnings in %(rows)d rows: fields left out or kept as they are.",
                run.warning_count,
            )
            % {"count": run.warning_count, "rows": run.warning_row_count}
        )
    return " ".join(parts)


def import_run_execute(
    *, run: ImportRun, progress: Callable[[int, int | None], None] | None = None
) -> ImportRun:
    """Check every row, then write all accounts in one transaction, or nothing.

    Run by the system (the worker, or the command after `import_run_create`): it acts for the user who created
    the run, whose capability `import_run_create` checked.

    Runs twice without harm: a finished run is left alone; a run interrupted mid-way starts again from the file
    (its writes were in one transaction, so nothing of it is in the database).
    """
    run = ImportRun.objects.get(pk=run.pk)
    if run.is_finished:
        return run
    run.row_errors.all().delete()
    run.status = ImportStatus.CHECKING
    run.processed_rows = run.created_count = run.updated_count = run.unchanged_count = run.error_count = 0
    run.error_row_count = run.warning_count = run.warning_row_count = 0
    run.save(
        update_fields=[
            "status",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "error_row_count",
            "warning_count",
            "warning_row_count",
        ]
    )
    started = time.monotonic()
    try:
        table = importing.open_table(Path(run.file.path), source=run.original_name)
        mapping = importing.map_columns(table.headers, run.preset, columns=run.requested_columns)
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
    row_warnings: list[importing.RowError] = []
    error_lines: set[int] = set()
    warning_lines: set[int] = set()
    first_line_of_id: dict[str, int] = {}
    first_line_of_domain: dict[str, int] = {}
    count = 0
    try:
        for line, cells in table.rows:
            count += 1
            row, problems = importing.parse_row(line, cells, mapping, context)
            row_errors = [problem for problem in problems if not problem.warning]
            external_id = row.values.get("external_id", "")
            if not row_errors and external_id:
                if external_id in first_line_of_id:
                    # the company is kept; the id that would make it overwrite another row is left out
                    problems.append(
                        importing.RowError(
                            line=line,
                            field="external_id",
                            value=external_id,
                            reason=_("the same CRM id as line %(line)d; imported without it")
                            % {"line": first_line_of_id[external_id]},
                            warning=True,
                        )
                    )
                    row.values["external_id"] = external_id = ""
                else:
                    first_line_of_id[external_id] = line
            domain = row.values.get("domain", "")
            if not row_errors and domain and not external_id:
                if domain in first_line_of_domain:
                    problems.append(
                        importing.RowError(
                            line=line,
                            field="domain",
                            value=domain,
                            reason=_("the same domain as line %(line)d; check whether it is the same company")
                            % {"line": first_line_of_domain[domain]},
                            warning=True,
                        )
                    )
                else:
                    first_line_of_domain[domain] = line
            if row_errors:  # left out; warnings about its other fields would only be noise
                errors.extend(row_errors)
                error_lines.add(line)
            else:
                good.append(row)
                for problem in problems:
                    if problem.warning:
                        row_warnings.append(problem)
                        warning_lines.add(line)
            if count % PROGRESS_EVERY_ROWS == 0:
                ImportRun.objects.filter(pk=run.pk).update(processed_rows=count)
                if progress:
                    progress(count, None)
    except importing.ImportFileError as error:
        _finish(run, status=ImportStatus.FAILED, message=error.message)
        return run
    run.total_rows = run.processed_rows = count
    run.error_count = len(errors)
    run.error_row_count = len(error_lines)
    run.warning_count = len(row_warnings)
    run.warning_row_count = len(warning_lines)
    if count == 0:
        _finish(run, status=ImportStatus.FAILED, message=_("The file has a header but no rows."))
        return run
    if errors and run.mode == ImportMode.ALL_OR_NOTHING:
        _save_row_errors(run, errors)
        _save_row_errors(run, row_warnings, warning=True)
        _finish(
            run,
            status=ImportStatus.REJECTED,
            message=ngettext(
                "%(bad)d of %(total)d rows has no company name; nothing was imported.",
                "%(bad)d of %(total)d rows have no company name; nothing was imported.",
                len(error_lines),
            )
            % {"bad": len(error_lines), "total": count},
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
            warnings = _duplicate_warnings(plan)
            Account.objects.bulk_create(plan.creates, batch_size=WRITE_BATCH)
            if plan.updates:
                Account.objects.bulk_update(
                    plan.updates, [*plan.update_fields, "search_text", "updated_at"], batch_size=WRITE_BATCH
                )
            _save_row_errors(run, errors)
            _save_row_errors(run, row_warnings, warning=True)
            _save_row_errors(run, warnings, warning=True)
            run.warning_count += len(warnings)
            run.warning_row_count = len(warning_lines | {warning.line for warning in warnings})
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
                    "bad_rows": len(error_lines),
                    "warnings": run.warning_count,
                    "seconds": round(time.monotonic() - started, 2),
                },
            )
            _finish(run, status=ImportStatus.DONE, message=_done_message(run))
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
