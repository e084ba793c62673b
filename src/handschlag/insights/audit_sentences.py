"""The audit log's sentences for insights: shared goals."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.core.audit_sentences import (
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)
from handschlag.insights.models import Goal


def _goal_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): title
        for pk, title in Goal.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "title")
    }


def audit_sentences_insights_register() -> None:
    audit_object_type_register(
        AuditObjectType("insights.goal", gettext_lazy("Shared goal"), names=_goal_names)
    )
    audit_sentence_register(
        AuditSentence(
            "goal.create",
            lambda line: (
                _("%(actor)s set the shared goal “%(goal)s”")
                % {"actor": line.actor, "goal": line.target(line.changes.get("title", ""))}
            ),
        ),
        AuditSentence(
            "goal.update",
            lambda line: (
                _("%(actor)s changed the shared goal “%(goal)s”")
                % {"actor": line.actor, "goal": line.target(line.changes.get("title", ""))}
            ),
        ),
        AuditSentence(
            "goal.delete",
            lambda line: (
                _("%(actor)s deleted the shared goal “%(goal)s”")
                % {"actor": line.actor, "goal": line.target()}
            ),
        ),
    )
