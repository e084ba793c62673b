"""Data protection (GDPR): find a person, export what we hold about him, erase or anonymise it, retention.

core knows no module above it, so each module registers what it holds about people:

- a `PersonalDataSource` (`personal_data_source_register`): how to find data subjects (users, contacts of an
  account, contacts of a partner, the contact of a lead …) by e-mail or name, what it holds about one subject
  (`export`), how it erases or anonymises it (`erase`, which says what it had to keep and why), and the
  processing activity it belongs to (purpose, categories, recipients, retention) for the record of processing
  activities (Art. 30 GDPR);
- a `RetentionKind` (`retention_kind_register`): a kind of data the worker deletes after the period the admin set
  (`RetentionSetting`), e.g. closed complaints after N years.

Exporting and erasing are audited as "it happened" with the subject's kind and id and per-source counts, never with
the data itself (docs/adr/0005-personal-data.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from handschlag.core.access import require_capability
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import Organisation, RetentionSetting, User
from handschlag.core.roles import Capability

SEARCH_MIN_CHARS = 3
SEARCH_MAX_RESULTS = 50


@dataclass(frozen=True)
class DataSubject:
    """One person as a source knows him: `kind` names the source's table (e.g. "accounts.contact")."""

    kind: str
    id: int
    name: str
    email: str = ""
    context: str = ""  # where the person belongs: the account, the partner, the department

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ErasureResult:
    erased: int = 0  # rows deleted
    anonymised: int = 0  # rows kept with the personal fields blanked
    kept: tuple[str | Promise, ...] = ()  # what had to stay, and why (retention duty)


@dataclass(frozen=True)
class ProcessingActivity:
    """One line of the record of processing activities (Art. 30(1) GDPR)."""

    name: str | Promise
    purpose: str | Promise
    subjects: str | Promise  # categories of data subjects
    categories: str | Promise  # categories of personal data
    recipients: str | Promise
    retention: str | Promise
    retention_kind: str = ""  # a RetentionKind whose configured period is shown beside it


@dataclass(frozen=True)
class PersonalDataSource:
    name: str  # e.g. "accounts.contacts"
    # its line in the record of processing activities; None for data that belongs to another source's activity
    # (a user's API tokens and notifications are part of "user accounts")
    activity: ProcessingActivity | None = None
    subject_kinds: tuple[str, ...] = ()  # the kinds of DataSubject this source finds
    find: Callable[[str], list[DataSubject]] | None = None
    get: Callable[[str, int], DataSubject | None] | None = None  # one subject of subject_kinds by kind and id
    # everything this source holds about the subject (any kind: a user also appears as author, owner …)
    export: Callable[[DataSubject], list[dict[str, Any]]] | None = None
    erase: Callable[[DataSubject], ErasureResult] | None = None


@dataclass(frozen=True)
class RetentionKind:
    name: str
    label: str | Promise
    help: str | Promise
    apply: Callable[[dt.datetime], int]  # delete what is older than the cut-off; returns rows deleted
    default_days: int | None = None  # None: kept until the admin sets a period


_SOURCES: dict[str, PersonalDataSource] = {}
_RETENTION: dict[str, RetentionKind] = {}


def personal_data_source_register(source: PersonalDataSource) -> None:
    _SOURCES[source.name] = source


def retention_kind_register(kind: RetentionKind) -> None:
    _RETENTION[kind.name] = kind


def personal_data_sources() -> list[PersonalDataSource]:
    return list(_SOURCES.values())


def processing_activities() -> list[ProcessingActivity]:
    """The record of processing activities: one line per activity, in the order the sources registered."""
    return [source.activity for source in _SOURCES.values() if source.activity is not None]


def retention_kinds() -> list[RetentionKind]:
    return list(_RETENTION.values())


# ---------------------------------------------------------------------------------------------- subjects


def _holds_every_word(subject: DataSubject, words: list[str]) -> bool:
    haystack = f"{subject.name} {subject.email}".casefold()
    return all(word in haystack for word in words)


def data_subject_search(*, actor: User, query: str) -> list[DataSubject]:
    require_capability(actor, Capability.PRIVACY_MANAGE)
    text = query.strip()
    if len(text) < SEARCH_MIN_CHARS:
        raise InvalidInput.for_field(
            "q", _("Please enter at least %(count)d characters.") % {"count": SEARCH_MIN_CHARS}
        )
    # A full name ("Erika Beispiel") is in no single field: ask the sources for its longest word and keep the
    # people whose name and e-mail hold every word.
    words = [word.casefold() for word in text.split()]
    needle = max(text.split(), key=len) if len(words) > 1 else text
    found: dict[str, DataSubject] = {}
    for source in _SOURCES.values():
        if source.find is None:
            continue
        for subject in source.find(needle):
            if len(words) > 1 and not _holds_every_word(subject, words):
                continue
            found.setdefault(subject.key, subject)
    ordered = sorted(found.values(), key=lambda subject: (subject.name.casefold(), subject.kind, subject.id))
    return ordered[:SEARCH_MAX_RESULTS]


def data_subject_get(*, actor: User, kind: str, subject_id: int) -> DataSubject:
    """The subject behind kind and id, found again through its source (so no one erases an id he made up)."""
    require_capability(actor, Capability.PRIVACY_MANAGE)
    for source in _SOURCES.values():
        if kind in source.subject_kinds and source.get is not None:
            subject = source.get(kind, subject_id)
            if subject is not None:
                return subject
    raise NotFound


def _export_sections(subject: DataSubject) -> dict[str, list[dict[str, Any]]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for source in _SOURCES.values():
        if source.export is None:
            continue
        rows = source.export(subject)
        if rows:
            sections[source.name] = rows
    return sections


def data_subject_export(*, actor: User, subject: DataSubject) -> dict[str, Any]:
    """All we hold about one person, machine-readable (Art. 15 and 20 GDPR). Audited without the data."""
    require_capability(actor, Capability.PRIVACY_MANAGE)
    sections = _export_sections(subject)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="privacy.export",
            target=_organisation(),
            summary=f"Personal data exported: {subject.key}",
            changes={"subject": subject.key, "sources": {name: len(rows) for name, rows in sections.items()}},
        )
    return {
        "format": "handschlag-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "subject": {"kind": subject.kind, "id": subject.id, "name": subject.name, "email": subject.email},
        "data": sections,
    }


@dataclass(frozen=True)
class ErasureReport:
    subject: DataSubject
    results: dict[str, ErasureResult] = field(default_factory=dict)

    @property
    def erased(self) -> int:
        return sum(result.erased for result in self.results.values())

    @property
    def anonymised(self) -> int:
        return sum(result.anonymised for result in self.results.values())

    @property
    def kept(self) -> list[str | Promise]:
        return [reason for result in self.results.values() for reason in result.kept]


def data_subject_erase(*, actor: User, subject: DataSubject) -> ErasureReport:
    """Erase or anonymise the person everywhere no retention duty applies; all sources in one transaction.

    The audit log records that it happened (kind, id, counts per source) — not the name, not what was erased."""
    require_capability(actor, Capability.PRIVACY_MANAGE)
    if subject.kind == "core.user" and subject.id == actor.pk:
        raise InvalidInput(_("You cannot erase your own user account here."), code="self")
    results: dict[str, ErasureResult] = {}
    with transaction.atomic():
        for source in _SOURCES.values():
            if source.erase is None:
                continue
            result = source.erase(subject)
            if result.erased or result.anonymised or result.kept:
                results[source.name] = result
        audit_record(
            actor=actor,
            action="privacy.erase",
            target=_organisation(),
            summary=f"Personal data erased: {subject.kind}:{subject.id}",
            changes={
                "subject": subject.key,
                "sources": {
                    name: {"erased": r.erased, "anonymised": r.anonymised} for name, r in results.items()
                },
            },
        )
    return ErasureReport(subject=subject, results=results)


def _organisation() -> Organisation:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:  # pragma: no cover - every installation has its organisation (migration 0002)
        raise NotFound
    return organisation


# ---------------------------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionRow:
    kind: RetentionKind
    days: int | None
    last_run_at: dt.datetime | None
    last_deleted: int


def retention_rows(*, actor: User) -> list[RetentionRow]:
    require_capability(actor, Capability.PRIVACY_MANAGE)
    stored = {setting.kind: setting for setting in RetentionSetting.objects.all()}
    rows = []
    for kind in _RETENTION.values():
        setting = stored.get(kind.name)
        days = setting.days if setting is not None and setting.configured else kind.default_days
        rows.append(
            RetentionRow(
                kind=kind,
                days=days,
                last_run_at=setting.last_run_at if setting else None,
                last_deleted=setting.last_deleted if setting else 0,
            )
        )
    return rows


MAX_RETENTION_DAYS = 36500


def retention_set(*, actor: User, kind: str, days: int | None) -> RetentionSetting:
    require_capability(actor, Capability.PRIVACY_MANAGE)
    if kind not in _RETENTION:
        raise InvalidInput.for_field("kind", _("No such kind of data."))
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise InvalidInput.for_field(
            "days",
            _(
                "Please enter a number of days between 1 and %(max)d, or leave the field empty to keep the data."
            )
            % {"max": MAX_RETENTION_DAYS},
        )
    with transaction.atomic():
        setting, _created = RetentionSetting.objects.select_for_update().get_or_create(kind=kind)
        before = setting.days
        setting.days = days
        setting.configured = True
        setting.save(update_fields=["days", "configured"])
        audit_record(
            actor=actor,
            action="privacy.retention_set",
            target=setting,
            summary=f"Retention of {kind} set to {days} days",
            changes={"kind": kind, "days": [before, days]},
        )
    return setting


def retention_enforce(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete, per kind with a period, what is older than it (the worker runs this daily). Returns rows per kind."""
    moment = now or timezone.now()
    stored = {setting.kind: setting for setting in RetentionSetting.objects.all()}
    deleted: dict[str, int] = {}
    for kind in _RETENTION.values():
        setting = stored.get(kind.name)
        days = setting.days if setting is not None and setting.configured else kind.default_days
        if days is None:
            continue
        with transaction.atomic():
            count = kind.apply(moment - dt.timedelta(days=days))
            RetentionSetting.objects.update_or_create(
                kind=kind.name, defaults={"last_run_at": moment, "last_deleted": count}
            )
        deleted[kind.name] = count
    return deleted
