"""The only way pages and API endpoints get complaints and what hangs on them.

Who sees a case: management and admins all; everyone else (internal) the cases he owns, of his department when he
works complaints, of accounts he sells to, that he reported or watches. Partner users see none: for them every
complaint is a 404, like one that does not exist.

Every write service checks its actor itself, first, with one of the `check_*` functions below (or
`core.access.require_capability` when no case is involved): `NotFound` when the actor may not know the case,
`Forbidden` when he sees it but may not do this. Pages and endpoints use the `can_*` functions only to show or hide
buttons.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from handschlag.complaints.models import Complaint, ComplaintAttachment, ComplaintWatcher, RoutingRule
from handschlag.core.access import require_capability
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal


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


def can_see_complaint(user: User | AnonymousUser, complaint: Complaint) -> bool:
    """The rule of `complaints_visible_to` for one case (one query only to look for a watcher)."""
    if not has_capability(user, Capability.COMPLAINTS_VIEW):
        return False
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        return True
    assert isinstance(user, User)
    if user.pk in {complaint.owner_id, complaint.reporter_id, complaint.account.owner_id}:
        return True
    if (
        has_capability(user, Capability.COMPLAINTS_WORK)
        and user.department_id is not None
        and complaint.department_id == user.department_id
    ):
        return True
    return ComplaintWatcher.objects.filter(complaint=complaint, user=user).exists()


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


# --- the checks of the write services -------------------------------------------------------------------------


def check_configuration_allowed(user: User | AnonymousUser, capability: Capability) -> None:
    """Routing rules and SLA targets: administrators. Partner users may not know they exist (404)."""
    if not is_internal(user):
        raise NotFound
    require_capability(user, capability)


def check_complaint_creatable(user: User | AnonymousUser) -> None:
    """Record a case: internal users with the capability; partner users may not know complaints exist (404)."""
    if not has_capability(user, Capability.COMPLAINTS_VIEW):
        raise NotFound
    require_capability(user, Capability.COMPLAINTS_CREATE)


def check_complaint_visible(user: User | AnonymousUser, complaint: Complaint) -> None:
    """Anyone who sees the case may comment on it; anyone else may not know it exists (404)."""
    if not can_see_complaint(user, complaint):
        raise NotFound


def check_complaint_workable(user: User | AnonymousUser, complaint: Complaint) -> None:
    """Take up, pause, resume, close, reopen, work 8D steps: the owner's side (owner, his department's process
    owners, management)."""
    check_complaint_visible(user, complaint)
    require_capability(user, Capability.COMPLAINTS_WORK)
    if not can_work_complaint(user, complaint):
        raise Forbidden


def check_complaint_editable(user: User | AnonymousUser, complaint: Complaint) -> None:
    """Change the facts and add attachments: the owner's side, the reporter, the account's seller."""
    check_complaint_visible(user, complaint)
    if not can_edit_complaint(user, complaint):
        raise Forbidden


def check_complaint_assignable(user: User | AnonymousUser, complaint: Complaint) -> None:
    """Triage and hand over: management, or the current owner."""
    check_complaint_visible(user, complaint)
    require_capability(user, Capability.COMPLAINTS_WORK)
    if not can_assign_complaint(user, complaint):
        raise Forbidden


def check_complaint_watchers_manageable(user: User | AnonymousUser, complaint: Complaint) -> None:
    """Add and remove watchers: the owner's side and management."""
    check_complaint_visible(user, complaint)
    if not can_manage_watchers(user, complaint):
        raise Forbidden


# --- objects for pages and endpoints -----------------------------------------------------------------------------


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
    check_configuration_allowed(user, Capability.ROUTING_RULES_MANAGE)
    rule = RoutingRule.objects.select_related("department", "process_owner").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    return rule
