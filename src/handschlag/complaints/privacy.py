"""What complaints hold about people (core/privacy.py): cases a user reported, owns or watches, his comments;
retention of closed cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint, ComplaintComment, ComplaintWatcher
from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    RetentionKind,
    personal_data_source_register,
    retention_kind_register,
)

USER = "core.user"


def complaints_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    rows: list[dict[str, Any]] = []
    for case in Complaint.objects.filter(reporter_id=subject.id).order_by("pk"):
        rows.append(
            {
                "case": case.pk,
                "title": case.title,
                "role": "reporter",
                "created_at": case.created_at.isoformat(),
            }
        )
    for case in Complaint.objects.filter(owner_id=subject.id).order_by("pk"):
        rows.append(
            {"case": case.pk, "title": case.title, "role": "owner", "created_at": case.created_at.isoformat()}
        )
    for watch in (
        ComplaintWatcher.objects.filter(user_id=subject.id).select_related("complaint").order_by("pk")
    ):
        rows.append({"case": watch.complaint_id, "title": watch.complaint.title, "role": "watcher"})
    for comment in ComplaintComment.objects.filter(author_id=subject.id).order_by("pk"):
        rows.append(
            {"case": comment.complaint_id, "comment": comment.text, "at": comment.created_at.isoformat()}
        )
    return rows


def complaints_erase(subject: DataSubject) -> ErasureResult:
    """Cases and comments are business records; the user's name disappears with his anonymised account."""
    if subject.kind != USER:
        return ErasureResult()
    watching, _detail = ComplaintWatcher.objects.filter(user_id=subject.id).delete()
    has_records = (
        Complaint.objects.filter(reporter_id=subject.id).exists()
        or ComplaintComment.objects.filter(author_id=subject.id).exists()
    )
    kept = (
        (
            _(
                "Complaints and their comments stay as business records of the case (retention setting for closed "
                "complaints); they now show the anonymised user."
            ),
        )
        if has_records
        else ()
    )
    return ErasureResult(erased=watching, kept=kept)


def closed_complaints_older_than(cutoff: dt.datetime) -> int:
    cases = list(Complaint.objects.filter(status=ComplaintStatus.CLOSED, closed_at__lt=cutoff))
    for case in cases:
        for attachment in case.attachments.all():
            attachment.file.delete(save=False)
    deleted, _detail = Complaint.objects.filter(pk__in=[case.pk for case in cases]).delete()
    return len(cases) if deleted else 0


def privacy_complaints_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="complaints.cases",
            activity=ProcessingActivity(
                name=_("Complaints"),
                purpose=_(
                    "Handling customer complaints with the process owner: 8D steps, deadlines, escalation"
                ),
                subjects=_("Employees who report, own, watch or comment on a case"),
                categories=_("Name of the user, comments, attached photos and documents"),
                recipients=_("Process owners, the account's seller, management"),
                retention=_("Closed complaints per the retention setting"),
                retention_kind="complaints.closed",
            ),
            export=complaints_export,
            erase=complaints_erase,
        )
    )
    retention_kind_register(
        RetentionKind(
            name="complaints.closed",
            label=_("Closed complaints"),
            help=_(
                "Closed complaints with their comments, 8D steps and attachments are deleted after this period."
            ),
            apply=closed_complaints_older_than,
        )
    )
