"""The SLA clocks of a case: paused time, deadlines, the first response (docs/adr/0201 §3)."""

from __future__ import annotations

import datetime as dt

from handschlag.complaints import sla
from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.selectors import deadline_lead, sla_targets_for
from handschlag.core.calendar import BusinessCalendar


def paused_total(complaint: Complaint, calendar: BusinessCalendar, now: dt.datetime) -> dt.timedelta:
    paused = dt.timedelta(seconds=complaint.paused_seconds)
    if complaint.paused_since is not None:
        paused += calendar.business_time_between(complaint.paused_since, now)
    return paused


def set_deadlines(complaint: Complaint, calendar: BusinessCalendar, paused: dt.timedelta) -> None:
    """Recompute the deadlines of the clocks that still run (severity change, end of a pause)."""
    targets = sla_targets_for(complaint.severity)
    if complaint.first_response_at is None:
        complaint.first_response_due = sla.deadline(
            calendar, complaint.created_at, targets.first_response, paused
        )
    if complaint.contained_at is None:
        complaint.containment_due = sla.deadline(calendar, complaint.created_at, targets.containment, paused)
    if complaint.closed_at is None:
        complaint.resolution_due = sla.deadline(calendar, complaint.created_at, targets.resolution, paused)


def set_deadline_alert(complaint: Complaint, calendar: BusinessCalendar, start: dt.datetime) -> None:
    """When to alert ahead of the customer's cancellation deadline, counted from `start` (when the threat or the
    deadline was recorded); none without a deadline (docs/adr/0201 §9)."""
    deadline = complaint.cancellation_deadline if complaint.cancellation_threat else None
    complaint.deadline_alert_at = (
        None
        if deadline is None
        else sla.deadline_alert_at(calendar, start=start, deadline=deadline, lead=deadline_lead())
    )


def whole_seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())


def record_first_response(complaint: Complaint, now: dt.datetime, calendar: BusinessCalendar) -> list[str]:
    if complaint.first_response_at is not None:
        return []
    paused = paused_total(complaint, calendar, now)
    complaint.first_response_at = now
    complaint.first_response_seconds = whole_seconds(sla.elapsed(calendar, complaint.created_at, now, paused))
    if complaint.is_paused:  # met during a pause: judge it against the deadline the pause has pushed out
        targets = sla_targets_for(complaint.severity)
        complaint.first_response_due = sla.deadline(
            calendar, complaint.created_at, targets.first_response, paused
        )
    fields = ["first_response_at", "first_response_seconds", "first_response_due"]
    if complaint.status == ComplaintStatus.OPEN:
        complaint.status = ComplaintStatus.IN_PROGRESS
        fields.append("status")
    return fields
