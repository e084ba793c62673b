"""The audit log's sentences for leads and deal registrations (core/audit_sentences.py says how they are made).

Registered in `CosellingConfig.ready()`. Expiry and the "expiring soon" warning are the worker's: their sentences
name no person.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

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
from handschlag.coselling.lead_enums import LeadDeclineReason
from handschlag.coselling.models import DealRegistration, Lead


def _lead_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in Lead.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "company_name")
    }


def _registration_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): title
        for pk, title in DealRegistration.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "title"
        )
    }


def _lead(line: AuditLine, **more: str) -> dict[str, str]:
    return {"actor": line.actor, "lead": line.target(str(line.changes.get("company_name", ""))), **more}


def _registration(line: AuditLine, **more: str) -> dict[str, str]:
    return {"actor": line.actor, "registration": line.target(), **more}


def _reason(line: AuditLine) -> str:
    code = str(line.changes.get("reason") or "")
    return str(LeadDeclineReason(code).label) if code in LeadDeclineReason.values else code or "—"


def _offer(line: AuditLine) -> str:
    if line.changes.get("direction") == "to_partner":
        return _("%(actor)s offered the lead %(lead)s to a partner") % _lead(line)
    return _("%(actor)s offered the lead %(lead)s to us") % _lead(line)


def _approve(line: AuditLine) -> str:
    days = line.changes.get("protection_days")
    if days is None:
        return _("%(actor)s approved the deal registration %(registration)s") % _registration(line)
    return _(
        "%(actor)s approved the deal registration %(registration)s with %(days)s days of protection"
    ) % _registration(line, days=line.number(days))


def audit_sentences_leads_register() -> None:
    audit_object_type_register(AuditObjectType("coselling.lead", gettext_lazy("Lead"), names=_lead_names))
    audit_object_type_register(
        AuditObjectType(
            "coselling.dealregistration", gettext_lazy("Deal registration"), names=_registration_names
        )
    )
    audit_sentence_register(
        AuditSentence("lead.offer", _offer),
        AuditSentence("lead.accept", lambda line: _("%(actor)s accepted the lead %(lead)s") % _lead(line)),
        AuditSentence(
            "lead.decline",
            lambda line: (
                _("%(actor)s declined the lead %(lead)s: %(reason)s") % _lead(line, reason=_reason(line))
            ),
        ),
        AuditSentence(
            "lead.expire",
            lambda line: _("The lead %(lead)s expired without a decision") % _lead(line),
        ),
        AuditSentence(
            "registration.create",
            lambda line: _("%(actor)s registered the deal %(registration)s") % _registration(line),
        ),
        AuditSentence("registration.approve", _approve),
        AuditSentence(
            "registration.reject",
            lambda line: _("%(actor)s rejected the deal registration %(registration)s") % _registration(line),
        ),
        AuditSentence(
            "registration.duplicate",
            lambda line: (
                _("%(actor)s marked the deal registration %(registration)s as a duplicate")
                % _registration(line)
            ),
        ),
        AuditSentence(
            "registration.extension_request",
            lambda line: (
                _("%(actor)s asked to extend the deal registration %(registration)s") % _registration(line)
            ),
        ),
        AuditSentence(
            "registration.extension_approve",
            lambda line: (
                _("%(actor)s approved the extension of the deal registration %(registration)s")
                % _registration(line)
            ),
        ),
        AuditSentence(
            "registration.extension_reject",
            lambda line: (
                _("%(actor)s rejected the extension of the deal registration %(registration)s")
                % _registration(line)
            ),
        ),
        AuditSentence(
            "registration.expire",
            lambda line: _("The deal registration %(registration)s expired") % _registration(line),
        ),
        AuditSentence(
            "registration.expiry_warning",
            lambda line: (
                _("The partner was told that the deal registration %(registration)s expires soon")
                % _registration(line)
            ),
        ),
    )
