"""SLA arithmetic: pure functions over a BusinessCalendar and aware datetimes; no ORM.

A clock counts business hours from the case's creation. Pauses do not count: a clock's deadline is the instant
at which `target + paused business time` has passed, so pausing pushes every running deadline out by exactly
the business time the case stood still.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handschlag.complaints.enums import Severity
from handschlag.core.calendar import BusinessCalendar

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SlaTargets:
    first_response: dt.timedelta
    containment: dt.timedelta
    resolution: dt.timedelta
    escalation_step: dt.timedelta


def targets(first_response: int, containment: int, resolution: int, step: int) -> SlaTargets:
    return SlaTargets(first_response * HOUR, containment * HOUR, resolution * HOUR, step * HOUR)


# Business hours (a business day has nine). Critical: answer within 2 h, contain within a day, solve in a week.
DEFAULT_TARGETS: dict[str, SlaTargets] = {
    Severity.CRITICAL: targets(2, 9, 45, 2),
    Severity.HIGH: targets(4, 18, 90, 4),
    Severity.MEDIUM: targets(9, 45, 180, 9),
    Severity.LOW: targets(18, 90, 360, 18),
}


def deadline(
    calendar: BusinessCalendar, start: dt.datetime, target: dt.timedelta, paused: dt.timedelta
) -> dt.datetime:
    """When the clock started at `start` runs out, given the business time it has been paused so far."""
    return calendar.add_business_time(start, target + paused)


def elapsed(
    calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime, paused: dt.timedelta
) -> dt.timedelta:
    """Business time on the clock between `start` and `end`, pauses excluded."""
    return max(calendar.business_time_between(start, end) - paused, dt.timedelta(0))


def escalation_level_due(
    calendar: BusinessCalendar, due: dt.datetime, now: dt.datetime, step: dt.timedelta, *, top: int = 3
) -> int:
    """The rung an overdue clock has reached: 0 before the deadline, 1 at it, one more per `step` overdue."""
    if now < due:
        return 0
    if step <= dt.timedelta(0):
        return top
    overdue = calendar.business_time_between(due, now)
    return min(top, 1 + int(overdue // step))


def clock_state(*, due: dt.datetime, met_at: dt.datetime | None, now: dt.datetime, paused: bool) -> str:
    """met / missed (met late) / overdue / paused / running."""
    if met_at is not None:
        return "met" if met_at <= due else "missed"
    if paused:
        return "paused"
    return "overdue" if now > due else "running"


def deadline_alert_at(
    calendar: BusinessCalendar, *, start: dt.datetime, deadline: dt.datetime, lead: dt.timedelta
) -> dt.datetime:
    """When owner and management are alerted ahead of the customer's cancellation deadline (docs/adr/0201 §9).

    `lead` business time before the deadline; when less than twice that is left between `start` (the threat was
    recorded) and the deadline, halfway through the business time left; with none left, at `start`. Never after
    the deadline.
    """
    left = calendar.business_time_between(start, deadline)
    if left <= dt.timedelta(0):
        return start
    ahead = min(lead, left / 2)
    return min(calendar.add_business_time(start, left - ahead), deadline)


def first_response_effective_due(sla_due: dt.datetime, alert_at: dt.datetime | None) -> dt.datetime:
    """The first response is due by the SLA, or by the alert ahead of the customer's deadline if that is
    earlier."""
    return sla_due if alert_at is None else min(sla_due, alert_at)
