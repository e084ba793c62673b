"""Routing a case: rule → department → process owner on creation (docs/adr/0201 §1), triage and hand-over."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.complaints.access import check_complaint_assignable
from handschlag.complaints.models import Complaint, ComplaintStep, ComplaintWatcher, RoutingRule
from handschlag.complaints.selectors import routing_rule_match
from handschlag.complaints.services.lifecycle import lock_case, require_open
from handschlag.complaints.services.notices import case_names, case_url
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import Department, User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability


def can_own_complaints(user: User | None) -> bool:
    """Only the owner's side owns a case: process owners and management, never a seller."""
    return bool(user is not None and user.is_active and has_capability(user, Capability.COMPLAINTS_WORK))


@dataclass(frozen=True)
class RoutingDecision:
    rule: RoutingRule | None
    department: Department | None
    owner: User | None

    @property
    def to_triage(self) -> bool:
        return self.owner is None


def complaint_route(*, category: str, product_line: str, plant: str, seller: User | None) -> RoutingDecision:
    """Rule → department → process owner (the rule's, else the department head). No rule, or nobody on the
    owner's side to take it: management triage. The seller of the account is never made owner."""
    rule = routing_rule_match(category=category, product_line=product_line, plant=plant)
    if rule is None:
        return RoutingDecision(rule=None, department=None, owner=None)
    owner = rule.process_owner if can_own_complaints(rule.process_owner) else None
    if owner is None and can_own_complaints(rule.department.head):
        owner = rule.department.head
    if owner is not None and seller is not None and owner.pk == seller.pk:
        owner = None
    if owner is None:
        return RoutingDecision(rule=rule, department=None, owner=None)
    return RoutingDecision(rule=rule, department=rule.department, owner=owner)


@transaction.atomic
def complaint_assign(
    *, actor: User, complaint: Complaint, owner: User, department: Department | None = None
) -> Complaint:
    """Triage or hand over: a process owner (or management) takes the case; never the account's seller."""
    check_complaint_assignable(actor, complaint)
    lock_case(complaint)
    require_open(complaint)
    if not can_own_complaints(owner):
        raise InvalidInput.for_field("owner_id", _("Only a process owner or management can own a complaint."))
    if owner.pk == complaint.account.owner_id:
        raise InvalidInput.for_field(
            "owner_id", _("The seller of the account watches the case and cannot own it.")
        )
    department = department or owner.department
    before = {"owner": complaint.owner_id, "department": complaint.department_id}
    complaint.owner = owner
    complaint.department = department
    complaint.in_triage = False
    complaint.save(update_fields=["owner", "department", "in_triage", "updated_at"])
    ComplaintWatcher.objects.filter(complaint=complaint, user=owner).delete()
    # the 8D steps follow the case: those not done that had nobody or the former owner go to the new one
    ComplaintStep.objects.filter(complaint=complaint, done_at__isnull=True).filter(
        Q(owner__isnull=True) | Q(owner_id=before["owner"])
    ).update(owner=owner)
    audit_record(
        actor=actor,
        action="complaint.assign",
        target=complaint,
        summary=f"complaint #{complaint.pk} assigned to user {owner.pk}",
        changes={
            "owner": [before["owner"], owner.pk],
            "department": [before["department"], complaint.department_id],
        },
    )
    if owner.pk != actor.pk:
        notify(
            users=[owner],
            message=gettext_noop("Complaint #%(number)s from %(account)s is now yours: %(title)s"),
            params=case_names(complaint),
            url=case_url(complaint),
        )
    return complaint
