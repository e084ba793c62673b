"""The 8D steps of a case; D3 done is the containment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.complaints import sla
from handschlag.complaints.access import check_complaint_workable
from handschlag.complaints.enums import STEPS_DONE_ANY_TIME, EightDStep
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


def steps_open_before(complaint: Complaint, step: str) -> list[str]:
    """The earlier 8D steps that are not done yet (D3, the immediate containment, does not wait for D1 and D2,
    but the steps after it wait for it)."""
    if step in STEPS_DONE_ANY_TIME:
        return []
    earlier = [value for value in EightDStep.values if value < step]
    return list(
        ComplaintStep.objects.filter(complaint=complaint, step__in=earlier, done_at__isnull=True)
        .order_by("step")
        .values_list("step", flat=True)
    )


def _out_of_order_reason(complaint: Complaint, step: str, reason: str) -> str:
    """A step done before an earlier one needs a reason, which is kept on the step and in the audit log."""
    missing = steps_open_before(complaint, step)
    if not missing:
        return ""
    if not reason.strip():
        raise InvalidInput.for_field(
            "reason",
            _("%(missing)s not done yet. Give a reason to complete %(step)s before it.")
            % {"missing": ", ".join(missing), "step": step},
        )
    return reason.strip()


@transaction.atomic
def complaint_step_update(
    *,
    actor: User,
    complaint: Complaint,
    step: str,
    patch: StepPatch,
    now: dt.datetime | None = None,
) -> ComplaintStep:
    """Set an 8D step's owner, due date, notes, done. D3 done is the containment; any step is a response.
    A step done before an earlier one needs `patch.reason` (docs/adr/0201 §11)."""
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
            values["out_of_order_reason"] = _out_of_order_reason(complaint, step, patch.reason or "")
        elif not patch.done:
            values["done_at"] = None
            values["out_of_order_reason"] = ""
    changes = model_update(
        instance=item,
        fields=["owner", "due_date", "notes", "done_at", "out_of_order_reason"],
        data=values,
    )
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
            summary=f"complaint #{complaint.pk} {step} changed"
            + (
                f", done out of order: {item.out_of_order_reason}" if "out_of_order_reason" in changes else ""
            ),
            changes={"step": step, **changes},
        )
        if step == EightDStep.D3 and complaint.contained_at is not None:
            notify(
                users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                message=gettext_noop("Complaint #%(number)s is contained (D3 done)"),
                params={"number": complaint.pk},
                url=case_url(complaint),
                now=now,
            )
    return item
