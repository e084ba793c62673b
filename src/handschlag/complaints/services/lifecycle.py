"""The states of a case: taken up, paused, resumed, closed, reopened; each change under the case's row lock."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.complaints import sla
from handschlag.complaints.access import check_complaint_workable
from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint, ComplaintPause
from handschlag.complaints.services.clocks import record_first_response, set_deadlines, whole_seconds
from handschlag.complaints.services.notices import case_names, case_url
from handschlag.core.calendar import BusinessCalendar
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.selectors import business_calendar_get

REASON_MAX_LENGTH = 500
SUMMARY_MAX_LENGTH = 20_000


def text_checked(value: str, *, field: str, limit: int, missing: str) -> str:
    """A text typed by a person, stripped: refused when empty (`missing`), too long, or with a NUL character."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput.for_field(field, missing)
    if len(text) > limit:
        raise InvalidInput.for_field(field, _("At most %(limit)s characters.") % {"limit": limit})
    if "\x00" in text:
        raise InvalidInput.for_field(field, _("The text contains a NUL character."))
    return text


def require_open(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(_("The case is closed. Reopen it first."), code="closed")


def lock_case(complaint: Complaint) -> Complaint:
    """Reload the case under a row lock; concurrent writes to one case queue up behind it."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    for name in [f.attname for f in Complaint._meta.concrete_fields]:
        setattr(complaint, name, getattr(locked, name))
    return complaint


@transaction.atomic
def complaint_acknowledge(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    """The owner's side takes the case up: the first response."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    require_open(complaint)
    now = now or timezone.now()
    fields = record_first_response(complaint, now, business_calendar_get())
    if fields:
        complaint.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="complaint.acknowledge", target=complaint, summary="first response")
        notify(
            users=[watcher.user for watcher in complaint.watchers.select_related("user")],
            message=gettext_noop("Complaint #%(number)s is being worked on by %(owner)s"),
            params={"number": complaint.pk, "owner": str(actor)},
            url=case_url(complaint),
            now=now,
        )
    return complaint


@transaction.atomic
def complaint_pause(
    *, actor: User, complaint: Complaint, reason: str, now: dt.datetime | None = None
) -> ComplaintPause:
    """Stop the clocks, with a reason that is logged (e.g. waiting for the customer's sample parts)."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    require_open(complaint)
    reason = text_checked(
        reason, field="reason", limit=REASON_MAX_LENGTH, missing=_("Say why the clocks stop.")
    )
    if complaint.is_paused:
        raise Conflict(_("The case is paused already."), code="paused")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            pause = ComplaintPause.objects.create(
                complaint=complaint, reason=reason, started_at=now, started_by=actor
            )
    except IntegrityError:
        raise Conflict(_("The case is paused already."), code="paused") from None
    complaint.paused_since = now
    complaint.save(update_fields=["paused_since", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.pause",
        target=complaint,
        summary=f"complaint #{complaint.pk} paused",
        changes={"reason": reason},
    )
    return pause


def _end_pause(*, actor: User, complaint: Complaint, now: dt.datetime, calendar: BusinessCalendar) -> None:
    pause = ComplaintPause.objects.select_for_update().get(complaint=complaint, ended_at__isnull=True)
    paused = calendar.business_time_between(pause.started_at, now)
    pause.ended_at = now
    pause.ended_by = actor
    pause.business_seconds = whole_seconds(paused)
    pause.save(update_fields=["ended_at", "ended_by", "business_seconds"])
    complaint.paused_seconds += pause.business_seconds
    complaint.paused_since = None
    set_deadlines(complaint, calendar, dt.timedelta(seconds=complaint.paused_seconds))
    complaint.save(
        update_fields=[
            "paused_seconds",
            "paused_since",
            "first_response_due",
            "containment_due",
            "resolution_due",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="complaint.resume",
        target=complaint,
        summary=f"complaint #{complaint.pk} resumed",
        changes={"paused_business_seconds": pause.business_seconds},
    )


@transaction.atomic
def complaint_resume(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    """Let the clocks run again; the paused business time pushes every running deadline out."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    if not complaint.is_paused:
        raise Conflict(_("The case is not paused."), code="not_paused")
    _end_pause(actor=actor, complaint=complaint, now=now or timezone.now(), calendar=business_calendar_get())
    return complaint


@transaction.atomic
def complaint_close(
    *, actor: User, complaint: Complaint, summary: str, now: dt.datetime | None = None
) -> Complaint:
    """Close the case with how it was resolved (the owner's side); a pause ends, the resolution clock stops."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    require_open(complaint)
    summary = text_checked(
        summary, field="summary", limit=SUMMARY_MAX_LENGTH, missing=_("Describe how the case was resolved.")
    )
    now = now or timezone.now()
    calendar = business_calendar_get()
    if complaint.is_paused:
        _end_pause(actor=actor, complaint=complaint, now=now, calendar=calendar)
    fields = record_first_response(complaint, now, calendar)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = now
    complaint.resolution_summary = summary
    complaint.resolution_seconds = whole_seconds(
        sla.elapsed(calendar, complaint.created_at, now, dt.timedelta(seconds=complaint.paused_seconds))
    )
    complaint.save(
        update_fields=[
            *fields,
            "status",
            "closed_at",
            "resolution_summary",
            "resolution_seconds",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="complaint.close",
        target=complaint,
        summary=f"complaint #{complaint.pk} closed",
        changes={"resolution_seconds": complaint.resolution_seconds},
    )
    notify(
        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
        message=gettext_noop("Complaint #%(number)s is closed"),
        params={"number": complaint.pk},
        url=case_url(complaint),
        now=now,
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """Open a closed case again (the owner's side), with a reason that is logged. The resolution clock runs
    again from its stored deadline; the first response, the containment and the rungs that fired stay."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    if complaint.status != ComplaintStatus.CLOSED:
        raise Conflict(_("The case is open."), code="open")
    reason = text_checked(
        reason, field="reason", limit=REASON_MAX_LENGTH, missing=_("Say why the case is reopened.")
    )
    complaint.status = ComplaintStatus.IN_PROGRESS
    complaint.closed_at = None
    complaint.resolution_seconds = None
    complaint.reopen_count += 1
    complaint.save(update_fields=["status", "closed_at", "resolution_seconds", "reopen_count", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.reopen",
        target=complaint,
        summary=f"complaint #{complaint.pk} reopened",
        changes={"reason": reason},
    )
    recipients = [watcher.user for watcher in complaint.watchers.select_related("user")]
    if complaint.owner is not None:
        recipients.append(complaint.owner)
    notify(
        users=[user for user in recipients if user.pk != actor.pk],
        message=gettext_noop("Complaint #%(number)s from %(account)s is open again: %(reason)s"),
        params={**case_names(complaint), "reason": reason},
        url=case_url(complaint),
    )
    return complaint
