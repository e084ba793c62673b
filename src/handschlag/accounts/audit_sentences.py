"""The audit log's sentences for accounts, contacts, orders, goals/risks/constraints and CRM imports.

Registered with core in `AccountsConfig.ready()` (core/audit_sentences.py says how).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.accounts.models import Account, Contact, CustomerInsight, ImportRun, Order, SavedColumnMapping
from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)


def _account_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(account.pk): account.display_name
        for account in Account.objects.filter(pk__in=numeric_target_ids(ids))
    }


def _contact_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(contact.pk): f"{contact} ({contact.account.display_name})"
        for contact in Contact.objects.filter(pk__in=numeric_target_ids(ids)).select_related("account")
    }


def _order_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(order.pk): f"{order.number} ({order.account.display_name})"
        for order in Order.objects.filter(pk__in=numeric_target_ids(ids)).select_related("account")
    }


def _insight_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(insight.pk): f"{insight} ({insight.account.display_name})"
        for insight in CustomerInsight.objects.filter(pk__in=numeric_target_ids(ids)).select_related(
            "account"
        )
    }


def _import_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in ImportRun.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "original_name"
        )
    }


def _column_mapping_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in SavedColumnMapping.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "name"
        )
    }


def _account_update(line: AuditLine) -> str:
    names = {"actor": line.actor, "account": line.target()}
    if set(line.changes) == {"owner"}:
        return _("%(actor)s made %(owner)s owner of the account “%(account)s”") % {
            **names,
            "owner": line.person("owner"),
        }
    return _("%(actor)s changed the account “%(account)s” (%(fields)s)") % {
        **names,
        "fields": line.field_names(Account),
    }


def _import_done(line: AuditLine) -> str:
    return _(
        "Import “%(file)s” by %(actor)s done: %(created)s created, %(updated)s updated, %(bad)s bad rows"
    ) % {
        "file": line.target(),
        "actor": line.actor,
        "created": line.number(line.changes["created"]),
        "updated": line.number(line.changes["updated"]),
        "bad": line.number(line.changes["bad_rows"]),
    }


def audit_sentences_accounts_register() -> None:
    for target_type, label, names in (
        ("accounts.account", gettext_lazy("Account"), _account_names),
        ("accounts.contact", gettext_lazy("Contact"), _contact_names),
        ("accounts.order", gettext_lazy("Order"), _order_names),
        ("accounts.customerinsight", gettext_lazy("Goal, risk or constraint"), _insight_names),
        ("accounts.importrun", gettext_lazy("Import"), _import_names),
        ("accounts.savedcolumnmapping", gettext_lazy("Saved column mapping"), _column_mapping_names),
    ):
        audit_object_type_register(AuditObjectType(target_type, label, names=names))
    audit_sentence_register(
        AuditSentence(
            "account.create",
            lambda line: (
                _("%(actor)s created the account “%(account)s”")
                % {"actor": line.actor, "account": line.target()}
            ),
        ),
        AuditSentence("account.update", _account_update, people=("owner",)),
        AuditSentence(
            "account.delete",
            lambda line: (
                _("%(actor)s deleted the account “%(account)s”")
                % {"actor": line.actor, "account": line.target(line.changes.get("name", ""))}
            ),
        ),
        AuditSentence(
            "account.archive",
            lambda line: (
                _("%(actor)s archived the account “%(account)s”")
                % {"actor": line.actor, "account": line.target()}
            ),
        ),
        AuditSentence(
            "account.restore",
            lambda line: (
                _("%(actor)s restored the account “%(account)s” from the archive")
                % {"actor": line.actor, "account": line.target()}
            ),
        ),
        AuditSentence(
            "contact.create",
            lambda line: (
                _("%(actor)s added the contact %(contact)s") % {"actor": line.actor, "contact": line.target()}
            ),
        ),
        AuditSentence(
            "contact.update",
            lambda line: (
                _("%(actor)s changed the contact %(contact)s (%(fields)s)")
                % {"actor": line.actor, "contact": line.target(), "fields": line.field_names(Contact)}
            ),
        ),
        AuditSentence(
            "contact.delete",
            lambda line: (
                _("%(actor)s deleted the contact %(contact)s")
                % {"actor": line.actor, "contact": line.target()}
            ),
        ),
        AuditSentence(
            "order.create",
            lambda line: (
                _("%(actor)s recorded the order %(order)s")
                % {"actor": line.actor, "order": line.target(line.changes.get("number", ""))}
            ),
        ),
        AuditSentence(
            "order.update",
            lambda line: (
                _("%(actor)s changed the order %(order)s (%(fields)s)")
                % {"actor": line.actor, "order": line.target(), "fields": line.field_names(Order)}
            ),
        ),
        AuditSentence(
            "order.delete",
            lambda line: (
                _("%(actor)s deleted the order %(order)s") % {"actor": line.actor, "order": line.target()}
            ),
        ),
        AuditSentence(
            "insight.create",
            lambda line: _("%(actor)s noted “%(insight)s”") % {"actor": line.actor, "insight": line.target()},
        ),
        AuditSentence(
            "insight.update",
            lambda line: (
                _("%(actor)s changed “%(insight)s” (%(fields)s)")
                % {"actor": line.actor, "insight": line.target(), "fields": line.field_names(CustomerInsight)}
            ),
        ),
        AuditSentence(
            "insight.delete",
            lambda line: (
                _("%(actor)s deleted the goal, risk or constraint %(insight)s")
                % {"actor": line.actor, "insight": line.target()}
            ),
        ),
        AuditSentence(
            "import.create",
            lambda line: (
                _("%(actor)s started the import “%(file)s”") % {"actor": line.actor, "file": line.target()}
            ),
        ),
        AuditSentence(
            "import.import_good_rows",
            lambda line: (
                _("%(actor)s had the good rows of “%(file)s” imported")
                % {"actor": line.actor, "file": line.target()}
            ),
        ),
        AuditSentence(
            "import.fail", lambda line: _("The import “%(file)s” failed") % {"file": line.target()}
        ),
        AuditSentence("import.done", _import_done),
        AuditSentence(
            "import.columns",
            lambda line: (
                _("%(actor)s confirmed the columns of the import “%(file)s”")
                % {"actor": line.actor, "file": line.target()}
            ),
        ),
        AuditSentence(
            "import_mapping.create",
            lambda line: (
                _("%(actor)s saved the column mapping “%(name)s”")
                % {"actor": line.actor, "name": line.target()}
            ),
        ),
        AuditSentence(
            "import_mapping.update",
            lambda line: (
                _("%(actor)s changed the column mapping “%(name)s”")
                % {"actor": line.actor, "name": line.target()}
            ),
        ),
        AuditSentence(
            "import_mapping.delete",
            lambda line: (
                _("%(actor)s deleted the column mapping “%(name)s”")
                % {"actor": line.actor, "name": line.target()}
            ),
        ),
    )
