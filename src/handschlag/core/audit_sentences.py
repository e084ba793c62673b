"""The audit log in sentences: "Tobias Kern hat Reklamation #43 übernommen" / "Tobias Kern took over complaint #43".

An audit event stores what happened in a form for machines (action, actor, target type and id, changes) and a
short English summary. The sentence is made when the log is read, in the reader's language, from the stored
fields and from the names that the target and the people in `changes` have now.

Core cannot import the modules above it, so each module registers its own (docs/ARCHITECTURE.md, "Modules register
themselves") in its `AppConfig.ready()`:

    audit_object_type_register(AuditObjectType("complaints.complaint", _("Complaint"), names=complaint_names))
    audit_sentence_register(
        AuditSentence("complaint.assign", render=assign_sentence, people=("owner",)),
    )

`names` turns many target ids into names with one query; `people` are the keys of `changes` that hold user ids
(one id or `[old, new]`), whose names are loaded in one query for the whole page. An action without a sentence,
or a sentence that cannot be made from an old event's data, falls back to the stored summary.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from handschlag.core.models import AuditEvent, User

logger = logging.getLogger(__name__)

NamesLoader = Callable[[Collection[str]], Mapping[str, str]]


@dataclass(frozen=True)
class AuditObjectType:
    """A kind of object the log speaks of: its `target_type` (the model's `_meta.label_lower`), the label in the
    filter, and how to name many of them at once (target id → name; ids of deleted objects are left out)."""

    target_type: str
    label: str | Promise
    names: NamesLoader | None = None


@dataclass
class AuditLine:
    """What a sentence is made from: the event and the names it mentions, in the reader's language."""

    event: AuditEvent
    actor: str
    target_name: str | None
    people: Mapping[int, str] = field(default_factory=dict)

    @property
    def changes(self) -> dict[str, Any]:
        return self.event.changes if isinstance(self.event.changes, dict) else {}

    def target(self, fallback: str = "") -> str:
        """The target's name now; when it is gone, `fallback` (e.g. a name stored in `changes`), else "#id"."""
        return self.target_name or fallback or f"#{self.event.target_id}"

    def person(self, key: str) -> str:
        """The name of the user whose id `changes[key]` holds (the new one of `[old, new]`)."""
        value = self.changes[key]
        if isinstance(value, list):
            value = value[-1]
        if value is None:
            return _("nobody")
        return self.people.get(int(value)) or _("user #%(id)s") % {"id": value}

    def had(self, key: str) -> bool:
        return key in self.changes

    def field_names(self, model: type[Model]) -> str:
        """The changed fields by their names in the reader's language ("Name, Betreuer")."""
        labels = []
        for key in self.changes:
            try:
                model_field = model._meta.get_field(key)
            except FieldDoesNotExist:
                model_field = None
            label = getattr(model_field, "verbose_name", None)
            labels.append(str(label) if label else key.replace("_", " "))
        return ", ".join(labels)

    @staticmethod
    def number(value: Any) -> str:
        """A quantity in the reader's format (1.234 in German, 1,234 in English)."""
        return formats.number_format(value, use_l10n=True, force_grouping=True)


SentenceRenderer = Callable[[AuditLine], str]


@dataclass(frozen=True)
class AuditSentence:
    action: str
    render: SentenceRenderer
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditRow:
    """One event as the log page, the CSV and the API show it."""

    event: AuditEvent
    sentence: str
    actor_name: str
    object_type: str
    target_name: str | None


_OBJECT_TYPES: dict[str, AuditObjectType] = {}
_SENTENCES: dict[str, AuditSentence] = {}


def numeric_target_ids(ids: Collection[str]) -> list[int]:
    """The stored target ids that are database ids (ASCII digits), for a name lookup in bulk."""
    return [int(value) for value in ids if value.isascii() and value.isdigit()]


def audit_object_type_register(object_type: AuditObjectType) -> None:
    _OBJECT_TYPES[object_type.target_type] = object_type


def audit_sentence_register(*sentences: AuditSentence) -> None:
    for sentence in sentences:
        _SENTENCES[sentence.action] = sentence


def audit_object_types() -> list[AuditObjectType]:
    """The registered kinds of object, by label in the reader's language (the filter's choices)."""
    return sorted(_OBJECT_TYPES.values(), key=lambda kind: str(kind.label).lower())


def audit_sentence_actions() -> set[str]:
    return set(_SENTENCES)


def person_name(user: User | None) -> str:
    """A person as the log names him: full name, else user name."""
    if user is None:
        return _("The system")
    return user.get_full_name() or user.username


def _person_ids(value: Any) -> Iterable[int]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, int) and not isinstance(item, bool):
            yield item
        elif isinstance(item, str) and item.isdigit():
            yield int(item)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Sentences for many events with a fixed number of queries: one per kind of target on the page, one for
    the people named in the changes (the actors come with the events through `select_related`)."""
    events = list(events)
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    person_ids: set[int] = set()
    for event in events:
        ids_by_type[event.target_type].add(event.target_id)
        sentence = _SENTENCES.get(event.action)
        if sentence is not None and isinstance(event.changes, dict):
            for key in sentence.people:
                person_ids.update(_person_ids(event.changes.get(key)))
    names: dict[str, Mapping[str, str]] = {}
    for target_type, ids in ids_by_type.items():
        kind = _OBJECT_TYPES.get(target_type)
        if kind is not None and kind.names is not None:
            names[target_type] = kind.names(sorted(ids))
    people = (
        {user.pk: person_name(user) for user in User.objects.filter(pk__in=person_ids)} if person_ids else {}
    )
    rows = []
    for event in events:
        kind = _OBJECT_TYPES.get(event.target_type)
        actor = person_name(event.actor)
        target_name = names.get(event.target_type, {}).get(event.target_id)
        line = AuditLine(event=event, actor=actor, target_name=target_name, people=people)
        rows.append(
            AuditRow(
                event=event,
                sentence=_sentence(line),
                actor_name=actor if event.actor_id else "",
                object_type=str(kind.label) if kind else event.target_type,
                target_name=target_name,
            )
        )
    return rows


def audit_sentence(event: AuditEvent) -> str:
    return audit_rows([event])[0].sentence


def _sentence(line: AuditLine) -> str:
    sentence = _SENTENCES.get(line.event.action)
    if sentence is None:
        return line.event.summary
    try:
        return sentence.render(line)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        # an old event whose changes have another shape: its summary rather than no line at all
        logger.warning("audit event %s (%s): no sentence from its data", line.event.pk, line.event.action)
        return line.event.summary
