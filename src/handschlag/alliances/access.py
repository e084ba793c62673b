"""The only way pages and API endpoints get partners, agreements and offers.

Partner users reach exactly one thing here: the agreements of their own partner company. Everything else
answers 404, the same as an id that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from handschlag.alliances.models import Agreement, Offer, Partner
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
    """Internal users see every agreement; a partner user sees only his own partner's, and writes none."""
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
    if agreement is None:
        raise NotFound
    if for_write:
        raise Forbidden
    return agreement


def access_offer_by_id(user: User | AnonymousUser, offer_id: int) -> Offer:
    if not has_capability(user, Capability.OFFERS_TRIAGE):
        raise NotFound
    offer = Offer.objects.select_related("partner__organisation", "decided_by").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound
    return offer
