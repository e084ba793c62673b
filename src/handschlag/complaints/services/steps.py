"""The 8D steps of a case; D3 done is the containment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.complaints import sla
from handschlag.complaints.access import check_complaint_workable
from handschlag.complaints.enums import EightDStep
from handschlag.complaints.inputs import StepPatch
from handschlag.complaints.models import Complaint, ComplaintStep
from handschlag.complaints.selectors import sla_targets_for
from handschlag.complaints.services.clocks import paused_total, record_first_response, whole_seconds
from handschlag.complaints.services.lifecycle import lock_case, require_open
from handschlag.complaints.services.notices import case_url
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import is_internal
from handschlag.core.selectors import business_calendar_get
from handschlag.core.services import model_update


@transaction.atomic
def complaint_step_update(
    *,
    actor: User,
    complaint: Complaint,
    step: str,
    patch: StepPatch,
    now: dt.datetime | None = None,
) -> ComplaintStep:
    """Set an 8D step's owner, due date, notes, done. D3 done is the containment; any step is a response."""
    check_complaint_workable(actor, complaint)
    lock_case(complaint)
    require_open(complaint)
    if step not in EightDStep.values:
        raise InvalidInput.for_field("step", _("Unknown 8D step."))
    now = now or timezone.now()
    item = ComplaintStep.objects.select_for_update().get(complaint=complaint, step=step)
    given = patch.given()
    values: dict[str, Any] = {}
    if "owner_id" in given:
        owner = None
        if patch.owner_id is not None:
            owner = User.objects.filter(pk=patch.owner_id).first()
            if owner is None or not is_internal(owner):
                raise InvalidInput.for_field(
                    "owner_id", _("The owner must be an active user of our company.")
                )
        values["owner"] = owner
    if "due_date" in given:
        values["due_date"] = patch.due_date
    if "notes" in given:
        values["notes"] = patch.notes or ""
    if patch.done is not None:
        if patch.done and item.done_at is None:
            values["done_at"] = now
        elif not patch.done:
            values["done_at"] = None
    changes = model_update(instance=item, fields=["owner", "due_date", "notes", "done_at"], data=values)
    calendar = business_calendar_get()
    fields = record_first_response(complaint, now, calendar) if changes else []
    if step == EightDStep.D3 and "done_at" in changes:
        if item.done_at is not None:
            paused = paused_total(complaint, calendar, now)
            complaint.contained_at = item.done_at
            complaint.containment_seconds = whole_seconds(
                sla.elapsed(calendar, complaint.created_at, now, paused)
            )
            if complaint.is_paused:
                targets = sla_targets_for(complaint.severity)
                complaint.containment_due = sla.deadline(
                    calendar, complaint.created_at, targets.containment, paused
                )
        else:
            complaint.contained_at = None
            complaint.containment_seconds = None
        fields += ["contained_at", "containment_seconds", "containment_due"]
    if fields:
        complaint.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action="complaint.step",
            target=complaint,
            summary=f"complaint #{complaint.pk} {step} changed",
            changes={"step": step, **changes},
        )
        if step == EightDStep.D3 and complaint.contained_at is not None:
            notify(
                users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                title=lambda: _("Complaint #%(number)s is contained (D3 done)") % {"number": complaint.pk},
                url=case_url(complaint),
            )
    return item
