"""The escalation ladder, run by the system every few minutes (docs/adr/0201 §4).

These are system actions: no user acts, so there is no actor to check; the names end in `_as_system`, the audit
events have no actor, and only the worker's periodic task (and the demo) call them. No page or endpoint does.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from handschlag.complaints import sla
from handschlag.complaints.enums import (
    DEADLINE_ALERT,
    DEADLINE_PASSED,
    ComplaintStatus,
    EscalationLevel,
    SlaClock,
)
from handschlag.complaints.models import Complaint, Escalation
from handschlag.complaints.selectors import sla_targets_for
from handschlag.complaints.services.notices import case_url, management_users
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.selectors import business_calendar_get

logger = logging.getLogger(__name__)


# --- escalation ------------------------------------------------------------------------------------------------


def _ladder_recipients(complaint: Complaint, level: int) -> list[User]:
    """Rung 1: the owner; rung 2: his manager, else the department head; rung 3: management.
    A case in triage has no owner: its ladder is management from the start."""
    management = management_users()
    owner = complaint.owner
    if owner is None:
        return management
    if level == EscalationLevel.OWNER:
        return [owner]
    if level == EscalationLevel.MANAGER:
        for candidate in (owner.manager, complaint.department.head if complaint.department else None):
            if candidate is not None and candidate.is_active and candidate.pk != owner.pk:
                return [candidate]
        return management
    return management


def _escalation_message(complaint: Complaint, clock: str, level: int) -> dict[str, Any]:
    """The notification's message and parameters (translated when shown: clock and level as labels)."""
    return {
        "message": gettext_noop(
            "Overdue: %(clock)s of complaint #%(number)s (%(account)s), escalated to %(level)s"
        ),
        "params": {
            "number": complaint.pk,
            "account": complaint.account.display_name,
            "clock": SlaClock(clock),
            "level": EscalationLevel(level),
        },
    }


def complaint_escalate_as_system(*, complaint_id: int, now: dt.datetime | None = None) -> int:
    """Fire every rung that is due and has not fired. Returns how many fired.

    Each rung is one row under a unique key (complaint, clock, level), inserted in the same transaction as its
    notifications: two workers at once insert it once, the other one gets an IntegrityError and skips, and a
    crash before the commit leaves nothing behind, so the next run fires it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_related("owner", "owner__manager", "department__head", "account")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None or not complaint.is_open:
            return 0
        fired, top = _deadline_fire(complaint, now)  # the customer's deadline runs through pauses
        if complaint.is_paused:
            if top > complaint.escalation_level:
                Complaint.objects.filter(pk=complaint.pk, escalation_level__lt=top).update(
                    escalation_level=top
                )
            return fired
        calendar = business_calendar_get()
        step = sla_targets_for(complaint.severity).escalation_step
        top = max(top, complaint.escalation_level)
        for clock, due, met_at in (
            (SlaClock.FIRST_RESPONSE, complaint.first_response_due, complaint.first_response_at),
            (SlaClock.CONTAINMENT, complaint.containment_due, complaint.contained_at),
            (SlaClock.RESOLUTION, complaint.resolution_due, complaint.closed_at),
        ):
            if met_at is not None:
                continue
            for level in range(1, sla.escalation_level_due(calendar, due, now, step) + 1):
                try:
                    with transaction.atomic():
                        escalation = Escalation.objects.create(
                            complaint=complaint, clock=clock, level=level, fired_at=now
                        )
                except IntegrityError:
                    continue  # fired before, by this worker or another
                recipients = _ladder_recipients(complaint, level)
                escalation.recipients.set(recipients)
                notify(
                    users=recipients,
                    **_escalation_message(complaint, clock, level),
                    url=case_url(complaint),
                    now=now,
                )
                if level == EscalationLevel.MANAGEMENT:
                    notify(
                        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                        **_escalation_message(complaint, clock, level),
                        url=case_url(complaint),
                        now=now,
                    )
                audit_record(
                    actor=None,
                    action="complaint.escalate",
                    target=complaint,
                    summary=f"complaint #{complaint.pk} {clock} escalated to level {level}",
                    changes={"clock": clock, "level": level, "recipients": [user.pk for user in recipients]},
                )
                fired += 1
                top = max(top, level)
        if top > complaint.escalation_level:
            Complaint.objects.filter(pk=complaint.pk, escalation_level__lt=top).update(escalation_level=top)
    return fired


# --- the customer's cancellation deadline (docs/adr/0201 §9) -----------------------------------------------------


def _deadline_message(complaint: Complaint, passed: bool) -> dict[str, Any]:
    """The notification's message and parameters (translated when shown: the deadline in the reader's format)."""
    params = {
        "number": complaint.pk,
        "account": complaint.account.display_name,
        "deadline": complaint.cancellation_deadline,
    }
    if passed:
        message = gettext_noop(
            "Cancellation deadline %(deadline)s passed without a first response: complaint #%(number)s "
            "(%(account)s) is escalated to management"
        )
    else:
        message = gettext_noop(
            "Cancellation deadline %(deadline)s is near and complaint #%(number)s (%(account)s) has no first "
            "response yet"
        )
    return {"message": message, "params": params}


def _deadline_recipients(complaint: Complaint, passed: bool) -> list[User]:
    """The alert: the owner (or, in triage, nobody but) management. Once passed: the owner, his manager,
    management and the watchers (the seller among them)."""
    recipients = [*([complaint.owner] if complaint.owner else []), *management_users()]
    if passed:
        if complaint.owner is not None and complaint.owner.manager is not None:
            recipients.append(complaint.owner.manager)
        recipients += [watcher.user for watcher in complaint.watchers.select_related("user")]
    return list({user.pk: user for user in recipients}.values())


def _deadline_fire(complaint: Complaint, now: dt.datetime) -> tuple[int, int]:
    """Fire the alert ahead of the customer's deadline and the escalation once it has passed, each once (a row
    under the unique key, like a rung). Nothing once the first response is given. The alert is left out when
    the run comes only after the deadline: the escalation says more. Returns (fired, highest level fired)."""
    deadline, alert_at = complaint.cancellation_deadline, complaint.deadline_alert_at
    if not complaint.cancellation_threat or deadline is None or complaint.first_response_at is not None:
        return 0, 0
    if now >= deadline:
        level = DEADLINE_PASSED
    elif alert_at is not None and now >= alert_at:
        level = DEADLINE_ALERT
    else:
        return 0, 0
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                complaint=complaint, clock=SlaClock.DEADLINE, level=level, fired_at=now
            )
    except IntegrityError:
        return 0, 0  # fired before, by this worker or another
    passed = level == DEADLINE_PASSED
    recipients = _deadline_recipients(complaint, passed)
    escalation.recipients.set(recipients)
    notify(users=recipients, **_deadline_message(complaint, passed), url=case_url(complaint), now=now)
    audit_record(
        actor=None,
        action="complaint.deadline_passed" if passed else "complaint.deadline_alert",
        target=complaint,
        summary=f"complaint #{complaint.pk} cancellation deadline "
        + ("passed without a first response" if passed else "near without a first response"),
        changes={
            "deadline": deadline.isoformat(),
            "level": level,
            "recipients": [user.pk for user in recipients],
        },
    )
    return 1, (EscalationLevel.MANAGEMENT if passed else 0)


@dataclass
class EscalationRun:
    checked: int = 0
    fired: int = 0
    failed: list[int] = field(default_factory=list)


def complaint_escalations_run_as_system(*, now: dt.datetime | None = None) -> EscalationRun:
    """Escalate every open, unpaused case with an overdue clock, and alert or escalate every unanswered case whose
    customer's cancellation deadline is near or past (paused or not). One failing case is logged and skipped; the
    others still escalate (the pattern of Netflix Dispatch's scheduled case jobs)."""
    now = now or timezone.now()
    overdue = (
        Complaint.objects.exclude(status=ComplaintStatus.CLOSED)
        .filter(
            Q(paused_since__isnull=True)
            & (
                Q(first_response_at__isnull=True, first_response_due__lte=now)
                | Q(contained_at__isnull=True, containment_due__lte=now)
                | Q(closed_at__isnull=True, resolution_due__lte=now)
            )
            | Q(
                cancellation_threat=True,
                first_response_at__isnull=True,
                deadline_alert_at__lte=now,
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result = EscalationRun()
    for complaint_id in list(overdue):
        result.checked += 1
        try:
            result.fired += complaint_escalate_as_system(complaint_id=complaint_id, now=now)
        except Exception:
            logger.exception("escalation of complaint %s failed", complaint_id)
            result.failed.append(complaint_id)
    return result
