"""What administrators set up: routing rules and SLA targets per severity."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from handschlag.complaints import sla
from handschlag.complaints.enums import ComplaintCategory, Severity
from handschlag.complaints.models import RoutingRule, SlaPolicy
from handschlag.complaints.services.routing import can_own_complaints
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.core.services import model_update

# --- routing rules ---------------------------------------------------------------------------------------------

RULE_FIELDS = ["category", "product_line", "plant", "department", "process_owner", "priority", "is_active"]


def _clean_rule(values: dict[str, Any], *, rule: RoutingRule | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in values.items() if key in RULE_FIELDS}
    for key in ("product_line", "plant"):
        if key in values:
            values[key] = (values[key] or "").strip()[:100]
    if "category" in values and values["category"] not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    if "department" in values and (values["department"] is None or not values["department"].is_active):
        errors["department_id"] = [_("Choose an active department.")]
    owner = values.get("process_owner")
    if owner is not None and not can_own_complaints(owner):
        errors["process_owner_id"] = [_("Only a process owner or management can own complaints.")]
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
            errors["category"] = [
                _("An active rule for this category, product line and plant exists already.")
            ]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


def _require_rules(actor: User) -> None:
    if not has_capability(actor, Capability.ROUTING_RULES_MANAGE):
        raise Forbidden


@transaction.atomic
def routing_rule_create(*, actor: User, data: dict[str, Any]) -> RoutingRule:
    _require_rules(actor)
    values = _clean_rule(data, rule=None)
    if "category" not in values or "department" not in values:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                key: [_("This field is required.")]
                for key in ("category", "department_id")
                if key not in data
            },
        )
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(**values)
    except IntegrityError:
        raise InvalidInput.for_field(
            "category", _("An active rule for this category, product line and plant exists already.")
        ) from None
    audit_record(actor=actor, action="routing_rule.create", target=rule, summary=str(rule), changes=values)
    return rule


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, data: dict[str, Any]) -> RoutingRule:
    _require_rules(actor)
    values = _clean_rule(data, rule=rule)
    try:
        with transaction.atomic():
            changes = model_update(instance=rule, fields=RULE_FIELDS, data=values)
    except IntegrityError:
        raise InvalidInput.for_field(
            "category", _("An active rule for this category, product line and plant exists already.")
        ) from None
    if changes:
        audit_record(
            actor=actor, action="routing_rule.update", target=rule, summary=str(rule), changes=changes
        )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    _require_rules(actor)
    audit_record(actor=actor, action="routing_rule.delete", target=rule, summary=str(rule))
    rule.delete()


# --- SLA policies ------------------------------------------------------------------------------------------------

SLA_POLICY_FIELDS = ["first_response_hours", "containment_hours", "resolution_hours", "escalation_step_hours"]
SLA_MAX_HOURS = 9 * 250  # a year of business days; PositiveSmallIntegerField holds it with room


def _clean_sla_targets(values: dict[str, Any]) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, int] = {}
    for name in SLA_POLICY_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            errors[name] = [_("This field is required.")]
            continue
        try:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            errors[name] = [_("Enter a whole number of business hours.")]
            continue
        if number < 1:
            errors[name] = [_("At least one business hour.")]
        elif number > SLA_MAX_HOURS:
            errors[name] = [_("At most %(limit)s business hours.") % {"limit": SLA_MAX_HOURS}]
        else:
            cleaned[name] = number
    first, containment, resolution = (
        cleaned.get("first_response_hours"),
        cleaned.get("containment_hours"),
        cleaned.get("resolution_hours"),
    )
    if first is not None and containment is not None and first > containment:
        errors.setdefault("containment_hours", []).append(
            _("Containment cannot be due before the first response.")
        )
    if containment is not None and resolution is not None and containment > resolution:
        errors.setdefault("resolution_hours", []).append(_("Resolution cannot be due before containment."))
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return cleaned


@transaction.atomic
def sla_policy_set(*, actor: User, severity: str, data: dict[str, Any]) -> SlaPolicy:
    """Set the targets (business hours) for one severity. They apply to cases created from now on; running
    cases keep the deadlines they were given."""
    if not has_capability(actor, Capability.SLA_POLICIES_MANAGE):
        raise Forbidden
    if severity not in Severity.values:
        raise InvalidInput.for_field("severity", _("Choose a severity."))
    values = _clean_sla_targets(data)
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
