"""The only way pages and API endpoints get complaints and what hangs on them.

Who sees a case: management and admins all; everyone else (internal) the cases he owns, of his department when he
works complaints, of accounts he sells to, that he reported or watches. Partner users see none: for them every
complaint is a 404, like one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from handschlag.complaints.models import Complaint, ComplaintAttachment, ComplaintWatcher, RoutingRule
from handschlag.core.access import require_capability
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


def complaints_visible_to(user: User | AnonymousUser) -> QuerySet[Complaint]:
    if not has_capability(user, Capability.COMPLAINTS_VIEW):
        return Complaint.objects.none()
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        return Complaint.objects.all()
    assert isinstance(user, User)
    watching = ComplaintWatcher.objects.filter(complaint=OuterRef("pk"), user=user)
    scope = Q(owner=user) | Q(account__owner=user) | Q(reporter=user) | Q(Exists(watching))
    if has_capability(user, Capability.COMPLAINTS_WORK) and user.department_id is not None:
        scope |= Q(department_id=user.department_id)
    return Complaint.objects.filter(scope)


def can_work_complaint(user: User | AnonymousUser, complaint: Complaint) -> bool:
    """The owner's side: the owner, his department's process owners, and management."""
    if not has_capability(user, Capability.COMPLAINTS_WORK):
        return False
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        return True
    assert isinstance(user, User)
    if complaint.owner_id == user.pk:
        return True
    return complaint.department_id is not None and complaint.department_id == user.department_id


def can_edit_complaint(user: User | AnonymousUser, complaint: Complaint) -> bool:
    """Change the facts of the case (description, threat, orders): the owner's side, the reporter, the seller."""
    if can_work_complaint(user, complaint):
        return True
    if not has_capability(user, Capability.COMPLAINTS_CREATE):
        return False
    return user.pk in {complaint.reporter_id, complaint.account.owner_id}


def can_assign_complaint(user: User | AnonymousUser, complaint: Complaint) -> bool:
    """Management triages and re-routes; an owner may hand his case on."""
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW) and has_capability(
        user, Capability.COMPLAINTS_WORK
    ):
        return True
    return has_capability(user, Capability.COMPLAINTS_WORK) and complaint.owner_id == user.pk


def can_manage_watchers(user: User | AnonymousUser, complaint: Complaint) -> bool:
    """Who may add and remove watchers: the owner's side and management (a watcher sees the case)."""
    return can_work_complaint(user, complaint)


def access_complaint_by_id(user: User | AnonymousUser, complaint_id: int) -> Complaint:
    complaint = (
        complaints_visible_to(user)
        .select_related("account", "account__owner", "owner", "department", "reporter", "repeat_of")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFound
    return complaint


def access_attachment_by_id(
    user: User | AnonymousUser, complaint_id: int, attachment_id: int
) -> ComplaintAttachment:
    complaint = access_complaint_by_id(user, complaint_id)
    attachment = ComplaintAttachment.objects.filter(pk=attachment_id, complaint=complaint).first()
    if attachment is None:
        raise NotFound
    return attachment


def access_routing_rule_by_id(user: User | AnonymousUser, rule_id: int) -> RoutingRule:
    require_capability(user, Capability.ROUTING_RULES_MANAGE)
    rule = RoutingRule.objects.select_related("department", "process_owner").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    return rule
