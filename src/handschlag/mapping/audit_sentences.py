"""The audit log's sentences for account mapping: sharing rules, accounts never to share, mapping runs.

Registered with core in `MappingConfig.ready()` (core/audit_sentences.py says how). The targets of the sharing
rules and of "never share" are agreements and accounts, whose names their own modules register.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.core.audit_sentences import (
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
)
from handschlag.mapping.models import MappingRun


def _run_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"{name} ({partner})"
        for pk, name, partner in MappingRun.objects.filter(
            pk__in=[int(value) for value in ids if value.isdigit()]
        ).values_list("pk", "original_name", "agreement__partner__name")
    }


def audit_sentences_mapping_register() -> None:
    audit_object_type_register(
        AuditObjectType("mapping.mappingrun", gettext_lazy("Account mapping"), names=_run_names)
    )
    audit_sentence_register(
        AuditSentence(
            "agreement.sharing_rules",
            lambda line: (
                _("%(actor)s changed the sharing rules of “%(agreement)s”")
                % {"actor": line.actor, "agreement": line.target()}
            ),
        ),
        AuditSentence(
            "account.never_share",
            lambda line: (
                _("%(actor)s marked the account “%(account)s” never to be shared")
                % {"actor": line.actor, "account": line.target()}
            ),
        ),
        AuditSentence(
            "account.may_share",
            lambda line: (
                _("%(actor)s allowed the account “%(account)s” to be shared again")
                % {"actor": line.actor, "account": line.target()}
            ),
        ),
        AuditSentence(
            "mapping_run.create",
            lambda line: (
                _("%(actor)s started the account mapping “%(run)s”")
                % {"actor": line.actor, "run": line.target()}
            ),
        ),
        AuditSentence(
            "mapping_run.columns",
            lambda line: (
                _("%(actor)s confirmed the columns of the account mapping “%(run)s”")
                % {"actor": line.actor, "run": line.target()}
            ),
        ),
        AuditSentence(
            "mapping_run.fail",
            lambda line: _("The account mapping “%(run)s” failed") % {"run": line.target()},
        ),
        AuditSentence(
            "mapping_match.confirm",
            lambda line: (
                _(
                    "%(actor)s confirmed that the account “%(account)s” and the partner's record “%(record)s” are "
                    "the same company"
                )
                % {
                    "actor": line.actor,
                    "account": line.target(),
                    "record": line.changes.get("partner_record", ""),
                }
            ),
        ),
        AuditSentence(
            "mapping_match.reject",
            lambda line: (
                _(
                    "%(actor)s rejected the match of the account “%(account)s” with the partner's record "
                    "“%(record)s”; later mappings leave this pair out"
                )
                % {
                    "actor": line.actor,
                    "account": line.target(),
                    "record": line.changes.get("partner_record", ""),
                }
            ),
        ),
        AuditSentence(
            "mapping_match.reopen",
            lambda line: (
                _(
                    "%(actor)s withdrew the decision on the account “%(account)s” and the partner's record "
                    "“%(record)s”"
                )
                % {
                    "actor": line.actor,
                    "account": line.target(),
                    "record": line.changes.get("partner_record", ""),
                }
            ),
        ),
        AuditSentence(
            "mapping_run.delete",
            lambda line: (
                _("%(actor)s deleted the account mapping %(run)s")
                % {"actor": line.actor, "run": line.target()}
            ),
        ),
    )
