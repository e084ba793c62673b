"""Writes of insights: shared goals (management). Each checks the actor and is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from handschlag.core.access import require_capability
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.figures import kpi_get
from handschlag.core.models import Department, User
from handschlag.core.roles import Capability, is_internal
from handschlag.insights.inputs import GoalInput
from handschlag.insights.models import Goal

MAX_PERIOD_DAYS = 3 * 366
MIN_OWNER_DEPARTMENTS = 2


def _checked(data: GoalInput) -> list[User]:
    errors: dict[str, list[str]] = {}
    kpi = kpi_get(data.kpi_key)
    if kpi is None:
        errors["kpi_key"] = [_("No such figure.")]
    elif kpi.unit == "percent" and data.target > 100:
        errors["target"] = [_("A percentage cannot be above 100.")]
    if data.period_end < data.period_start:
        errors["period_end"] = [_("The end lies before the start.")]
    elif (data.period_end - data.period_start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = [_("A goal covers at most three years.")]
    if data.department_id is not None and not Department.objects.filter(pk=data.department_id).exists():
        errors["department_id"] = [_("No such department.")]
    owners = list(User.objects.filter(pk__in=set(data.owner_ids)).select_related("department"))
    if len(owners) != len(set(data.owner_ids)) or not all(is_internal(owner) for owner in owners):
        errors["owner_ids"] = [_("Owners must be active users of our organisation.")]
    elif len({owner.department_id for owner in owners if owner.department_id}) < MIN_OWNER_DEPARTMENTS:
        errors["owner_ids"] = [
            _("A shared goal needs owners from at least two departments (e.g. sales and production).")
        ]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return owners


def _apply(goal: Goal, data: GoalInput) -> None:
    goal.kpi_key = data.kpi_key
    goal.title = data.title.strip()
    goal.period_start = data.period_start
    goal.period_end = data.period_end
    goal.target = data.target
    goal.department_id = data.department_id


def _changes(goal: Goal, owners: list[User]) -> dict[str, object]:
    return {
        "kpi": goal.kpi_key,
        "title": goal.title,
        "period": [goal.period_start.isoformat(), goal.period_end.isoformat()],
        "target": str(goal.target),
        "owners": sorted(owner.pk for owner in owners),
    }


def goal_create(*, actor: User, data: GoalInput) -> Goal:
    require_capability(actor, Capability.GOALS_MANAGE)
    owners = _checked(data)
    goal = Goal(created_by=actor)
    _apply(goal, data)
    with transaction.atomic():
        goal.save()
        goal.owners.set(owners)
        audit_record(
            actor=actor,
            action="goal.create",
            target=goal,
            summary=f"Goal {goal.title}",
            changes=_changes(goal, owners),
        )
    return goal


def goal_update(*, actor: User, goal: Goal, data: GoalInput) -> Goal:
    require_capability(actor, Capability.GOALS_MANAGE)
    owners = _checked(data)
    _apply(goal, data)
    with transaction.atomic():
        goal.save()
        goal.owners.set(owners)
        audit_record(
            actor=actor,
            action="goal.update",
            target=goal,
            summary=f"Goal {goal.title}",
            changes=_changes(goal, owners),
        )
    return goal


def goal_delete(*, actor: User, goal: Goal) -> None:
    require_capability(actor, Capability.GOALS_MANAGE)
    with transaction.atomic():
        audit_record(actor=actor, action="goal.delete", target=goal, summary=f"Goal {goal.title}", changes={})
        goal.delete()
