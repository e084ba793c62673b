"""The only way pages and API endpoints get leads and deal registrations, and the object checks their services run.

Our people: leads with LEADS_WORK (all of them: a partner's lead is for whoever picks it up, the resolved account's
owner first); deal registrations with OPPORTUNITIES_VIEW (to read) and REGISTRATIONS_DECIDE (to decide). Others of
ours get 403. A partner user sees only his own partner's leads (both ways) and registrations: everything else — our
ids, another partner's — is a 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from handschlag.alliances.access import portal_partner_for
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.coselling.lead_enums import LeadDirection
from handschlag.coselling.models import DealRegistration, Lead

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner


def may_work_leads(user: User | AnonymousUser) -> bool:
    return is_internal(user) and has_capability(user, Capability.LEADS_WORK)


def may_read_registrations(user: User | AnonymousUser) -> bool:
    return is_internal(user) and (
        has_capability(user, Capability.OPPORTUNITIES_VIEW)
        or has_capability(user, Capability.REGISTRATIONS_DECIDE)
    )


def may_decide_registrations(user: User | AnonymousUser) -> bool:
    return is_internal(user) and has_capability(user, Capability.REGISTRATIONS_DECIDE)


def check_leads_work(user: User | AnonymousUser) -> None:
    """Our side of leads: 404 for partner users and strangers, 403 for our people without LEADS_WORK."""
    if not is_internal(user):
        raise NotFound
    if not has_capability(user, Capability.LEADS_WORK):
        raise Forbidden


def check_registrations_read(user: User | AnonymousUser) -> None:
    if not is_internal(user):
        raise NotFound
    if not may_read_registrations(user):
        raise Forbidden


def check_registrations_decide(user: User | AnonymousUser) -> None:
    if not is_internal(user):
        raise NotFound
    if not has_capability(user, Capability.REGISTRATIONS_DECIDE):
        raise Forbidden


def partner_of_portal_user(user: User | AnonymousUser) -> Partner:
    """The partner of a partner user (404 for everybody else)."""
    return portal_partner_for(user)


def leads_visible_to(user: User | AnonymousUser) -> QuerySet[Lead]:
    if may_work_leads(user):
        return Lead.objects.all()
    if has_capability(user, Capability.PORTAL_USE):
        try:
            partner = portal_partner_for(user)
        except NotFound:
            return Lead.objects.none()
        return Lead.objects.filter(partner=partner)
    return Lead.objects.none()


def access_lead_by_id(user: User | AnonymousUser, lead_id: int) -> Lead:
    if is_internal(user):
        check_leads_work(user)
        queryset = Lead.objects.all()
    else:
        queryset = Lead.objects.filter(partner=portal_partner_for(user))
    lead = (
        queryset.select_related(
            "partner", "product_line", "offered_by", "receiver_user", "decided_by", "resolved_account__owner"
        )
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound
    return lead


def registrations_visible_to(user: User | AnonymousUser) -> QuerySet[DealRegistration]:
    if may_read_registrations(user):
        return DealRegistration.objects.all()
    if has_capability(user, Capability.PORTAL_USE):
        try:
            partner = portal_partner_for(user)
        except NotFound:
            return DealRegistration.objects.none()
        return DealRegistration.objects.filter(partner=partner)
    return DealRegistration.objects.none()


def access_registration_by_id(user: User | AnonymousUser, registration_id: int) -> DealRegistration:
    if is_internal(user):
        check_registrations_read(user)
        queryset = DealRegistration.objects.all()
    else:
        queryset = DealRegistration.objects.filter(partner=portal_partner_for(user))
    registration = (
        queryset.select_related("partner", "product_line", "registered_by", "decided_by", "account__owner")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        raise NotFound
    return registration


def check_lead_receiver(user: User | AnonymousUser, lead: Lead) -> None:
    """Who decides a lead: for a lead to us, our people who work leads; for a lead to a partner, that partner's
    users. The sender cannot decide his own lead (403 for us, 404 for a partner user)."""
    if lead.direction == LeadDirection.TO_US:
        check_leads_work(user)
        return
    if is_internal(user):
        check_leads_work(user)
        raise Forbidden
    if portal_partner_for(user).pk != lead.partner_id:
        raise NotFound
