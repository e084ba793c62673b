"""Reads of leads and deal registrations: lists for our people and for the portal, what the engine found for a
lead (ours only), a registration's conflicts before the decision, the "expiring soon" list, and the lead figures
the health score reads (alliances.extensions.SIGNAL_LEADS)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.selectors import (
    CompanyFields,
    DuplicateCandidate,
    account_duplicate_candidates,
    account_list_by_ids,
)
from handschlag.alliances.extensions import LEAD_WINDOW_DAYS, LeadFigures
from handschlag.alliances.selectors import agreement_list
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, User
from handschlag.coselling.enums import OpportunityStatus
from handschlag.coselling.lead_enums import (
    ACTIVE_REGISTRATION_STATUSES,
    EXPIRING_SOON_DAYS,
    SELLER_ACTIVITY_DAYS,
    LeadDirection,
    LeadStatus,
    RegistrationConflictKind,
    RegistrationStatus,
)
from handschlag.coselling.models import DealRegistration, Lead, Opportunity, PartnerInvolvement, StageChange

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner

LEAD_BOXES = ("inbox", "outbox", "all")


def lead_list(*, box: str = "inbox", status: str = "", partner_id: int | None = None) -> QuerySet[Lead]:
    """Our leads: the inbox (leads to us), the outbox (leads we offered to partners) or all of them."""
    leads = Lead.objects.select_related("partner", "product_line", "receiver_user", "resolved_account")
    if box == "inbox":
        leads = leads.filter(direction=LeadDirection.TO_US)
    elif box == "outbox":
        leads = leads.filter(direction=LeadDirection.TO_PARTNER)
    if status in LeadStatus.values:
        leads = leads.filter(status=status)
    if partner_id is not None:
        leads = leads.filter(partner_id=partner_id)
    return leads.order_by("-offered_at", "-id")


def partner_lead_list(*, partner: Partner, box: str = "inbox") -> QuerySet[Lead]:
    """A partner's leads as his portal shows them: the inbox holds what we offered him, the outbox his own."""
    direction = LeadDirection.TO_PARTNER if box == "inbox" else LeadDirection.TO_US
    return (
        Lead.objects.filter(partner=partner, direction=direction)
        .select_related("product_line")
        .order_by("-offered_at", "-id")
    )


@dataclass(frozen=True)
class LeadResolution:
    """What the engine found for a lead's company among our accounts (shown to our people, never to a partner)."""

    account_id: int | None
    account_name: str = ""
    is_customer: bool = False
    status_label: str = ""
    owner_name: str = ""
    score: float | None = None
    open_opportunities: list[Opportunity] = field(default_factory=list)


def lead_resolution(*, lead: Lead) -> LeadResolution:
    account = lead.resolved_account
    if account is None:
        return LeadResolution(account_id=None)
    opportunities = list(
        Opportunity.objects.filter(account=account, status=OpportunityStatus.OPEN)
        .select_related("owner", "stage", "product_line")
        .order_by("-created_at")[:5]
    )
    owner = account.owner
    return LeadResolution(
        account_id=account.pk,
        account_name=account.display_name,
        is_customer=account.status == AccountStatus.CUSTOMER,
        status_label=str(AccountStatus(account.status).label),
        owner_name=owner.get_full_name() or owner.username if owner else "",
        score=lead.resolution_score,
        open_opportunities=opportunities,
    )


def registration_list(*, status: str = "") -> QuerySet[DealRegistration]:
    registrations = DealRegistration.objects.select_related(
        "partner", "product_line", "account", "registered_by"
    )
    if status == "active":
        registrations = registrations.filter(status__in=ACTIVE_REGISTRATION_STATUSES)
    elif status == "extension":
        registrations = registrations.filter(extension_status="requested")
    elif status in RegistrationStatus.values:
        registrations = registrations.filter(status=status)
    return registrations.order_by("-created_at", "-id")


def partner_registration_list(*, partner: Partner) -> QuerySet[DealRegistration]:
    return (
        DealRegistration.objects.filter(partner=partner)
        .select_related("product_line")
        .order_by("-created_at", "-id")
    )


def registrations_expiring_soon(*, today: dt.date | None = None) -> QuerySet[DealRegistration]:
    """Approved registrations whose protection ends within EXPIRING_SOON_DAYS, soonest first."""
    today = today or timezone.localdate()
    return (
        DealRegistration.objects.filter(
            status=RegistrationStatus.APPROVED,
            protected_until__gte=today,
            protected_until__lte=today + dt.timedelta(days=EXPIRING_SOON_DAYS),
        )
        .select_related("partner", "product_line", "account")
        .order_by("protected_until", "id")
    )


# --- conflicts of a registration, shown to the approver before he decides ----------------------------------------


@dataclass(frozen=True)
class RegistrationConflict:
    kind: RegistrationConflictKind
    summary: str  # names, numbers and dates, already readable; the kind's label says what it is
    when: dt.datetime | None = None
    link: str = ""


def _activity_since(account_id: int, since: dt.datetime) -> list[RegistrationConflict]:
    """Our people's work on the account in the window: changes to the account itself (its audit events) and to
    its opportunities (audit events and stage moves). Complaint comments are not read here: complaints sit above
    co-selling in the import layers."""
    opportunity_ids = [
        str(pk)
        for pk in Opportunity.objects.filter(account_id=account_id).values_list("pk", flat=True)[:1000]
    ]
    events = (
        AuditEvent.objects.filter(created_at__gte=since, actor__isnull=False)
        .exclude(actor__role=Role.PARTNER_USER)
        .filter(
            Q(target_type="accounts.account", target_id=str(account_id))
            | Q(target_type="coselling.opportunity", target_id__in=opportunity_ids)
        )
        .select_related("actor")
        .order_by("-created_at")[:5]
    )
    found = [
        RegistrationConflict(
            kind=RegistrationConflictKind.SELLER_ACTIVITY,
            summary=f"{_name(event.actor)}: {event.action}",
            when=event.created_at,
        )
        for event in events
    ]
    moves = (
        StageChange.objects.filter(
            opportunity__account_id=account_id, changed_at__gte=since, changed_by__isnull=False
        )
        .exclude(changed_by__role=Role.PARTNER_USER)
        .select_related("changed_by", "to_stage", "opportunity")
        .order_by("-changed_at")[:5]
    )
    found += [
        RegistrationConflict(
            kind=RegistrationConflictKind.SELLER_ACTIVITY,
            summary=f"{_name(move.changed_by)}: {move.opportunity.title} → {move.to_stage.name}",
            when=move.changed_at,
            link=f"/coselling/opportunities/{move.opportunity_id}/",
        )
        for move in moves
    ]
    return sorted(found, key=lambda item: item.when or timezone.now(), reverse=True)[:5]


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def registration_conflicts(
    *, registration: DealRegistration, account_id: int | None = None, now: dt.datetime | None = None
) -> list[RegistrationConflict]:
    """Our open opportunities on the account and product line, other partners' active registrations on the
    account, and our sellers' activity on it in the last SELLER_ACTIVITY_DAYS days. Without an account (the
    engine proposed a new one) there is nothing to compare yet."""
    account_id = account_id or registration.account_id
    if account_id is None:
        return []
    now = now or timezone.now()
    conflicts = [
        RegistrationConflict(
            kind=RegistrationConflictKind.OUR_OPPORTUNITY,
            summary=f"{opportunity.title} ({opportunity.stage.name}, {_name(opportunity.owner)}, "
            f"{opportunity.amount:,.2f} EUR)",
            when=opportunity.created_at,
            link=f"/coselling/opportunities/{opportunity.pk}/",
        )
        for opportunity in Opportunity.objects.filter(
            account_id=account_id, product_line_id=registration.product_line_id, status=OpportunityStatus.OPEN
        )
        .select_related("stage", "owner")
        .order_by("-created_at")[:5]
    ]
    conflicts += [
        RegistrationConflict(
            kind=RegistrationConflictKind.OTHER_REGISTRATION,
            summary=f"{other.partner.name}: {other.title} ({other.product_line.name}, "
            f"{RegistrationStatus(other.status).label})",
            when=other.created_at,
            link=f"/coselling/registrations/{other.pk}/",
        )
        for other in DealRegistration.objects.filter(
            account_id=account_id, status__in=ACTIVE_REGISTRATION_STATUSES
        )
        .exclude(pk=registration.pk)
        .exclude(partner_id=registration.partner_id)
        .select_related("partner", "product_line")
        .order_by("-created_at")[:5]
    ]
    conflicts += _activity_since(account_id, now - dt.timedelta(days=SELLER_ACTIVITY_DAYS))
    return conflicts


def registration_account_candidates(*, registration: DealRegistration) -> list[DuplicateCandidate]:
    """Accounts the engine takes for the registration's company, for the approver to pick (best first)."""
    return account_duplicate_candidates(
        company=CompanyFields(
            name=registration.company_name,
            domain=registration.company_domain,
            street=registration.company_street,
            postal_code=registration.company_postal_code,
            city=registration.company_city,
            country=registration.company_country,
        ),
        limit=3,
    )


def account_exists(*, account_id: int) -> bool:
    return account_list_by_ids(account_ids=[account_id]).exists()


# --- joint opportunities in the portal ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JointOpportunity:
    """What a partner user sees of an opportunity he is involved in (allow-listed: no owner, no amount of ours
    beyond what he registered, no notes)."""

    title: str
    account_name: str
    product_line: str
    stage: str
    status: str
    expected_close_date: dt.date | None
    role: str


def partner_involvement_list(*, partner: Partner) -> QuerySet[PartnerInvolvement]:
    """The partner's involvements in our opportunities, the latest he came into first (index partner, joined_at:
    a partner of a large organisation is in tens of thousands of deals)."""
    return (
        PartnerInvolvement.objects.filter(partner=partner)
        .select_related("opportunity__account", "opportunity__product_line", "opportunity__stage")
        .order_by("-joined_at", "-id")
    )


def joint_opportunity_rows(involvements: Iterable[PartnerInvolvement]) -> list[JointOpportunity]:
    """The allow-listed rows a partner user sees of his involvements (a page of `partner_involvement_list`)."""
    return [
        JointOpportunity(
            title=involvement.opportunity.title,
            account_name=involvement.opportunity.account.display_name,
            product_line=involvement.opportunity.product_line.name
            if involvement.opportunity.product_line
            else "",
            stage=involvement.opportunity.stage.name,
            status=str(OpportunityStatus(involvement.opportunity.status).label),
            expected_close_date=involvement.opportunity.expected_close_date,
            role=involvement.get_role_display(),
        )
        for involvement in involvements
    ]


# --- the health score's lead figures (alliances.extensions.SIGNAL_LEADS) -----------------------------------------


@dataclass
class _Tally:
    received: int = 0
    sent: int = 0
    decided: int = 0
    accepted: int = 0
    hours: list[float] = field(default_factory=list)


def lead_figures_by_agreement(agreement_ids: Sequence[int]) -> dict[int, LeadFigures]:
    """Per agreement, its partner's leads: received and sent within LEAD_WINDOW_DAYS, how many of them were
    decided and accepted, the median hours to accept, and the latest offer each way. Three queries."""
    partner_of = dict(agreement_list().filter(pk__in=list(agreement_ids)).values_list("pk", "partner_id"))
    if not partner_of:
        return {}
    partner_ids = set(partner_of.values())
    since = timezone.now() - dt.timedelta(days=LEAD_WINDOW_DAYS)
    tallies: dict[int, _Tally] = {}
    for partner_id, direction, status, offered_at, decided_at in Lead.objects.filter(
        partner_id__in=partner_ids, offered_at__gte=since
    ).values_list("partner_id", "direction", "status", "offered_at", "decided_at"):
        tally = tallies.setdefault(partner_id, _Tally())
        if direction == LeadDirection.TO_US:
            tally.received += 1
        else:
            tally.sent += 1
        if status in (LeadStatus.ACCEPTED, LeadStatus.DECLINED):
            tally.decided += 1
        if status == LeadStatus.ACCEPTED and decided_at is not None:
            tally.accepted += 1
            tally.hours.append((decided_at - offered_at).total_seconds() / 3600)
    latest: dict[tuple[int, str], dt.datetime] = {
        (partner_id, direction): moment
        for partner_id, direction, moment in Lead.objects.filter(partner_id__in=partner_ids)
        .order_by()
        .values("partner_id", "direction")
        .annotate(latest=Max("offered_at"))
        .values_list("partner_id", "direction", "latest")
    }
    result: dict[int, LeadFigures] = {}
    for agreement_id, partner_id in partner_of.items():
        tally = tallies.get(partner_id, _Tally())
        received_at = latest.get((partner_id, LeadDirection.TO_US))
        sent_at = latest.get((partner_id, LeadDirection.TO_PARTNER))
        if received_at is None and sent_at is None:
            continue
        result[agreement_id] = LeadFigures(
            received=tally.received,
            sent=tally.sent,
            decided=tally.decided,
            accepted=tally.accepted,
            hours_to_accept=round(statistics.median(tally.hours), 1) if tally.hours else None,
            last_received_at=received_at,
            last_sent_at=sent_at,
        )
    return result
