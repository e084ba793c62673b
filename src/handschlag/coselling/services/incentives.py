"""Incentive plans: one per agreement, kept by partner managers and management; every change audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.coselling.access import check_incentives_manageable
from handschlag.coselling.inputs import IncentivePlanInput
from handschlag.coselling.models import IncentivePlan

if TYPE_CHECKING:
    from handschlag.alliances.models import Agreement


@transaction.atomic
def incentive_plan_save(*, actor: User, agreement: Agreement, data: IncentivePlanInput) -> IncentivePlan:
    """Create or replace the agreement's plan (all terms at once)."""
    check_incentives_manageable(actor)
    plan = IncentivePlan.objects.select_for_update().filter(agreement=agreement).first()
    created = plan is None
    if plan is None:
        plan = IncentivePlan(agreement=agreement)
    changes: dict[str, list[str | None]] = {}
    for name, value in data.model_dump().items():
        old = getattr(plan, name, None)
        if created or old != value:
            changes[name] = [
                None if created or old is None else str(old),
                None if value is None else str(value),
            ]
            setattr(plan, name, value)
    if not changes and not created:
        return plan
    plan.updated_by = actor
    plan.full_clean(exclude=["agreement", "updated_by"])
    plan.save()
    audit_record(
        actor=actor,
        action="incentive_plan.create" if created else "incentive_plan.update",
        target=agreement,
        summary=agreement.title,
        changes=changes,
    )
    return plan
