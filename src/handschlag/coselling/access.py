"""The only way pages and API endpoints get co-selling objects.

Opportunities: every internal user with OPPORTUNITIES_VIEW sees them all (like accounts); those with
OPPORTUNITIES_EDIT change them. Partner users see none of ours here: for them every opportunity is a 404, like one
that does not exist (what a partner sees of joint deals goes through the portal and the sharing rules).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.coselling.models import Opportunity, PartnerInvolvement


def opportunities_visible_to(user: User | AnonymousUser) -> QuerySet[Opportunity]:
    if not has_capability(user, Capability.OPPORTUNITIES_VIEW):
        return Opportunity.objects.none()
    return Opportunity.objects.all()


def can_edit_opportunity(user: User | AnonymousUser) -> bool:
    return has_capability(user, Capability.OPPORTUNITIES_EDIT)


def check_opportunity_editable(user: User | AnonymousUser) -> None:
    """First check of every opportunity write: 404 for those who may not see opportunities, 403 for readers."""
    if not has_capability(user, Capability.OPPORTUNITIES_VIEW):
        raise NotFound
    if not has_capability(user, Capability.OPPORTUNITIES_EDIT):
        raise Forbidden


def check_incentives_manageable(user: User | AnonymousUser) -> None:
    if not has_capability(user, Capability.OPPORTUNITIES_VIEW):
        raise NotFound
    if not has_capability(user, Capability.INCENTIVES_MANAGE):
        raise Forbidden


def access_opportunity_by_id(
    user: User | AnonymousUser, opportunity_id: int, *, for_write: bool = False
) -> Opportunity:
    opportunity = (
        opportunities_visible_to(user)
        .select_related("account", "owner", "stage", "stage__pipeline", "product_line")
        .filter(pk=opportunity_id)
        .first()
    )
    if opportunity is None:
        raise NotFound
    if for_write and not can_edit_opportunity(user):
        raise Forbidden
    return opportunity


def access_involvement_by_id(
    user: User | AnonymousUser, opportunity: Opportunity, involvement_id: int
) -> PartnerInvolvement:
    involvement = PartnerInvolvement.objects.filter(pk=involvement_id, opportunity=opportunity).first()
    if involvement is None:
        raise NotFound
    return involvement
