"""Working together on a case: comments, attachments, watchers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.complaints.access import (
    can_work_complaint,
    check_complaint_editable,
    check_complaint_visible,
    check_complaint_watchers_manageable,
)
from handschlag.complaints.attachments import CheckedUpload, check_upload
from handschlag.complaints.enums import WatcherReason
from handschlag.complaints.models import Complaint, ComplaintAttachment, ComplaintComment, ComplaintWatcher
from handschlag.complaints.services.clocks import record_first_response
from handschlag.complaints.services.lifecycle import lock_case, text_checked
from handschlag.complaints.services.notices import case_names, case_url
from handschlag.core.errors import Conflict, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import is_internal
from handschlag.core.selectors import business_calendar_get

COMMENT_MAX_LENGTH = 10_000


def check_uploads(uploads: Iterable[Any]) -> list[CheckedUpload]:
    return [check_upload(upload) for upload in uploads if upload is not None]


def store_attachment(*, actor: User, complaint: Complaint, checked: CheckedUpload) -> ComplaintAttachment:
    attachment = ComplaintAttachment(
        complaint=complaint,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    attachment.file.save("upload", checked.upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def complaint_comment_add(
    *, actor: User, complaint: Complaint, text: str, now: dt.datetime | None = None
) -> ComplaintComment:
    """Anyone who sees the case may comment (the seller too); a comment of the owner's side is a response."""
    check_complaint_visible(actor, complaint)
    text = text_checked(text, field="text", limit=COMMENT_MAX_LENGTH, missing=_("Write a comment."))
    now = now or timezone.now()
    comment = ComplaintComment.objects.create(complaint=complaint, author=actor, text=text, created_at=now)
    if can_work_complaint(actor, complaint) and complaint.is_open:
        lock_case(complaint)
        fields = record_first_response(complaint, now, business_calendar_get())
        if fields:
            complaint.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, action="complaint.comment", target=complaint, summary=f"comment {comment.pk}")
    recipients = [watcher.user for watcher in complaint.watchers.select_related("user")]
    if complaint.owner is not None:
        recipients.append(complaint.owner)
    notify(
        users=[user for user in recipients if user.pk != actor.pk],
        message=gettext_noop("%(author)s commented on complaint #%(number)s"),
        params={"author": str(actor), "number": complaint.pk},
        url=case_url(complaint),
        now=now,
    )
    return comment


@transaction.atomic
def complaint_attachment_add(*, actor: User, complaint: Complaint, upload: Any) -> ComplaintAttachment:
    """Anyone who may edit the case adds photos and PDFs; the content is checked, the name is not trusted."""
    check_complaint_editable(actor, complaint)
    checked = check_upload(upload)
    attachment = store_attachment(actor=actor, complaint=complaint, checked=checked)
    audit_record(
        actor=actor,
        action="complaint.attachment",
        target=complaint,
        summary=f"attachment {attachment.pk} ({attachment.content_type}, {attachment.size} bytes)",
    )
    return attachment


# --- watchers ----------------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_watcher_add(*, actor: User, complaint: Complaint, user: User) -> ComplaintWatcher:
    """Keep someone informed about the case (notified, may comment). The owner's side and management decide;
    the account's seller is a watcher from the start."""
    check_complaint_watchers_manageable(actor, complaint)
    lock_case(complaint)
    if not user.is_active or not is_internal(user):
        raise InvalidInput.for_field("user_id", _("Only active users of our company can watch a complaint."))
    if user.pk == complaint.owner_id:
        raise InvalidInput.for_field("user_id", _("The process owner owns the case and is not a watcher."))
    if ComplaintWatcher.objects.filter(complaint=complaint, user=user).exists():
        raise Conflict(_("%(user)s watches this case already.") % {"user": user})
    try:
        with transaction.atomic():
            watcher = ComplaintWatcher.objects.create(
                complaint=complaint, user=user, reason=WatcherReason.ADDED
            )
    except IntegrityError:  # added by someone else just now
        raise Conflict(_("%(user)s watches this case already.") % {"user": user}) from None
    audit_record(
        actor=actor,
        action="complaint.watcher_add",
        target=complaint,
        summary=f"user {user.pk} watches complaint #{complaint.pk}",
        changes={"watcher": user.pk},
    )
    if user.pk != actor.pk:
        notify(
            users=[user],
            message=gettext_noop("You are informed about complaint #%(number)s from %(account)s: %(title)s"),
            params=case_names(complaint),
            url=case_url(complaint),
        )
    return watcher


@transaction.atomic
def complaint_watcher_remove(*, actor: User, complaint: Complaint, user: User) -> None:
    """Stop informing someone. The account's seller stays: sales is kept informed about its customer's case."""
    check_complaint_watchers_manageable(actor, complaint)
    lock_case(complaint)
    watcher = ComplaintWatcher.objects.filter(complaint=complaint, user=user).first()
    if watcher is None:
        raise NotFound
    if watcher.reason == WatcherReason.SELLER or user.pk == complaint.account.owner_id:
        raise Conflict(_("The seller of the account stays informed about the case."))
    watcher.delete()
    audit_record(
        actor=actor,
        action="complaint.watcher_remove",
        target=complaint,
        summary=f"user {user.pk} no longer watches complaint #{complaint.pk}",
        changes={"watcher": user.pk},
    )
