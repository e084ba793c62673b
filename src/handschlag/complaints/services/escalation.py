"""The escalation ladder, run by the system every few minutes (docs/adr/0201 §4).

These are system actions: no user acts, so there is no actor to check; the names end in `_as_system`, the audit
events have no actor, and only the worker's periodic task (and the demo) call them. No page or endpoint does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.complaints import sla
from handschlag.complaints.enums import ComplaintStatus, EscalationLevel, SlaClock
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


def _escalation_title(complaint: Complaint, clock: str, level: int) -> Callable[[], str]:
    def title() -> str:
        names = {
            "number": complaint.pk,
            "account": complaint.account.display_name,
            "clock": SlaClock(clock).label,
            "level": EscalationLevel(level).label,
        }
        return _("Overdue: %(clock)s of complaint #%(number)s (%(account)s), escalated to %(level)s") % names

    return title


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
        if complaint is None or not complaint.is_open or complaint.is_paused:
            return 0
        calendar = business_calendar_get()
        step = sla_targets_for(complaint.severity).escalation_step
        fired = 0
        top = complaint.escalation_level
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
                    title=_escalation_title(complaint, clock, level),
                    url=case_url(complaint),
                )
                if level == EscalationLevel.MANAGEMENT:
                    notify(
                        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                        title=_escalation_title(complaint, clock, level),
                        url=case_url(complaint),
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


@dataclass
class EscalationRun:
    checked: int = 0
    fired: int = 0
    failed: list[int] = field(default_factory=list)


def complaint_escalations_run_as_system(*, now: dt.datetime | None = None) -> EscalationRun:
    """Escalate every open, unpaused case with an overdue clock. One failing case is logged and skipped; the
    others still escalate (the pattern of Netflix Dispatch's scheduled case jobs)."""
    now = now or timezone.now()
    overdue = (
        Complaint.objects.exclude(status=ComplaintStatus.CLOSED)
        .filter(paused_since__isnull=True)
        .filter(
            Q(first_response_at__isnull=True, first_response_due__lte=now)
            | Q(contained_at__isnull=True, containment_due__lte=now)
            | Q(closed_at__isnull=True, resolution_due__lte=now)
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
