"""Leads both ways: offer, accept (and convert to an opportunity) or decline, expire (the worker).

A partner user offers a lead to us; our people offer one to a partner. The receiver decides within the business
hours its source allows (lead_enums.LEAD_DECISION_BUSINESS_HOURS, on the organisation's business calendar); a lead
nobody decided expires in the worker, exactly once. The engine resolves the lead's company against our accounts
when it is offered; a lead to us that is accepted becomes an opportunity with the partner as "sourced".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.inputs import AccountInput
from handschlag.accounts.selectors import CompanyFields, account_duplicate_candidates
from handschlag.accounts.services import account_create
from handschlag.alliances.access import access_partner_by_id, portal_partner_for
from handschlag.alliances.enums import PartnerStatus
from handschlag.core.access import require_capability
from handschlag.core.errors import Conflict, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.selectors import business_calendar_get
from handschlag.coselling.company_key import company_key
from handschlag.coselling.lead_access import check_lead_receiver, check_leads_work
from handschlag.coselling.lead_enums import (
    DECLINE_REASONS_BY_SOURCE,
    LEAD_DECISION_BUSINESS_HOURS,
    LeadDeclineReason,
    LeadDirection,
    LeadSource,
    LeadStatus,
)
from handschlag.coselling.lead_inputs import LeadDecisionInput, LeadOfferInput
from handschlag.coselling.models import Lead, ProductLine

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner

LEAD_OFFERED_TWICE = (
    "This company was already offered and its lead is still open. Wait for the decision on the open lead."
)


def lead_respond_by(*, source: str, offered_at: dt.datetime) -> dt.datetime:
    hours = LEAD_DECISION_BUSINESS_HOURS.get(source, LEAD_DECISION_BUSINESS_HOURS[LeadSource.PARTNER])
    return business_calendar_get().add_business_time(offered_at, dt.timedelta(hours=hours))


def _product_line(product_line_id: int | None) -> ProductLine | None:
    if product_line_id is None:
        return None
    product_line = ProductLine.objects.filter(pk=product_line_id, is_active=True).first()
    if product_line is None:
        raise InvalidInput.for_field("product_line_id", _("Choose an active product line."))
    return product_line


def _resolve(data: LeadOfferInput) -> tuple[int | None, float | None]:
    """The account of ours the matching engine takes for the lead's company, and how sure it is."""
    candidates = account_duplicate_candidates(
        company=CompanyFields(
            name=data.company_name,
            domain=data.company_domain,
            street=data.company_street,
            postal_code=data.company_postal_code,
            city=data.company_city,
            country=data.company_country,
        ),
        limit=1,
    )
    return (candidates[0].account_id, candidates[0].score) if candidates else (None, None)


def _sender_side(actor: User, data: LeadOfferInput) -> tuple[Partner, str, str]:
    """(partner, direction, source) of a lead `actor` offers; refuses what he may not offer."""
    if is_internal(actor):
        check_leads_work(actor)
        if data.partner_id is None:
            raise InvalidInput.for_field("partner_id", _("Choose the partner who receives the lead."))
        partner = access_partner_by_id(actor, data.partner_id)
        if partner.status != PartnerStatus.ACTIVE:
            raise InvalidInput.for_field("partner_id", _("The partner is inactive."))
        return partner, LeadDirection.TO_PARTNER, LeadSource.OURS
    partner = portal_partner_for(actor)
    if data.partner_id is not None and data.partner_id != partner.pk:
        raise NotFound
    return partner, LeadDirection.TO_US, LeadSource.PARTNER


def _receivers_of(lead: Lead) -> list[User]:
    if lead.direction == LeadDirection.TO_PARTNER:
        return list(lead.partner.organisation.users.filter(is_active=True)) if lead.partner else []
    people = [lead.receiver_user]
    if lead.partner is not None and lead.partner.manager is not None:
        people.append(lead.partner.manager)
    return [person for person in people if person is not None]


def _lead_url(lead: Lead, user: User | None) -> str:
    if user is not None and not is_internal(user):
        return f"/portal/leads/{lead.pk}/"
    return f"/coselling/leads/{lead.pk}/"


def _notify_each(users: list[User], lead: Lead, message: str, params: dict[str, object]) -> None:
    for user in users:
        notify(users=[user], message=message, params=params, url=_lead_url(lead, user))


@transaction.atomic
def lead_offer(*, actor: User, data: LeadOfferInput, now: dt.datetime | None = None) -> Lead:
    """Offer a lead: a partner user to us, our people to a partner (`data.partner_id`).

    The same company offered again while a lead on it with that partner is open is refused (409 lead_offered_twice,
    enforced by a unique constraint, so two offers at once give one lead)."""
    partner, direction, source = _sender_side(actor, data)
    product_line = _product_line(data.product_line_id)
    key = company_key(data.company_name)
    if not key:
        raise InvalidInput.for_field("company_name", _("Enter the company's name."))
    offered_at = now or timezone.now()
    account_id, score = _resolve(data)
    lead = Lead(
        direction=direction,
        source=source,
        partner=partner,
        company_name=data.company_name,
        company_key=key,
        company_domain=data.company_domain,
        company_street=data.company_street,
        company_postal_code=data.company_postal_code,
        company_city=data.company_city,
        company_country=data.company_country,
        product_line=product_line,
        need=data.need,
        estimated_amount=data.estimated_amount,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        offered_by=actor,
        offered_at=offered_at,
        respond_by=lead_respond_by(source=source, offered_at=offered_at),
        resolved_account_id=account_id,
        resolution_score=score,
    )
    if direction == LeadDirection.TO_US and account_id is not None:
        owner = lead.resolved_account.owner if lead.resolved_account else None
        if owner is not None and owner.is_active and is_internal(owner):
            lead.receiver_user = owner
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        raise Conflict(_(LEAD_OFFERED_TWICE), code="lead_offered_twice") from None
    audit_record(
        actor=actor,
        action="lead.offer",
        target=lead,
        summary=f"lead {lead.company_name} offered ({direction}, partner {partner.pk})",
        changes={
            "direction": direction,
            "source": source,
            "partner": partner.pk,
            "company_name": lead.company_name,
            "respond_by": lead.respond_by,
            "resolved_account": account_id,
        },
    )
    _notify_each(
        _receivers_of(lead),
        lead,
        gettext_noop("New lead: %(company)s, please accept or decline by %(due)s"),
        {"company": lead.company_name, "due": lead.respond_by},
    )
    return lead


def _opportunity_from_lead(*, actor: User, lead: Lead, account_id: int | None, now: dt.datetime) -> int:
    """The opportunity an accepted lead to us becomes, with the partner as "sourced"; returns its id."""
    from handschlag.coselling.enums import OpportunitySource
    from handschlag.coselling.inputs import OpportunityInput
    from handschlag.coselling.services.opportunities import opportunity_create, partner_sourced_add

    if account_id is None:
        account_id = lead.resolved_account_id
    if account_id is None:
        if not has_capability(actor, Capability.ACCOUNTS_CREATE):
            raise InvalidInput.for_field(
                "account_id",
                _(
                    "Our accounts do not hold this company yet. Choose its account, or ask a seller to create it."
                ),
            )
        account = account_create(
            actor=actor,
            data=input_build(
                AccountInput,
                {
                    "name": lead.company_name,
                    "domain": lead.company_domain,
                    "street": lead.company_street,
                    "postal_code": lead.company_postal_code,
                    "city": lead.company_city,
                    "country": lead.company_country or "DE",
                    "status": AccountStatus.PROSPECT,
                    "confirm_duplicate": True,
                },
            ),
        )
        account_id = account.pk
    opportunity = opportunity_create(
        actor=actor,
        data=input_build(
            OpportunityInput,
            {
                "account_id": account_id,
                "title": _("Lead: %(company)s") % {"company": lead.company_name},
                "product_line_id": lead.product_line_id,
                "amount": lead.estimated_amount or Decimal("0"),
            },
        ),
        source=OpportunitySource.LEAD,
        now=now,
    )
    if lead.partner_id is not None:
        partner_sourced_add(actor=actor, opportunity=opportunity, partner_id=lead.partner_id, now=now)
    return opportunity.pk


@transaction.atomic
def lead_decide(*, actor: User, lead: Lead, data: LeadDecisionInput, now: dt.datetime | None = None) -> Lead:
    """The receiver accepts or declines an offered lead. Decided once: a second decision (or one after the lead
    expired or its time ran out) is refused with 409."""
    check_lead_receiver(actor, lead)
    now = now or timezone.now()
    reason = data.reason
    if data.decision == "decline":
        allowed = DECLINE_REASONS_BY_SOURCE.get(lead.source, ())
        if not reason:
            raise InvalidInput.for_field("reason", _("Choose why you decline the lead."))
        if reason not in allowed:
            raise InvalidInput.for_field(
                "reason",
                _("This reason does not apply to this lead. Choose one of: %(reasons)s.")
                % {"reasons": ", ".join(str(LeadDeclineReason(code).label) for code in allowed)},
            )
    locked = Lead.objects.select_for_update().filter(pk=lead.pk).first()
    if locked is None:
        raise NotFound
    if locked.status != LeadStatus.OFFERED:
        raise Conflict(_("This lead was already decided or has expired."), code="lead_decided")
    if now > locked.respond_by:
        raise Conflict(
            _("The time to decide on this lead has run out; it expires shortly."), code="lead_overdue"
        )
    status = LeadStatus.ACCEPTED if data.decision == "accept" else LeadStatus.DECLINED
    lead.status = status
    lead.decided_by = actor
    lead.decided_at = now
    lead.decline_reason = reason if status == LeadStatus.DECLINED else ""
    lead.decision_note = data.note
    if status == LeadStatus.ACCEPTED and lead.direction == LeadDirection.TO_US:
        lead.opportunity_id = _opportunity_from_lead(
            actor=actor, lead=lead, account_id=data.account_id, now=now
        )
    lead.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decline_reason",
            "decision_note",
            "opportunity",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="lead.accept" if status == LeadStatus.ACCEPTED else "lead.decline",
        target=lead,
        summary=f"lead {lead.company_name} {status}",
        changes={
            "status": status,
            "reason": lead.decline_reason,
            "note": lead.decision_note,
            "opportunity": lead.opportunity_id,
        },
    )
    message = (
        gettext_noop("Your lead %(company)s was accepted")
        if status == LeadStatus.ACCEPTED
        else gettext_noop("Your lead %(company)s was declined: %(reason)s")
    )
    params: dict[str, object] = {"company": lead.company_name}
    if status == LeadStatus.DECLINED:
        params["reason"] = LeadDeclineReason(reason)
    _notify_each([lead.offered_by], lead, message, params)
    return lead


@dataclass
class ExpiryResult:
    expired: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def lead_expire_as_system(*, lead_id: int, now: dt.datetime | None = None) -> bool:
    """Expire one overdue lead. The conditional UPDATE has one winner, so two workers (or a second run) expire it,
    audit it and tell its sender exactly once. True when this call expired it."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Lead.objects.filter(pk=lead_id, status=LeadStatus.OFFERED, respond_by__lt=now).update(
            status=LeadStatus.EXPIRED, expired_at=now, updated_at=now
        ):
            return False
        lead = Lead.objects.select_related("offered_by", "partner").get(pk=lead_id)
        audit_record(
            actor=None,
            action="lead.expire",
            target=lead,
            summary=f"lead {lead.company_name} expired undecided",
            changes={"status": LeadStatus.EXPIRED, "respond_by": lead.respond_by},
        )
        _notify_each(
            [lead.offered_by],
            lead,
            gettext_noop("Your lead %(company)s expired without a decision"),
            {"company": lead.company_name},
        )
    return True


def leads_expire_as_system(*, now: dt.datetime | None = None) -> ExpiryResult:
    """Every offered lead whose decision time has passed; one bad lead does not stop the others."""
    import logging

    now = now or timezone.now()
    result = ExpiryResult()
    due = Lead.objects.filter(status=LeadStatus.OFFERED, respond_by__lt=now).values_list("pk", flat=True)
    for lead_id in list(due[:5000]):
        try:
            if lead_expire_as_system(lead_id=lead_id, now=now):
                result.expired.append(lead_id)
        except Exception:
            logging.getLogger(__name__).exception("lead %s: expiry failed", lead_id)
            result.failed.append(lead_id)
    return result


def require_leads_work(actor: User) -> None:
    require_capability(actor, Capability.LEADS_WORK)
