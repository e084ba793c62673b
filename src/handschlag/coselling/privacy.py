"""What co-selling holds about people (core/privacy.py): the contact person of a lead (name, e-mail, phone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    RetentionKind,
    personal_data_source_register,
    retention_kind_register,
)
from handschlag.coselling.lead_enums import LeadStatus
from handschlag.coselling.models import Lead

LEAD_CONTACT = "coselling.lead"


def _subject(lead: Lead) -> DataSubject:
    return DataSubject(
        kind=LEAD_CONTACT,
        id=lead.pk,
        name=lead.contact_name,
        email=lead.contact_email,
        context=lead.company_name,
    )


def lead_contacts_find(text: str) -> list[DataSubject]:
    leads = Lead.objects.filter(Q(contact_name__icontains=text) | Q(contact_email__icontains=text)).exclude(
        contact_name=""
    )
    return [_subject(lead) for lead in leads.order_by("pk")[:50]]


def lead_contact_get(kind: str, subject_id: int) -> DataSubject | None:
    lead = Lead.objects.filter(pk=subject_id).exclude(contact_name="").first()
    return _subject(lead) if lead is not None else None


def lead_contact_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != LEAD_CONTACT:
        return []
    lead = Lead.objects.filter(pk=subject.id).first()
    if lead is None:
        return []
    return [
        {
            "company": lead.company_name,
            "contact": lead.contact_name,
            "email": lead.contact_email,
            "phone": lead.contact_phone,
            "offered_at": lead.offered_at.isoformat(),
            "status": lead.status,
        }
    ]


def lead_contact_erase(subject: DataSubject) -> ErasureResult:
    """The lead stays (the partnership's figures count it); its contact person's data goes."""
    if subject.kind != LEAD_CONTACT:
        return ErasureResult()
    changed = Lead.objects.filter(pk=subject.id).update(
        contact_name=str(_("(erased)")), contact_email="", contact_phone=""
    )
    return ErasureResult(anonymised=changed)


def closed_leads_older_than(cutoff: dt.datetime) -> int:
    """Decided or expired leads: their contact data is blanked (the counts in the figures stay)."""
    return (
        Lead.objects.filter(offered_at__lt=cutoff)
        .exclude(status=LeadStatus.OFFERED)
        .exclude(contact_email="", contact_phone="")
        .update(contact_name=str(_("(erased)")), contact_email="", contact_phone="")
    )


def privacy_coselling_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="coselling.lead_contacts",
            activity=ProcessingActivity(
                name=_("Lead contacts"),
                purpose=_("Passing sales leads between us and partners (and from marketing to sales)"),
                subjects=_("Contact persons at companies named in a lead"),
                categories=_("Name, e-mail, phone"),
                recipients=_(
                    "The receiving side after acceptance; partners only for leads they sent or accepted"
                ),
                retention=_("Per the retention setting for decided leads"),
                retention_kind="coselling.leads",
            ),
            subject_kinds=(LEAD_CONTACT,),
            find=lead_contacts_find,
            get=lead_contact_get,
            export=lead_contact_export,
            erase=lead_contact_erase,
        )
    )
    retention_kind_register(
        RetentionKind(
            name="coselling.leads",
            label=_("Contact data of decided leads"),
            help=_(
                "The contact person's name, e-mail and phone of accepted, declined or expired leads are blanked."
            ),
            apply=closed_leads_older_than,
            default_days=730,
        )
    )
