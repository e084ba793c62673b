"""The audit log's sentences for opportunities and incentive plans (core/audit_sentences.py says how).

Registered in `CosellingConfig.ready()`. Sentences read what the service stored in `changes` and stay readable
when it is empty (an event written before a field existed)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)
from handschlag.coselling.models import Opportunity


def _opportunity_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): title
        for pk, title in Opportunity.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "title")
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value) if value not in (None, "") else "—"


def _words(line: AuditLine, **more: str) -> dict[str, str]:
    return {"actor": line.actor, "opportunity": line.target(), **more}


def _stages(line: AuditLine) -> tuple[str, str]:
    stage = line.changes.get("stage")
    if isinstance(stage, list) and len(stage) == 2:
        return _text(stage[0]), _text(stage[1])
    return "—", _text(stage)


def _create(line: AuditLine) -> str:
    return _("%(actor)s created the opportunity %(opportunity)s in %(stage)s") % _words(
        line, stage=_text(line.changes.get("stage"))
    )


def _move(line: AuditLine) -> str:
    old, new = _stages(line)
    return _("%(actor)s moved the opportunity %(opportunity)s from %(from)s to %(to)s") % _words(
        line, **{"from": old, "to": new}
    )


def _reopen(line: AuditLine) -> str:
    old, new = _stages(line)
    return _("%(actor)s reopened the opportunity %(opportunity)s (%(from)s → %(to)s)") % _words(
        line, **{"from": old, "to": new}
    )


def _partner_add(line: AuditLine) -> str:
    words = _words(line, partner=_text(line.changes.get("partner")), stage=_text(line.changes.get("stage")))
    if line.changes.get("rescue"):
        return (
            _(
                "%(actor)s brought %(partner)s into the opportunity %(opportunity)s at %(stage)s (a rescue deal)"
            )
            % words
        )
    return _("%(actor)s brought %(partner)s into the opportunity %(opportunity)s at %(stage)s") % words


def audit_sentences_opportunities_register() -> None:
    audit_object_type_register(
        AuditObjectType("coselling.opportunity", gettext_lazy("Opportunity"), names=_opportunity_names)
    )
    audit_sentence_register(
        AuditSentence("opportunity.create", _create),
        AuditSentence(
            "opportunity.update",
            lambda line: _("%(actor)s changed the opportunity %(opportunity)s") % _words(line),
        ),
        AuditSentence("opportunity.move", _move),
        AuditSentence("opportunity.reopen", _reopen),
        AuditSentence(
            "opportunity.risk",
            lambda line: (
                _("%(actor)s marked the opportunity %(opportunity)s at risk: %(reason)s")
                % _words(line, reason=_text(line.changes.get("reason")))
            ),
        ),
        AuditSentence(
            "opportunity.risk_cleared",
            lambda line: _("%(actor)s cleared the risk on the opportunity %(opportunity)s") % _words(line),
        ),
        AuditSentence("opportunity.partner_add", _partner_add),
        AuditSentence(
            "opportunity.partner_remove",
            lambda line: (
                _("%(actor)s took %(partner)s off the opportunity %(opportunity)s")
                % _words(line, partner=_text(line.changes.get("partner")))
            ),
        ),
        AuditSentence(
            "incentive_plan.create",
            lambda line: (
                _("%(actor)s set up the incentive plan of the agreement %(agreement)s")
                % {"actor": line.actor, "agreement": line.target()}
            ),
        ),
        AuditSentence(
            "incentive_plan.update",
            lambda line: (
                _("%(actor)s changed the incentive plan of the agreement %(agreement)s")
                % {"actor": line.actor, "agreement": line.target()}
            ),
        ),
    )
