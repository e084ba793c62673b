"""The audit log's sentences for concessions, their settings, approval limits and delegations.

Registered with core in `ConcessionsConfig.ready()` (core/audit_sentences.py says how).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.concessions.enums import GetStatus
from handschlag.concessions.models import Concession
from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)


def _concession_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"#{pk} {name}"
        for pk, name in Concession.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "account__name"
        )
    }


def _entry(line: AuditLine, **more: str) -> dict[str, str]:
    return {"actor": line.actor, "number": line.event.target_id, **more}


def _status(value: object) -> str:
    return str(GetStatus(value).label) if value in GetStatus.values else str(value)


def _create(line: AuditLine) -> str:
    if line.changes.get("approval_status") == "pending":
        return _("%(actor)s recorded concession #%(number)s; it waits for approval") % _entry(line)
    return _("%(actor)s recorded concession #%(number)s") % _entry(line)


def _get_status(line: AuditLine) -> str:
    status = line.changes.get("get_status") or ["", ""]
    return _("%(actor)s set the return of concession #%(number)s to %(status)s") % _entry(
        line, status=_status(status[-1])
    )


def _delegate(line: AuditLine) -> str:
    return line.person("delegate") if line.had("delegate") else _("a colleague")


def audit_sentences_concessions_register() -> None:
    audit_object_type_register(
        AuditObjectType("concessions.concession", gettext_lazy("Concession"), names=_concession_names)
    )
    audit_object_type_register(
        AuditObjectType("concessions.concessionsettings", gettext_lazy("Concession settings"))
    )
    audit_object_type_register(AuditObjectType("concessions.approvallimit", gettext_lazy("Approval limit")))
    audit_object_type_register(AuditObjectType("concessions.approvaldelegation", gettext_lazy("Delegation")))
    audit_sentence_register(
        AuditSentence("concession.create", _create),
        AuditSentence(
            "concession.update",
            lambda line: (
                _("%(actor)s changed concession #%(number)s (%(fields)s)")
                % _entry(line, fields=line.field_names(Concession))
            ),
        ),
        AuditSentence(
            "concession.approve", lambda line: _("%(actor)s approved concession #%(number)s") % _entry(line)
        ),
        AuditSentence(
            "concession.reject",
            lambda line: (
                _("%(actor)s rejected concession #%(number)s: %(reason)s")
                % _entry(line, reason=str(line.changes.get("reason", "")))
            ),
        ),
        AuditSentence("concession.get_status", _get_status),
        AuditSentence(
            "concession_settings.update",
            lambda line: _("%(actor)s changed the concession settings") % {"actor": line.actor},
        ),
        AuditSentence(
            "approval_limit.set",
            lambda line: (
                _("%(actor)s set the approval limit of the role %(role)s")
                % {"actor": line.actor, "role": str(line.changes.get("role", ""))}
            ),
        ),
        AuditSentence(
            "delegation.create",
            lambda line: (
                _("%(actor)s let %(delegate)s decide concessions in his place")
                % {"actor": line.actor, "delegate": _delegate(line)}
            ),
            people=("delegate",),
        ),
        AuditSentence(
            "delegation.delete",
            lambda line: (
                _("%(actor)s ended the delegation to %(delegate)s")
                % {"actor": line.actor, "delegate": _delegate(line)}
            ),
            people=("delegate",),
        ),
    )
