"""Writes of account mapping: sharing rules, accounts never shared, mapping runs and their execution.

Every service checks its actor first (docs/ARCHITECTURE.md): sharing rules need `PARTNERS_MANAGE`, runs
`MAPPINGS_RUN` (our people) or the portal for the partner's own agreement, accounts never shared the right to edit
the account or `PARTNERS_MANAGE`. `mapping_run_execute` runs in the worker for the user stored on the run.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.accounts.import_services import saved_column_mapping_find, saved_column_mapping_save
from handschlag.accounts.match_evidence import evidence_to_json
from handschlag.alliances.enums import AgreementStatus
from handschlag.alliances.selectors import agreement_lock
from handschlag.alliances.services import agreement_withdraw_opt_ins
from handschlag.core.access import require_capability
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.tasks import enqueue
from handschlag.mapping import linkage
from handschlag.mapping.access import may_mark_never_share
from handschlag.mapping.enums import MappingSource, MappingStatus, Population, SharingLevel
from handschlag.mapping.inputs import (
    MappingColumnsInput,
    MappingRunInput,
    MatchDecisionInput,
    SharingRulesPatch,
)
from handschlag.mapping.models import (
    MappingMatch,
    MappingRun,
    MappingSettings,
    MatchDecision,
    PartnerRecord,
    ShareExclusion,
    SharingRule,
)
from handschlag.mapping.partner_lists import (
    POPULATION_FIELD,
    PartnerList,
    PartnerListError,
    PartnerRow,
    check_list_columns,
    checked_columns,
    list_columns,
    partner_list_summary,
    read_clear_list,
    read_population_sidecar,
    usable_columns,
)
from handschlag.mapping.selectors import mapping_settings_of, our_records_for_mapping, rejected_pairs_of
from handschlag.mapping.sharing import clean_fields
from handschlag.mapping.upload_rate import partner_upload_rate_check
from handschlag.matching import CompanyRecord, MatchPair

if TYPE_CHECKING:
    from handschlag.accounts.models import Account
    from handschlag.alliances.models import Agreement

logger = logging.getLogger(__name__)
# enqueued by name: the tasks module imports this one, never the other way round
MAPPING_RUN_EXECUTE_TASK = "handschlag.mapping.tasks.mapping_run_execute_task"


# --- sharing rules and exclusions -------------------------------------------------------------------------------


def _require_internal(actor: User, capability: Capability) -> None:
    """Our people with the capability; a partner user never (his own writes are checked where they exist)."""
    if not is_internal(actor):
        raise Forbidden
    require_capability(actor, capability)


SETTING_FIELDS = ("min_cell_size", "min_list_records", "count_release_days")


@transaction.atomic
def sharing_rules_set(*, actor: User, agreement: Agreement, patch: SharingRulesPatch) -> list[SharingRule]:
    """Set the rule of each given population and the given count protection (k, smallest list, release days).

    Any change withdraws both opt-ins: the partner agreed to the old rules, not to these."""
    _require_internal(actor, Capability.PARTNERS_MANAGE)
    agreement_lock(agreement_id=agreement.pk)  # one change of the rules at a time
    existing = {
        rule.population: rule for rule in SharingRule.objects.select_for_update().filter(agreement=agreement)
    }
    changes: dict[str, Any] = {}
    for population, requested in patch.rules.items():
        level = requested.level
        fields = list(clean_fields(requested.fields)) if level == SharingLevel.ACCOUNTS else []
        rule = existing.get(population)
        if rule is None:
            rule = SharingRule.objects.create(
                agreement=agreement, population=population, level=level, fields=fields
            )
            existing[population] = rule
            if level != SharingLevel.HIDDEN:
                changes[population] = [None, {"level": level.value, "fields": fields}]
        elif rule.level != level or list(rule.fields) != fields:
            changes[population] = [
                {"level": rule.level, "fields": rule.fields},
                {"level": level.value, "fields": fields},
            ]
            rule.level, rule.fields = level, fields
            rule.save(update_fields=["level", "fields"])
    settings_given = {name: value for name, value in patch.given().items() if name in SETTING_FIELDS}
    settings_given = {name: value for name, value in settings_given.items() if value is not None}
    if settings_given:
        mapping_settings, _created = MappingSettings.objects.get_or_create(agreement=agreement)
        changed = [name for name, value in settings_given.items() if getattr(mapping_settings, name) != value]
        for name in changed:
            changes[name] = [getattr(mapping_settings, name), settings_given[name]]
            setattr(mapping_settings, name, settings_given[name])
        if changed:
            mapping_settings.save(update_fields=changed)
    if changes:
        audit_record(
            actor=actor,
            action="agreement.sharing_rules",
            target=agreement,
            summary=f"sharing rules of {agreement} changed",
            changes=changes,
        )
        agreement_withdraw_opt_ins(actor=actor, agreement=agreement, reason="sharing rules changed")
    return list(existing.values())


def _require_may_mark(actor: User, account: Account) -> None:
    if not is_internal(actor) or not may_mark_never_share(actor, account):
        raise Forbidden


@transaction.atomic
def share_exclusion_add(*, actor: User, account: Account, reason: str = "") -> ShareExclusion:
    _require_may_mark(actor, account)
    exclusion, created = ShareExclusion.objects.get_or_create(
        account=account, defaults={"reason": reason.strip()[:300], "created_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="account.never_share",
            target=account,
            summary=f"account {account} marked never to share",
            changes={"reason": exclusion.reason},
        )
    return exclusion


@transaction.atomic
def share_exclusion_remove(*, actor: User, account: Account) -> None:
    _require_may_mark(actor, account)
    deleted, _details = ShareExclusion.objects.filter(account=account).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="account.may_share",
            target=account,
            summary=f"account {account} may be shared again",
        )


# --- mapping runs ------------------------------------------------------------------------------------------------


def _check_upload(upload: File | None, field: str) -> int:
    size = (upload.size or 0) if upload is not None else 0
    if size == 0:
        raise InvalidInput.for_field(field, _("The file is empty."))
    limit = settings.HANDSCHLAG_IMPORT_MAX_BYTES
    if size > limit:
        raise InvalidInput.for_field(
            field,
            _("The file is %(size)s MB; at most %(limit)s MB are accepted.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    return size


def _check_partner_may_upload(*, actor: User, agreement: Agreement) -> None:
    """A partner user maps his own list only for his own partner's agreement, once both sides agreed."""
    if not has_capability(actor, Capability.PORTAL_USE):
        raise NotFound
    if actor.organisation_id is None or actor.organisation_id != agreement.partner.organisation_id:
        raise NotFound
    if agreement.status == AgreementStatus.ENDED:
        raise Conflict(_("This agreement has ended: no new account mapping."))
    if not agreement.both_opted_in:
        raise Conflict(_("Both sides must agree to the sharing rules before your list can be mapped."))


def _requested_columns(
    *, actor: User, data: MappingRunInput, columns: Mapping[str, str | None] | None
) -> dict[str, str]:
    """The column mapping asked for at the upload: a saved one (our people only; its columns for fields a
    partner's list has no use for are ignored), overridden by the explicit `columns`."""
    requested: dict[str, str] = {}
    if data.saved_mapping.strip():
        saved = saved_column_mapping_find(data.saved_mapping) if is_internal(actor) else None
        if saved is None:  # a partner user is told the same as for a name that does not exist
            raise InvalidInput.for_field(
                "saved_mapping",
                _("There is no saved column mapping “%(name)s”.") % {"name": data.saved_mapping.strip()},
            )
        requested.update(usable_columns(saved.columns))
    try:
        requested.update(checked_columns(columns or {}))
    except PartnerListError as error:
        raise InvalidInput.for_field("columns", error.message) from None
    if requested and data.source != MappingSource.CLEAR:
        raise InvalidInput.for_field("columns", _("Columns can be chosen for a list in clear only."))
    return requested


def mapping_run_create(
    *,
    actor: User,
    agreement: Agreement,
    upload: File,
    data: MappingRunInput | None = None,
    populations_upload: File | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> MappingRun:
    """Store the partner's list and queue the run; the worker does the matching (poll the run for progress).

    Our partner managers upload for any agreement; a partner user uploads his own list for his own partner's
    agreement once both sides agreed to the sharing rules (docs/partner-portal.md). The smallest list the
    agreement accepts is checked when the list is read, before anything is matched (`mapping_run_execute`).

    `columns` (header → field, "" ignores a column) and `data.saved_mapping` choose the columns of a list in
    clear; the others are detected. With `data.confirm_columns` the run waits in status "columns" until the user
    confirms them (`mapping_run_confirm_columns`)."""

    data = data or MappingRunInput()
    source, default_population, skip_bad_rows = data.source, data.default_population, data.skip_bad_rows
    if is_internal(actor):
        require_capability(actor, Capability.MAPPINGS_RUN)
    else:
        _check_partner_may_upload(actor=actor, agreement=agreement)
    requested = _requested_columns(actor=actor, data=data, columns=columns)
    waits = data.confirm_columns and source == MappingSource.CLEAR
    size = _check_upload(upload, "file")
    if populations_upload is not None:
        if source != MappingSource.ENCODED:
            raise InvalidInput.for_field(
                "populations", _("A population list goes with an encoded file only.")
            )
        _check_upload(populations_upload, "populations")
    name = Path(upload.name or "upload").name[:255]
    with transaction.atomic():
        if not is_internal(actor):
            partner_upload_rate_check(actor=actor)
        previous = (
            MappingRun.objects.filter(agreement=agreement, status=MappingStatus.DONE)
            .order_by("-created_at", "-id")
            .first()
        )
        run = MappingRun(
            agreement=agreement,
            created_by=actor,
            source=source,
            default_population=default_population,
            original_name=name,
            file_size=size,
            previous_run=previous,
            skip_bad_rows=skip_bad_rows,
            columns=requested,
            status=MappingStatus.COLUMNS if waits else MappingStatus.QUEUED,
        )
        run.file.save("upload", upload, save=False)
        if populations_upload is not None:
            run.populations_file.save("populations", populations_upload, save=False)
        if requested and not waits:
            try:  # a mapping that cannot work is refused now, not in the worker
                check_list_columns(Path(run.file.path), source=name, columns=requested)
            except PartnerListError as error:
                run.file.delete(save=False)
                raise InvalidInput.for_field("columns", error.message) from None
        run.save()
        audit_record(
            actor=actor,
            action="mapping_run.create",
            target=run,
            summary=f"mapping run with {agreement.partner} started ({name})",
            changes={"source": source, "size": size, "agreement": agreement.pk, "columns": requested},
        )
        if not waits:
            enqueue(MAPPING_RUN_EXECUTE_TASK, mapping_run_id=run.pk)
    return run


def _require_may_handle_columns(actor: User, run: MappingRun) -> None:
    """Our people who run mappings; a partner user only for a list a user of his own partner uploaded for his
    partner's agreement (NotFound otherwise, as for a run that does not exist)."""
    if is_internal(actor):
        require_capability(actor, Capability.MAPPINGS_RUN)
        return
    if (
        not has_capability(actor, Capability.PORTAL_USE)
        or actor.organisation_id is None
        or run.agreement.partner.organisation_id != actor.organisation_id
        or run.created_by is None
        or run.created_by.organisation_id != actor.organisation_id
    ):
        raise NotFound


def mapping_run_columns(*, actor: User, run: MappingRun) -> list[dict[str, str]]:
    """The columns of a run's list in clear: header, the field each is read into ("" = ignored, "population")
    and a sample value. Raises InvalidInput when the file cannot be read, Conflict for an encoded file."""
    _require_may_handle_columns(actor, run)
    if run.source != MappingSource.CLEAR:
        raise Conflict(_("An encoded file has no columns to check."))
    try:
        return list_columns(Path(run.file.path), source=run.original_name, columns=run.columns)
    except PartnerListError as error:
        raise InvalidInput.for_field("file", error.message) from None
    except OSError:
        raise InvalidInput.for_field(
            "file", _("The uploaded file is no longer there. Upload it again.")
        ) from None


def mapping_run_confirm_columns(*, actor: User, run: MappingRun, data: MappingColumnsInput) -> MappingRun:
    """The user confirmed (or changed) the columns of a run waiting for that: queue the run. Our people may save
    the mapping under `data.save_as` for the next list of the same source (accounts' saved column mappings)."""
    _require_may_handle_columns(actor, run)
    try:
        checked = checked_columns(data.columns)
    except PartnerListError as error:
        raise InvalidInput.for_field("columns", error.message) from None
    save_as = data.save_as.strip()
    if save_as and not is_internal(actor):
        raise InvalidInput.for_field("save_as", _("Column mappings cannot be saved here."))
    with transaction.atomic():
        run = MappingRun.objects.select_for_update().select_related("agreement__partner").get(pk=run.pk)
        if run.status != MappingStatus.COLUMNS:
            raise Conflict(_("The columns of this list were already confirmed."))
        try:
            check_list_columns(Path(run.file.path), source=run.original_name, columns=checked)
        except PartnerListError as error:
            raise InvalidInput.for_field("columns", error.message) from None
        except OSError:
            raise InvalidInput.for_field(
                "file", _("The uploaded file is no longer there. Upload it again.")
            ) from None
        if save_as:
            saved_column_mapping_save(
                actor=actor,
                name=save_as,
                columns={header: field for header, field in checked.items() if field != POPULATION_FIELD},
            )
        run.columns = checked
        run.status = MappingStatus.QUEUED
        run.save(update_fields=["columns", "status"])
        audit_record(
            actor=actor,
            action="mapping_run.columns",
            target=run,
            summary=f"mapping run {run}: columns confirmed",
            changes={"columns": checked, "saved_as": save_as},
        )
        enqueue(MAPPING_RUN_EXECUTE_TASK, mapping_run_id=run.pk)
    return run


def _progress(run: MappingRun, status: str, percent: int) -> None:
    MappingRun.objects.filter(pk=run.pk).update(status=status, progress_percent=percent)
    run.status, run.progress_percent = status, percent


def _fail(run: MappingRun, message: str, row_errors: list[dict[str, Any]] | None = None) -> None:
    MappingRun.objects.filter(pk=run.pk).update(
        status=MappingStatus.FAILED,
        progress_percent=100,
        message=message,
        row_errors=row_errors or [],
        finished_at=timezone.now(),
    )


@transaction.atomic
def mapping_run_mark_failed(*, run_id: int, reason: str) -> None:
    """Run by the system when the worker gives up on a run (its job failed for the last time, or its worker
    vanished): the run ends failed, and so can be deleted, instead of standing at "80 %" forever. Partner users
    read the message, so it names only the kind of error; the details stay in the failed job for admins."""
    run = MappingRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.is_finished:
        return
    kind = reason.split(":", 1)[0][:100]
    _fail(
        run,
        _("The run stopped with an error (%(kind)s) and has no result. Delete it and start a new run.")
        % {"kind": kind},
    )
    audit_record(actor=None, action="mapping_run.fail", target=run, summary=f"mapping run {run} failed")


def mapping_run_execute(*, run: MappingRun) -> None:
    """Read the partner's list, match it against our accounts, keep only the overlap. Safe to run twice."""
    if run.status in {MappingStatus.DONE, MappingStatus.COLUMNS}:
        return  # done, or not to start before its columns are confirmed
    with _cyclic_gc_paused():
        _execute(run)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A run holds a few hundred thousand objects until it ends (both lists' records, the pairs and their
    evidence): Python's cyclic garbage collector would walk them again and again and find nothing to free
    (reference counting frees them). It is paused for the run and left as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _execute(run: MappingRun) -> None:
    _progress(run, MappingStatus.READING, 5)
    PartnerRecord.objects.filter(run=run).delete()  # a crashed earlier attempt leaves nothing behind
    agreement = run.agreement
    ours, populations_of_ours = our_records_for_mapping()
    source_name = run.original_name
    minimum = mapping_settings_of(agreement).min_list_records
    try:
        partner_rows: dict[str, PartnerRow] = {}
        partner_list: PartnerList | None = None
        if run.source == MappingSource.CLEAR:
            partner_list = read_clear_list(
                Path(run.file.path),
                source=source_name,
                default_population=run.default_population,
                skip_bad_rows=run.skip_bad_rows,
                columns=run.columns or None,
            )
            partner_rows = {row.record.id: row for row in partner_list.rows}
            skipped = partner_list.skipped
            partner_count = len(partner_rows)
            _check_list_size(partner_count, minimum=minimum, source=source_name)
            _progress(run, MappingStatus.MATCHING, 30)
            pairs = linkage.match_clear(ours, [row.record for row in partner_list.rows])
        else:
            sidecar: dict[str, str] = {}
            if run.populations_file:
                sidecar = read_population_sidecar(Path(run.populations_file.path), source=source_name)
            ids = linkage.encoded_ids(Path(run.file.path), source=source_name)
            if not ids:
                raise PartnerListError(_("%(file)s has no records.") % {"file": source_name})
            for record_id in ids:
                partner_rows[record_id] = PartnerRow(
                    record=CompanyRecord(id=record_id, name=""),
                    population=sidecar.get(record_id, run.default_population),
                )
            skipped = []
            partner_count = len(ids)
            _check_list_size(partner_count, minimum=minimum, source=source_name)
            _progress(run, MappingStatus.MATCHING, 30)
            pairs = linkage.match_against_encoded(
                ours, secret=agreement.mapping_secret, partner_file=Path(run.file.path), source=source_name
            )
    except PartnerListError as error:
        _fail(run, error.message, error.row_errors)
        return
    _progress(run, MappingStatus.MATCHING, 80)
    keys = {
        pair.right_id: linkage.partner_stable_key(partner_rows[pair.right_id].record)
        for pair in pairs
        if pair.right_id in partner_rows
    }
    rejected = rejected_pairs_of(agreement=agreement)
    kept = [
        pair
        for pair in pairs
        if pair.right_id in partner_rows
        and pair.left_id in populations_of_ours
        and (int(pair.left_id), keys[pair.right_id]) not in rejected
    ]
    rejected_count = sum(
        1 for pair in pairs if pair.right_id in keys and (int(pair.left_id), keys[pair.right_id]) in rejected
    )
    clusters = _clusters(kept)
    company_population = _company_populations(
        kept,
        clusters,
        ours=populations_of_ours,
        theirs={key: row.population for key, row in partner_rows.items()},
    )
    with transaction.atomic():
        record_rows: dict[str, tuple[Any, ...]] = {}
        for pair in kept:
            if pair.right_id not in record_rows:
                row = partner_rows[pair.right_id]
                record_rows[pair.right_id] = (
                    run.pk,
                    pair.right_id[:200],
                    row.record.name[:200],
                    row.record.city[:100],
                    row.population,
                    keys[pair.right_id],
                )
        _insert_rows(PartnerRecord, RECORD_COLUMNS, list(record_rows.values()))
        stored = dict(PartnerRecord.objects.filter(run=run).values_list("external_id", "pk"))
        match_rows: list[tuple[Any, ...]] = []
        seen_pairs: set[tuple[int, int]] = set()
        matched_clusters: set[int] = set()
        fragments: dict[Any, str] = {}
        for pair in kept:
            account_id = int(pair.left_id)
            record_pk = stored.get(pair.right_id[:200])
            if record_pk is None or (account_id, record_pk) in seen_pairs:
                continue
            seen_pairs.add((account_id, record_pk))
            cluster = clusters[pair.left_id]
            matched_clusters.add(cluster)
            our_population, partner_population = company_population[cluster]
            match_rows.append(
                (
                    run.pk,
                    account_id,
                    record_pk,
                    our_population,
                    partner_population,
                    min(1.0, max(0.0, float(pair.score))),
                    cluster,
                    _evidence_json(getattr(pair, "evidence", ()) or (), fragments),
                )
            )
        _insert_rows(MappingMatch, MATCH_COLUMNS, match_rows)
        notes = [partner_list_summary(partner_list)] if partner_list is not None else []
        if rejected_count:
            notes.append(
                ngettext(
                    "%(count)d pair rejected earlier was left out.",
                    "%(count)d pairs rejected earlier were left out.",
                    rejected_count,
                )
                % {"count": rejected_count}
            )
        message = " ".join(note for note in notes if note)
        finished_at = timezone.now()
        released, min_cell_size = _release_counts(agreement=agreement, finished_at=finished_at)
        MappingRun.objects.filter(pk=run.pk).update(
            status=MappingStatus.DONE,
            progress_percent=100,
            our_count=len(ours),
            partner_count=partner_count,
            match_count=len(matched_clusters),
            pair_count=len(match_rows),
            rejected_count=rejected_count,
            message=message,
            row_errors=skipped,
            finished_at=finished_at,
            counts_released=released,
            min_cell_size=min_cell_size,
        )
    run.refresh_from_db()


# The result of a run is written without a model instance per row (a run of 100,000 against 100,000 writes some
# 30,000 partner records and matches): COPY on PostgreSQL, one executemany elsewhere.
RECORD_COLUMNS = ("run_id", "external_id", "name", "city", "population", "stable_key")
MATCH_COLUMNS = (
    "run_id",
    "account_id",
    "partner_record_id",
    "our_population",
    "partner_population",
    "score",
    "cluster",
    "evidence",
)


def _insert_rows(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (values in the order of `columns`, attribute names such as "run_id"; a JSON field's value as
    JSON text) into the model's table. Nothing is checked here that the database does not check itself."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_of = {field.attname: field.column or field.attname for field in model._meta.concrete_fields}
    names = ", ".join(quote(column_of[name]) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
            cursor.executemany(insert, rows)


def _evidence_json(evidence: Sequence[Any], fragments: dict[Any, str]) -> str:
    """A pair's evidence as JSON text, as `evidence_to_json` stores it. The same field evidence recurs across
    pairs (same country, no phone …): each distinct one is written once per run (`fragments`)."""
    parts = []
    for item in evidence:
        fragment = fragments.get(item)
        if fragment is None:
            fragment = json.dumps(evidence_to_json([item])[0], separators=(",", ":"))
            fragments[item] = fragment
        parts.append(fragment)
    return "[" + ",".join(parts) + "]"


def _check_list_size(count: int, *, minimum: int, source: str) -> None:
    """A list too small to hide single companies in its counts is refused before anything is matched."""
    if count < minimum:
        raise PartnerListError(
            ngettext(
                "%(file)s has %(count)d usable record; this agreement maps lists of at least %(minimum)d "
                "records, so that no count points to a single company.",
                "%(file)s has %(count)d usable records; this agreement maps lists of at least %(minimum)d "
                "records, so that no count points to a single company.",
                count,
            )
            % {"file": source, "count": count, "minimum": minimum}
        )


# A company's population on one side is the highest of its records' (one account a customer, its duplicate a
# prospect: the company is a customer), so that each company lands in exactly one cell (docs/adr/0306).
POPULATION_PRECEDENCE = (
    Population.CUSTOMER,
    Population.OPEN_OPPORTUNITY,
    Population.FORMER_CUSTOMER,
    Population.PROSPECT,
)


def _clusters(pairs: list[MatchPair]) -> dict[str, int]:
    """The company (1, 2, …) of each of our account ids in the pairs: the connected parts of the graph whose
    edges are the pairs. Records the engine put into one group are one company."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for pair in pairs:
        left, right = find("o:" + pair.left_id), find("p:" + pair.right_id)
        if left != right:
            parent[max(left, right)] = min(left, right)
    numbers: dict[str, int] = {}
    clusters: dict[str, int] = {}
    for pair in pairs:
        root = find("o:" + pair.left_id)
        clusters[pair.left_id] = numbers.setdefault(root, len(numbers) + 1)
    return clusters


def _highest(populations: set[str]) -> str:
    return next(population for population in POPULATION_PRECEDENCE if population in populations)


def _company_populations(
    pairs: list[MatchPair], clusters: dict[str, int], *, ours: dict[str, str], theirs: dict[str, str]
) -> dict[int, tuple[str, str]]:
    our_sets: dict[int, set[str]] = {}
    their_sets: dict[int, set[str]] = {}
    for pair in pairs:
        cluster = clusters[pair.left_id]
        our_sets.setdefault(cluster, set()).add(ours[pair.left_id])
        their_sets.setdefault(cluster, set()).add(theirs[pair.right_id])
    return {cluster: (_highest(our_sets[cluster]), _highest(their_sets[cluster])) for cluster in our_sets}


def _release_counts(*, agreement: Agreement, finished_at: dt.datetime) -> tuple[bool, int]:
    """Whether the partner sees the counts of the run finishing now, and the k of their bands (docs/adr/0305).

    At most one run per `count_release_days` releases its counts, whoever started it and whatever its list:
    re-runs with a small change in between show no new counts, so they cannot be differenced. Decided under the
    agreement's row lock, so two runs finishing at once cannot both release."""
    agreement_lock(agreement_id=agreement.pk)
    mapping_settings, _created = MappingSettings.objects.get_or_create(agreement=agreement)
    last = mapping_settings.counts_released_at
    released = last is None or finished_at >= last + dt.timedelta(days=mapping_settings.count_release_days)
    if released:
        mapping_settings.counts_released_at = finished_at
        mapping_settings.save(update_fields=["counts_released_at"])
    return released, mapping_settings.min_cell_size


@transaction.atomic
def mapping_run_delete(*, actor: User, run: MappingRun) -> None:
    _require_internal(actor, Capability.MAPPINGS_RUN)
    if not run.is_finished and run.status != MappingStatus.COLUMNS:
        raise Conflict(_("A run that is still working cannot be deleted."))
    audit_record(actor=actor, action="mapping_run.delete", target=run, summary=f"mapping run {run} deleted")
    run.file.delete(save=False)
    run.delete()


# --- decisions on pairs ----------------------------------------------------------------------------------------


@transaction.atomic
def match_decide(*, actor: User, match: MappingMatch, data: MatchDecisionInput) -> MatchDecision:
    """Confirm or reject a pair. The decision belongs to the agreement and the pair's stable keys (our account, the
    partner record's own id or normalised key), not to the run: a rejected pair is left out of every later run of
    the agreement, and the run's message says how many were. This run's overlap is not changed (it shows the
    pair as rejected); the next run leaves it out."""
    _require_internal(actor, Capability.MAPPINGS_RUN)
    record = match.partner_record
    decision, created = MatchDecision.objects.select_for_update().get_or_create(
        agreement_id=match.run.agreement_id,
        account_id=match.account_id,
        partner_key=record.stable_key or f"id:{record.external_id}",
        defaults={"verdict": data.verdict, "note": data.note.strip(), "decided_by": actor},
    )
    before = None if created else decision.verdict
    if not created:
        decision.verdict, decision.note, decision.decided_by = data.verdict, data.note.strip(), actor
    decision.partner_record_name = (record.name or record.external_id)[:200]
    decision.save()
    audit: dict[str, Any] = {
        "actor": actor,
        "target": match.account,
        "summary": f"match of {match.account} with {decision.partner_record_name} {data.verdict}",
        "changes": {
            "verdict": [before, data.verdict.value],
            "partner_record": decision.partner_record_name,
            "partner_key": decision.partner_key,
            "agreement": match.run.agreement_id,
            "run": match.run_id,
            "note": decision.note,
        },
    }
    if data.verdict == MatchDecision.Verdict.CONFIRMED:
        audit_record(action="mapping_match.confirm", **audit)
    else:
        audit_record(action="mapping_match.reject", **audit)
    return decision


@transaction.atomic
def match_decision_withdraw(*, actor: User, decision: MatchDecision) -> None:
    """Take a decision back: the pair is judged by the engine again in the next run."""
    _require_internal(actor, Capability.MAPPINGS_RUN)
    audit_record(
        actor=actor,
        action="mapping_match.reopen",
        target=decision.account,
        summary=f"decision on {decision.account} ~ {decision.partner_record_name} withdrawn",
        changes={
            "verdict": [decision.verdict, None],
            "partner_record": decision.partner_record_name,
            "partner_key": decision.partner_key,
            "agreement": decision.agreement_id,
        },
    )
    decision.delete()
