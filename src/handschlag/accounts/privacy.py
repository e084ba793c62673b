"""What accounts holds about people (core/privacy.py): contacts of customers, imports a user uploaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.accounts.models import Account, Contact, ImportRun
from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    RetentionKind,
    personal_data_source_register,
    retention_kind_register,
)

CONTACT = "accounts.contact"
USER = "core.user"


def _subject(contact: Contact) -> DataSubject:
    return DataSubject(
        kind=CONTACT,
        id=contact.pk,
        name=str(contact),
        email=contact.email,
        context=contact.account.display_name,
    )


def contacts_find(text: str) -> list[DataSubject]:
    query = Q(last_name__icontains=text) | Q(first_name__icontains=text) | Q(email__icontains=text)
    contacts = Contact.objects.filter(query).select_related("account").order_by("pk")[:50]
    return [_subject(contact) for contact in contacts]


def contact_get(kind: str, subject_id: int) -> DataSubject | None:
    contact = Contact.objects.filter(pk=subject_id).select_related("account").first()
    return _subject(contact) if contact is not None else None


def contact_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != CONTACT:
        return []
    contacts = Contact.objects.filter(pk=subject.id)
    return [
        {
            "account": contact.account.display_name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "position": contact.position,
            "email": contact.email,
            "phone": contact.phone,
            "created_at": contact.created_at.isoformat(),
        }
        for contact in contacts.select_related("account").order_by("pk")
    ]


def contact_erase(subject: DataSubject) -> ErasureResult:
    if subject.kind != CONTACT:
        return ErasureResult()
    deleted, _detail = Contact.objects.filter(pk=subject.id).delete()
    return ErasureResult(erased=deleted)


def owned_accounts_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    accounts = Account.objects.filter(owner_id=subject.id).order_by("name", "pk")
    return [{"account": account.display_name, "role": "owner"} for account in accounts]


def imports_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    runs = ImportRun.objects.filter(created_by_id=subject.id).order_by("created_at", "pk")
    return [
        {"file": run.original_name, "at": run.created_at.isoformat(), "status": run.status} for run in runs
    ]


def imports_older_than(cutoff: dt.datetime) -> int:
    """Import runs with their uploaded file and row reports (which repeat values of the file)."""
    runs = list(ImportRun.objects.filter(created_at__lt=cutoff, finished_at__isnull=False))
    for run in runs:
        if run.file:
            run.file.delete(save=False)
    deleted, _detail = ImportRun.objects.filter(pk__in=[run.pk for run in runs]).delete()
    return deleted


def privacy_accounts_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="accounts.contacts",
            activity=ProcessingActivity(
                name=_("Customer contacts"),
                purpose=_("Looking after customers: who to speak to at an account"),
                subjects=_("Contact persons at customers and prospects"),
                categories=_("Name, position, e-mail, phone"),
                recipients=_("Sales, management; partners only as allowed by an agreement's sharing rules"),
                retention=_("As long as the business relationship lasts; erased on request"),
            ),
            subject_kinds=(CONTACT,),
            find=contacts_find,
            get=contact_get,
            export=contact_export,
            erase=contact_erase,
        )
    )
    personal_data_source_register(
        PersonalDataSource(
            name="accounts.owned_accounts",  # part of "customer accounts" (the account is the company's data)
            export=owned_accounts_export,
        )
    )
    personal_data_source_register(
        PersonalDataSource(
            name="accounts.imports",
            activity=ProcessingActivity(
                name=_("CRM imports"),
                purpose=_("Bringing accounts and contacts over from CRM exports"),
                subjects=_("Contact persons in the imported files; the user who imported"),
                categories=_("The uploaded file and its row report"),
                recipients=_("Administrators, management"),
                retention=_("Per the retention setting"),
                retention_kind="accounts.imports",
            ),
            export=imports_export,
        )
    )
    retention_kind_register(
        RetentionKind(
            name="accounts.imports",
            label=_("Finished imports with their files"),
            help=_("Uploaded CRM exports and their row reports are deleted after this period."),
            apply=imports_older_than,
            default_days=180,
        )
    )
