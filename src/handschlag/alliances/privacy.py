"""What alliances holds about people (core/privacy.py): contacts at partner companies."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.alliances.models import PartnerContact
from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    personal_data_source_register,
)

PARTNER_CONTACT = "alliances.partnercontact"


def _subject(contact: PartnerContact) -> DataSubject:
    return DataSubject(
        kind=PARTNER_CONTACT,
        id=contact.pk,
        name=contact.name,
        email=contact.email,
        context=contact.partner.name,
    )


def partner_contacts_find(text: str) -> list[DataSubject]:
    query = Q(name__icontains=text) | Q(email__icontains=text)
    contacts = PartnerContact.objects.filter(query).select_related("partner").order_by("pk")[:50]
    return [_subject(contact) for contact in contacts]


def partner_contact_get(kind: str, subject_id: int) -> DataSubject | None:
    contact = PartnerContact.objects.filter(pk=subject_id).select_related("partner").first()
    return _subject(contact) if contact is not None else None


def partner_contact_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != PARTNER_CONTACT:
        return []
    contact = PartnerContact.objects.filter(pk=subject.id).select_related("partner").first()
    if contact is None:
        return []
    return [
        {
            "partner": contact.partner.name,
            "name": contact.name,
            "position": contact.position,
            "email": contact.email,
            "phone": contact.phone,
        }
    ]


def partner_contact_erase(subject: DataSubject) -> ErasureResult:
    if subject.kind != PARTNER_CONTACT:
        return ErasureResult()
    deleted, _detail = PartnerContact.objects.filter(pk=subject.id).delete()
    return ErasureResult(erased=deleted)


def privacy_alliances_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="alliances.partner_contacts",
            activity=ProcessingActivity(
                name=_("Partner contacts"),
                purpose=_("Working with partner companies: agreements, account mapping, co-selling"),
                subjects=_("Contact persons at partner companies"),
                categories=_("Name, position, e-mail, phone"),
                recipients=_("Partner managers, management"),
                retention=_("As long as the partnership lasts; erased on request"),
            ),
            subject_kinds=(PARTNER_CONTACT,),
            find=partner_contacts_find,
            get=partner_contact_get,
            export=partner_contact_export,
            erase=partner_contact_erase,
        )
    )
