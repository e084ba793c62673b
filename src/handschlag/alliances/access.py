"""The only way pages, API endpoints and services get partners, agreements and offers, and the object checks
the services run on their actor.

Partner users reach exactly one thing here: the agreements of their own partner company (to read, and to agree
to the sharing rules for their side). Everything else answers 404, the same as an id that does not exist.
"""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import AnonymousUser

from handschlag.alliances.models import Agreement, Offer, Partner
from handschlag.core.access import require_capability
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal


def access_partner_by_id(user: User | AnonymousUser, partner_id: int, *, for_write: bool = False) -> Partner:
    if not has_capability(user, Capability.PARTNERS_VIEW):
        raise NotFound
    partner = Partner.objects.select_related("organisation", "manager").filter(pk=partner_id).first()
    if partner is None:
        raise NotFound
    if for_write and not has_capability(user, Capability.PARTNERS_MANAGE):
        raise Forbidden
    return partner


def portal_partner_for(user: User | AnonymousUser) -> Partner:
    """The partner company of a partner user; 404 for everyone else."""
    if not has_capability(user, Capability.PORTAL_USE):
        raise NotFound
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        raise NotFound
    partner = Partner.objects.select_related("organisation").filter(organisation_id=organisation_id).first()
    if partner is None:
        raise NotFound
    return partner


def access_agreement_by_id(
    user: User | AnonymousUser, agreement_id: int, *, for_write: bool = False
) -> Agreement:
    """Internal users see every agreement; a partner user sees only his own partner's, and changes none of them:
    a write route answers him 404 like every internal route."""
    agreements = Agreement.objects.select_related("partner__organisation")
    if has_capability(user, Capability.PARTNERS_VIEW) and is_internal(user):
        agreement = agreements.filter(pk=agreement_id).first()
        if agreement is None:
            raise NotFound
        if for_write and not has_capability(user, Capability.PARTNERS_MANAGE):
            raise Forbidden
        return agreement
    partner = portal_partner_for(user)
    agreement = agreements.filter(pk=agreement_id, partner=partner).first()
    if agreement is None or for_write:
        raise NotFound
    return agreement


def access_offer_by_id(user: User | AnonymousUser, offer_id: int) -> Offer:
    if not has_capability(user, Capability.OFFERS_TRIAGE):
        raise NotFound
    offer = Offer.objects.select_related("partner__organisation", "decided_by").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound
    return offer


def check_own_partner(user: User | AnonymousUser, partner: Partner) -> None:
    """A partner user acts only for his own company; another partner's things do not exist for him."""
    if getattr(user, "organisation_id", None) != partner.organisation_id:
        raise NotFound


def check_opt_in_side(user: User | AnonymousUser, agreement: Agreement) -> Literal["home", "partner"]:
    """Which side `user` agrees for: ours (a user who manages partners) or the partner's (a user of that very
    partner). Our users without the capability: 403; partner users of another partner: 404."""
    if is_internal(user):
        require_capability(user, Capability.PARTNERS_MANAGE)
        return "home"
    require_capability(user, Capability.PORTAL_USE)
    check_own_partner(user, agreement.partner)
    return "partner"


def access_portal_user_of(partner: Partner, user_id: int, *, for_update: bool = False) -> User:
    """A portal login of `partner`; anybody else (our users, another partner's) is not found."""
    people = User.objects.filter(pk=user_id, role=Role.PARTNER_USER, organisation_id=partner.organisation_id)
    person = (people.select_for_update() if for_update else people).first()
    if person is None:
        raise NotFound
    return person
