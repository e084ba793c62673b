"""What administrators set up: routing rules and SLA targets per severity."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from handschlag.complaints import sla
from handschlag.complaints.access import check_configuration_allowed
from handschlag.complaints.enums import Severity
from handschlag.complaints.inputs import RoutingRuleInput, RoutingRulePatch, SlaPolicyInput
from handschlag.complaints.models import RoutingRule, SlaPolicy
from handschlag.complaints.services.routing import can_own_complaints
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import Department, User
from handschlag.core.roles import Capability
from handschlag.core.services import model_update

RULE_FIELDS = ["category", "product_line", "plant", "department", "process_owner", "priority", "is_active"]


def _rule_clash() -> str:
    return _("An active rule for this category, product line and plant exists already.")


def _rule_values(given: dict[str, Any], *, rule: RoutingRule | None) -> dict[str, Any]:
    """The given fields as model values: ids resolved, the owner checked, no second active rule for the same
    category, product line and plant (the database refuses it too; this gives the clear message first)."""
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in given.items() if key in RULE_FIELDS}
    if "department_id" in given:
        department = Department.objects.filter(pk=given["department_id"], is_active=True).first()
        if department is None:
            errors["department_id"] = [_("Choose an active department.")]
        values["department"] = department
    if "process_owner_id" in given:
        owner = None
        if given["process_owner_id"] is not None:
            owner = User.objects.filter(pk=given["process_owner_id"]).first()
            if owner is None or not can_own_complaints(owner):
                errors["process_owner_id"] = [_("Only a process owner or management can own complaints.")]
        values["process_owner"] = owner
    merged = {
        name: values.get(name, getattr(rule, name, None)) for name in ("category", "product_line", "plant")
    }
    active = values.get("is_active", rule.is_active if rule else True)
    if active and not errors:
        clash = RoutingRule.objects.filter(
            is_active=True,
            category=merged["category"],
            product_line__iexact=merged["product_line"] or "",
            plant__iexact=merged["plant"] or "",
        )
        if rule is not None:
            clash = clash.exclude(pk=rule.pk)
        if clash.exists():
            errors["category"] = [_rule_clash()]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


@transaction.atomic
def routing_rule_create(*, actor: User, data: RoutingRuleInput) -> RoutingRule:
    """A rule for new cases: category (and optionally product line and plant) → department → process owner."""
    check_configuration_allowed(actor, Capability.ROUTING_RULES_MANAGE)
    values = _rule_values(data.model_dump(), rule=None)
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(**values)
    except IntegrityError:  # the loser of two concurrent inserts
        raise Conflict(_rule_clash(), code="rule_exists") from None
    audit_record(
        actor=actor,
        action="routing_rule.create",
        target=rule,
        summary=str(rule),
        changes=data.model_dump(mode="json"),
    )
    return rule


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, patch: RoutingRulePatch) -> RoutingRule:
    check_configuration_allowed(actor, Capability.ROUTING_RULES_MANAGE)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    values = _rule_values(patch.given(), rule=rule)
    try:
        with transaction.atomic():
            changes = model_update(instance=rule, fields=RULE_FIELDS, data=values)
    except IntegrityError:
        raise Conflict(_rule_clash(), code="rule_exists") from None
    if changes:
        audit_record(
            actor=actor,
            action="routing_rule.update",
            target=rule,
            summary=str(rule),
            changes={
                name: [getattr(old, "pk", old), getattr(new, "pk", new)]
                for name, (old, new) in changes.items()
            },
        )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    check_configuration_allowed(actor, Capability.ROUTING_RULES_MANAGE)
    audit_record(actor=actor, action="routing_rule.delete", target=rule, summary=str(rule))
    rule.delete()


# --- SLA policies ------------------------------------------------------------------------------------------------

SLA_POLICY_FIELDS = ["first_response_hours", "containment_hours", "resolution_hours", "escalation_step_hours"]


def _check_sla_order(data: SlaPolicyInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.first_response_hours > data.containment_hours:
        errors["containment_hours"] = [_("Containment cannot be due before the first response.")]
    if data.containment_hours > data.resolution_hours:
        errors["resolution_hours"] = [_("Resolution cannot be due before containment.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def sla_policy_set(*, actor: User, severity: str, data: SlaPolicyInput) -> SlaPolicy:
    """Set the targets (business hours) for one severity. They apply to cases created from now on; running
    cases keep the deadlines they were given."""
    check_configuration_allowed(actor, Capability.SLA_POLICIES_MANAGE)
    if severity not in Severity.values:
        raise InvalidInput.for_field("severity", _("Choose a severity."))
    _check_sla_order(data)
    values = data.model_dump()
    policy = SlaPolicy.objects.select_for_update().filter(severity=severity).first()
    if policy is None:
        before = sla.DEFAULT_TARGETS[severity]
        previous = {
            "first_response_hours": int(before.first_response.total_seconds() // 3600),
            "containment_hours": int(before.containment.total_seconds() // 3600),
            "resolution_hours": int(before.resolution.total_seconds() // 3600),
            "escalation_step_hours": int(before.escalation_step.total_seconds() // 3600),
        }
        try:
            with transaction.atomic():
                policy = SlaPolicy.objects.create(severity=severity, **values)
        except IntegrityError:  # created by someone else just now: update that row instead
            policy = SlaPolicy.objects.select_for_update().get(severity=severity)
            previous = {name: getattr(policy, name) for name in SLA_POLICY_FIELDS}
            model_update(instance=policy, fields=SLA_POLICY_FIELDS, data=values)
        changes = {
            name: [previous[name], values[name]]
            for name in SLA_POLICY_FIELDS
            if previous[name] != values[name]
        }
    else:
        changes = model_update(instance=policy, fields=SLA_POLICY_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="sla_policy.update",
            target=policy,
            summary=str(Severity(severity).label),
            changes=changes,
        )
    return policy
