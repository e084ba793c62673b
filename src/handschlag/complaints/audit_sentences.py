"""The audit log's sentences for complaints, routing rules and SLA policies.

Registered with core in `ComplaintsConfig.ready()` (core/audit_sentences.py says how).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.complaints.enums import EightDStep, SlaClock
from handschlag.complaints.models import Complaint, RoutingRule, SlaPolicy
from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)


def _complaint_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"#{pk} {title}"
        for pk, title in Complaint.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "title")
    }


def _rule_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(rule.pk): str(rule)
        for rule in RoutingRule.objects.filter(pk__in=numeric_target_ids(ids)).select_related("department")
    }


def _policy_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(policy.pk): str(policy) for policy in SlaPolicy.objects.filter(pk__in=numeric_target_ids(ids))
    }


def _case(line: AuditLine, **more: str) -> dict[str, str]:
    """The actor and the case number, which the sentences say as "complaint #43" (a number, not a quantity)."""
    return {"actor": line.actor, "number": line.event.target_id, **more}


def _label(choices: type[EightDStep] | type[SlaClock], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _create(line: AuditLine) -> str:
    if line.changes.get("owner"):
        return _("%(actor)s recorded complaint #%(number)s; %(owner)s is responsible") % _case(
            line, owner=line.person("owner")
        )
    return _("%(actor)s recorded complaint #%(number)s; management assigns it") % _case(line)


def _assign(line: AuditLine) -> str:
    owner = line.changes["owner"][-1]
    if owner == line.event.actor_id:
        return _("%(actor)s took over complaint #%(number)s") % _case(line)
    return _("%(actor)s handed complaint #%(number)s to %(owner)s") % _case(line, owner=line.person("owner"))


def _step(line: AuditLine) -> str:
    names = _case(line, step=_label(EightDStep, line.changes["step"]))
    done = line.changes.get("done_at")
    if done and done[-1]:
        return _("%(actor)s completed step %(step)s of complaint #%(number)s") % names
    if done:
        return _("%(actor)s reopened step %(step)s of complaint #%(number)s") % names
    return _("%(actor)s worked on step %(step)s of complaint #%(number)s") % names


def _watcher_add(line: AuditLine) -> str:
    if line.changes["watcher"] == line.event.actor_id:
        return _("%(actor)s now follows complaint #%(number)s") % _case(line)
    return _("%(actor)s added %(watcher)s to complaint #%(number)s") % _case(
        line, watcher=line.person("watcher")
    )


def _watcher_remove(line: AuditLine) -> str:
    if line.changes["watcher"] == line.event.actor_id:
        return _("%(actor)s no longer follows complaint #%(number)s") % _case(line)
    return _("%(actor)s removed %(watcher)s from complaint #%(number)s") % _case(
        line, watcher=line.person("watcher")
    )


def _escalate(line: AuditLine) -> str:
    return _("Complaint #%(number)s escalated to level %(level)s: %(clock)s overdue") % _case(
        line, level=line.number(line.changes["level"]), clock=_label(SlaClock, line.changes["clock"])
    )


def audit_sentences_complaints_register() -> None:
    audit_object_type_register(
        AuditObjectType("complaints.complaint", gettext_lazy("Complaint"), names=_complaint_names)
    )
    audit_object_type_register(
        AuditObjectType("complaints.routingrule", gettext_lazy("Routing rule"), names=_rule_names)
    )
    audit_object_type_register(
        AuditObjectType("complaints.slapolicy", gettext_lazy("SLA policy"), names=_policy_names)
    )
    audit_sentence_register(
        AuditSentence("complaint.create", _create, people=("owner",)),
        AuditSentence(
            "complaint.update",
            lambda line: (
                _("%(actor)s changed complaint #%(number)s (%(fields)s)")
                % _case(line, fields=line.field_names(Complaint))
            ),
        ),
        AuditSentence("complaint.assign", _assign, people=("owner",)),
        AuditSentence(
            "complaint.acknowledge",
            lambda line: _("%(actor)s gave the first response to complaint #%(number)s") % _case(line),
        ),
        AuditSentence(
            "complaint.pause",
            lambda line: (
                _("%(actor)s stopped the clock of complaint #%(number)s: %(reason)s")
                % _case(line, reason=line.changes["reason"])
            ),
        ),
        AuditSentence(
            "complaint.resume",
            lambda line: _("%(actor)s restarted the clock of complaint #%(number)s") % _case(line),
        ),
        AuditSentence(
            "complaint.close", lambda line: _("%(actor)s closed complaint #%(number)s") % _case(line)
        ),
        AuditSentence(
            "complaint.reopen",
            lambda line: (
                _("%(actor)s reopened complaint #%(number)s: %(reason)s")
                % _case(line, reason=line.changes["reason"])
            ),
        ),
        AuditSentence("complaint.step", _step),
        AuditSentence(
            "complaint.comment", lambda line: _("%(actor)s commented on complaint #%(number)s") % _case(line)
        ),
        AuditSentence(
            "complaint.attachment",
            lambda line: _("%(actor)s attached a file to complaint #%(number)s") % _case(line),
        ),
        AuditSentence("complaint.watcher_add", _watcher_add, people=("watcher",)),
        AuditSentence("complaint.watcher_remove", _watcher_remove, people=("watcher",)),
        AuditSentence("complaint.escalate", _escalate),
        AuditSentence(
            "complaint.deadline_alert",
            lambda line: (
                _(
                    "The customer's cancellation deadline of complaint #%(number)s is near and nobody has responded yet"
                )
                % _case(line)
            ),
        ),
        AuditSentence(
            "complaint.deadline_passed",
            lambda line: (
                _(
                    "The customer's cancellation deadline of complaint #%(number)s passed without a first response"
                )
                % _case(line)
            ),
        ),
        AuditSentence(
            "routing_rule.create",
            lambda line: (
                _("%(actor)s created the routing rule %(rule)s")
                % {"actor": line.actor, "rule": line.target(line.event.summary)}
            ),
        ),
        AuditSentence(
            "routing_rule.update",
            lambda line: (
                _("%(actor)s changed the routing rule %(rule)s (%(fields)s)")
                % {
                    "actor": line.actor,
                    "rule": line.target(line.event.summary),
                    "fields": line.field_names(RoutingRule),
                }
            ),
        ),
        AuditSentence(
            "routing_rule.delete",
            lambda line: (
                _("%(actor)s deleted the routing rule %(rule)s")
                % {"actor": line.actor, "rule": line.target(line.event.summary)}
            ),
        ),
        AuditSentence(
            "sla_policy.update",
            lambda line: (
                _("%(actor)s changed the response times for severity %(severity)s (%(fields)s)")
                % {"actor": line.actor, "severity": line.target(), "fields": line.field_names(SlaPolicy)}
            ),
        ),
    )
