"""The audit log's sentences for marketing and sales (core/audit_sentences.py says how).

Answering the pulse survey is never audited: a log line would tie a person to the moment of an answer
(docs/adr/0401-survey-anonymity.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.alignment.models import Campaign, Exchange, IcpVersion, Material, Survey
from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)


def _survey_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): title
        for pk, title in Survey.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "title")
    }


def _campaign_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in Campaign.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "name")
    }


def _material_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): title
        for pk, title in Material.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "title")
    }


def _icp_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): _("ICP version %(number)s") % {"number": number}
        for pk, number in IcpVersion.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "number"
        )
    }


def _exchange_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(exchange.pk): f"{exchange.get_kind_display()} {exchange.date:%d.%m.%Y}"
        for exchange in Exchange.objects.filter(pk__in=numeric_target_ids(ids))
    }


def _names(line: AuditLine, **more: str) -> dict[str, str]:
    return {"actor": line.actor, "target": line.target(), **more}


def _code(line: AuditLine) -> str:
    return str(line.changes.get("code", ""))


def audit_sentences_alignment_register() -> None:
    for object_type in (
        AuditObjectType("alignment.survey", gettext_lazy("Pulse survey"), names=_survey_names),
        AuditObjectType("alignment.campaign", gettext_lazy("Campaign"), names=_campaign_names),
        AuditObjectType("alignment.material", gettext_lazy("Material"), names=_material_names),
        AuditObjectType("alignment.icpversion", gettext_lazy("Ideal customer profile"), names=_icp_names),
        AuditObjectType("alignment.exchange", gettext_lazy("Exchange"), names=_exchange_names),
    ):
        audit_object_type_register(object_type)
    audit_sentence_register(
        AuditSentence(
            "survey.create", lambda line: _("%(actor)s drafted the pulse survey %(target)s") % _names(line)
        ),
        AuditSentence(
            "survey.update", lambda line: _("%(actor)s changed the pulse survey %(target)s") % _names(line)
        ),
        AuditSentence(
            "survey.item_add",
            lambda line: (
                _("%(actor)s added the statement %(code)s to the pulse survey %(target)s")
                % _names(line, code=_code(line))
            ),
        ),
        AuditSentence(
            "survey.item_update",
            lambda line: (
                _("%(actor)s reworded the statement %(code)s of the pulse survey %(target)s")
                % _names(line, code=_code(line))
            ),
        ),
        AuditSentence(
            "survey.item_remove",
            lambda line: (
                _("%(actor)s removed the statement %(code)s from the pulse survey %(target)s")
                % _names(line, code=_code(line))
            ),
        ),
        AuditSentence(
            "survey.open", lambda line: _("%(actor)s opened the pulse survey %(target)s") % _names(line)
        ),
        AuditSentence(
            "survey.close", lambda line: _("%(actor)s closed the pulse survey %(target)s") % _names(line)
        ),
        AuditSentence(
            "survey.remind",
            lambda line: (
                _("%(actor)s reminded those who have not answered the pulse survey %(target)s") % _names(line)
            ),
        ),
        AuditSentence(
            "campaign.create", lambda line: _("%(actor)s created the campaign %(target)s") % _names(line)
        ),
        AuditSentence(
            "material.create", lambda line: _("%(actor)s added the material %(target)s") % _names(line)
        ),
        AuditSentence(
            "material.update", lambda line: _("%(actor)s changed the material %(target)s") % _names(line)
        ),
        AuditSentence(
            "material.feedback",
            lambda line: (
                _("%(actor)s rated the material %(target)s %(rating)s of 5")
                % _names(line, rating=str(line.changes.get("rating", "?")))
            ),
        ),
        AuditSentence(
            "material.feedback_answer",
            lambda line: _("%(actor)s answered a feedback on the material %(target)s") % _names(line),
        ),
        AuditSentence(
            "icp.version_create",
            lambda line: _("%(actor)s created %(target)s of the ideal customer profile") % _names(line),
        ),
        AuditSentence(
            "exchange.create", lambda line: _("%(actor)s recorded the exchange %(target)s") % _names(line)
        ),
        AuditSentence(
            "exchange.feedback",
            lambda line: _("%(actor)s gave feedback on the exchange %(target)s") % _names(line),
        ),
    )
