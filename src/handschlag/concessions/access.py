"""The only way pages and API endpoints get concessions, and who may decide on one.

Who sees an entry: management (CONCESSIONS_VIEW_ALL) all, and whoever decides in a manager's place while he is
absent (an active delegation); a seller the entries of the accounts he owns and the ones he recorded. Marketing,
process owners and partner managers see none (403 on the pages); partner users learn nothing (404 everywhere).

Who decides a waiting entry: a user with CONCESSIONS_APPROVE whose role's limit covers the entry, or his delegate
while the delegation runs — never the one who recorded or last changed the entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from handschlag.accounts.access import can_edit_account
from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.models import ApprovalDelegation, ApprovalLimit, Concession
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal

# Sensible German defaults (a Vertriebsmitarbeiter grants small discounts alone; Geschäftsführung has no limit).
# None = no limit. A role not listed may grant nothing alone.
DEFAULT_LIMITS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    Role.SELLER: (Decimal("2500.00"), Decimal("5.00")),
    Role.PARTNER_MANAGER: (Decimal("2500.00"), Decimal("5.00")),
    Role.MANAGEMENT: (None, None),
}
LIMIT_ROLES = (Role.SELLER, Role.PARTNER_MANAGER, Role.MANAGEMENT)


@dataclass(frozen=True)
class Limit:
    max_value: Decimal | None
    max_percent: Decimal | None

    def covers(self, value: Decimal, percent: Decimal) -> bool:
        return (self.max_value is None or value <= self.max_value) and (
            self.max_percent is None or percent <= self.max_percent
        )


def approval_limits() -> dict[str, Limit]:
    """Every role's limit: the admin's rows, else the defaults; roles without either may grant nothing."""
    limits = {role: Limit(*values) for role, values in DEFAULT_LIMITS.items()}
    for row in ApprovalLimit.objects.all():
        limits[row.role] = Limit(row.max_value, row.max_percent)
    return limits


def limit_of(user: User, limits: dict[str, Limit] | None = None) -> Limit:
    limits = limits if limits is not None else approval_limits()
    return limits.get(user.role, Limit(Decimal("0"), Decimal("0")))


def active_delegators(user: User | AnonymousUser, day: dt.date | None = None) -> list[User]:
    """The approvers this user stands in for today."""
    if not is_internal(user):
        return []
    day = day or timezone.localdate()
    return [
        delegation.delegator
        for delegation in ApprovalDelegation.objects.filter(
            delegate_id=user.pk, starts_on__lte=day, ends_on__gte=day, delegator__is_active=True
        ).select_related("delegator")
        if has_capability(delegation.delegator, Capability.CONCESSIONS_APPROVE)
    ]


def _sees_all(user: User | AnonymousUser) -> bool:
    if has_capability(user, Capability.CONCESSIONS_VIEW_ALL):
        return True
    return any(
        has_capability(delegator, Capability.CONCESSIONS_VIEW_ALL) for delegator in active_delegators(user)
    )


def concessions_visible_to(user: User | AnonymousUser) -> QuerySet[Concession]:
    if not has_capability(user, Capability.CONCESSIONS_VIEW):
        return Concession.objects.none()
    if _sees_all(user):
        return Concession.objects.all()
    return Concession.objects.filter(Q(account__owner_id=user.pk) | Q(recorded_by_id=user.pk))


def require_concessions_view(user: User | AnonymousUser) -> None:
    """Partner users (and anyone outside) get 404; internal users without the capability 403."""
    if not is_internal(user):
        raise NotFound
    if not has_capability(user, Capability.CONCESSIONS_VIEW):
        raise Forbidden


def access_concession_by_id(user: User | AnonymousUser, concession_id: int) -> Concession:
    require_concessions_view(user)
    concession = (
        concessions_visible_to(user)
        .select_related(
            "account", "account__owner", "recorded_by", "changed_by", "decided_by", "decided_for", "order"
        )
        .filter(pk=concession_id)
        .first()
    )
    if concession is None:
        raise NotFound
    return concession


def can_edit_concession(user: User | AnonymousUser, concession: Concession) -> bool:
    """The one who recorded it, the account's seller, management — while the account may be changed by him."""
    if not has_capability(user, Capability.CONCESSIONS_RECORD):
        return False
    if has_capability(user, Capability.CONCESSIONS_VIEW_ALL):
        return True
    return user.pk == concession.recorded_by_id or can_edit_account(user, concession.account)


def check_concession_editable(user: User | AnonymousUser, concession: Concession) -> None:
    require_concessions_view(user)
    if not can_edit_concession(user, concession):
        raise Forbidden


def check_recordable(user: User | AnonymousUser) -> None:
    require_concessions_view(user)
    if not has_capability(user, Capability.CONCESSIONS_RECORD):
        raise Forbidden


def deciding_authority(
    user: User | AnonymousUser,
    concession: Concession,
    limits: dict[str, Limit] | None = None,
    delegators: list[User] | None = None,
) -> User | None:
    """Whose approval right the user uses for this entry: his own, or (while absent) a delegator's; None when he may
    not decide it. Nobody decides an entry he recorded or last changed, nor one recorded or changed by the approver
    he stands in for. `limits` and `delegators` (`active_delegators(user)`) may be given when many entries are
    checked for one user, so that they are read once."""
    if not isinstance(user, User) or not is_internal(user):
        return None
    own_people = {concession.recorded_by_id, concession.changed_by_id}
    if user.pk in own_people:
        return None
    limits = limits if limits is not None else approval_limits()
    candidates = [user] if has_capability(user, Capability.CONCESSIONS_APPROVE) else []
    candidates += delegators if delegators is not None else active_delegators(user)
    for authority in candidates:
        if authority.pk in own_people:
            continue
        if limit_of(authority, limits).covers(concession.basis_value, concession.basis_percent):
            return authority
    return None


def can_decide(user: User | AnonymousUser, concession: Concession) -> bool:
    return (
        concession.approval_status == ApprovalStatus.PENDING
        and deciding_authority(user, concession) is not None
    )


def may_approve_at_all(user: User | AnonymousUser) -> bool:
    return has_capability(user, Capability.CONCESSIONS_APPROVE) or bool(active_delegators(user))


def check_settings_allowed(user: User | AnonymousUser) -> None:
    if not is_internal(user):
        raise NotFound
    if not has_capability(user, Capability.CONCESSIONS_SETTINGS):
        raise Forbidden


def access_delegation_by_id(user: User | AnonymousUser, delegation_id: int) -> ApprovalDelegation:
    """A delegation the user gave (or any, for an admin)."""
    if not is_internal(user):
        raise NotFound
    delegations = ApprovalDelegation.objects.select_related("delegator", "delegate")
    if not has_capability(user, Capability.CONCESSIONS_SETTINGS):
        delegations = delegations.filter(delegator_id=user.pk)
    delegation = delegations.filter(pk=delegation_id).first()
    if delegation is None:
        raise NotFound
    return delegation
