"""Reads of the partnership module: lists, scorecards, enablement coverage, health signals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from handschlag.alliances.enums import AgreementStatus, OfferStatus
from handschlag.alliances.extensions import (
    SIGNAL_ACCOUNT_MAPPING,
    SIGNAL_DEALS,
    SIGNAL_LEADS,
    DealFigures,
    LeadFigures,
    partnership_signals_for,
)
from handschlag.alliances.models import (
    Agreement,
    FitCriterion,
    FitRating,
    Offer,
    Partner,
    ValuePropositionAcknowledgement,
)
from handschlag.alliances.scoring import (
    HealthResult,
    HealthSignals,
    OfferAssessment,
    RedFlag,
    WeightedRating,
    fit_red_flags,
    fit_score,
    offer_assessment,
    partnership_health,
)
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, User
from handschlag.core.roles import ROLE_CAPABILITIES, Capability


def partner_list(*, search: str = "") -> QuerySet[Partner]:
    partners = Partner.objects.select_related("organisation", "manager").annotate(
        agreement_count=Count("agreements", distinct=True),
        active_agreement_count=Count(
            "agreements", filter=Q(agreements__status=AgreementStatus.ACTIVE), distinct=True
        ),
    )
    if search.strip():
        partners = partners.filter(name__icontains=search.strip())
    return partners.order_by("name", "id")


def agreement_list(*, partner: Partner | None = None) -> QuerySet[Agreement]:
    agreements = Agreement.objects.select_related("partner__organisation")
    if partner is not None:
        agreements = agreements.filter(partner=partner)
    return agreements.order_by("partner__organisation__name", "-starts_on", "id")


def agreement_lock(*, agreement_id: int) -> None:
    """Hold the agreement's row lock until the caller's transaction ends. Other modules serialise their changes
    to what hangs on one agreement with it (mapping: its sharing rules, the release of a run's counts)."""
    Agreement.objects.select_for_update().filter(pk=agreement_id).first()


def active_agreement_of(partner: Partner) -> Agreement | None:
    return partner.agreements.filter(status=AgreementStatus.ACTIVE).first()


# --- enablement ---------------------------------------------------------------------------------------------------


def customer_facing_users() -> QuerySet[User]:
    """Our active users who present partnerships to customers and so must read every value proposition."""
    roles = [
        role
        for role, capabilities in ROLE_CAPABILITIES.items()
        if Capability.ENABLEMENT_REQUIRED in capabilities
    ]
    return (
        User.objects.filter(is_active=True, role__in=roles)
        .exclude(role=Role.PARTNER_USER)
        .order_by("last_name", "first_name", "username")
    )


@dataclass(frozen=True)
class EnablementCoverage:
    agreement: Agreement
    read: list[User]
    missing: list[User]

    @property
    def share(self) -> float | None:
        total = len(self.read) + len(self.missing)
        return None if not total else len(self.read) / total

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


def enablement_coverage(*, agreement: Agreement) -> EnablementCoverage:
    users = list(customer_facing_users())
    if not agreement.value_proposition:
        return EnablementCoverage(agreement=agreement, read=[], missing=users)
    read_ids = set(
        ValuePropositionAcknowledgement.objects.filter(
            agreement=agreement, version=agreement.value_proposition_version
        ).values_list("user_id", flat=True)
    )
    return EnablementCoverage(
        agreement=agreement,
        read=[user for user in users if user.pk in read_ids],
        missing=[user for user in users if user.pk not in read_ids],
    )


def enablement_todo_for_user(*, user: User) -> list[Agreement]:
    """Active agreements whose current value proposition the user has not read yet."""
    agreements = (
        Agreement.objects.select_related("partner__organisation")
        .filter(status=AgreementStatus.ACTIVE)
        .exclude(value_proposition="")
        .order_by("partner__organisation__name", "id")
    )
    read = set(
        ValuePropositionAcknowledgement.objects.filter(user=user).values_list("agreement_id", "version")
    )
    return [
        agreement
        for agreement in agreements
        if (agreement.pk, agreement.value_proposition_version) not in read
    ]


def enablement_read_by_user(*, user: User) -> list[Agreement]:
    agreements = (
        Agreement.objects.select_related("partner__organisation")
        .filter(status=AgreementStatus.ACTIVE)
        .exclude(value_proposition="")
        .order_by("partner__organisation__name", "id")
    )
    read = set(
        ValuePropositionAcknowledgement.objects.filter(user=user).values_list("agreement_id", "version")
    )
    return [
        agreement for agreement in agreements if (agreement.pk, agreement.value_proposition_version) in read
    ]


# --- fit scorecard and health ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardLine:
    criterion: FitCriterion
    score: int | None


@dataclass(frozen=True)
class Scorecard:
    lines: list[ScorecardLine]
    score: int | None
    red_flags: list[RedFlag]


def fit_criteria() -> QuerySet[FitCriterion]:
    return FitCriterion.objects.order_by("position", "id")


def partner_scorecard(*, partner: Partner) -> Scorecard:
    ratings = {rating.criterion_id: rating.score for rating in FitRating.objects.filter(partner=partner)}
    lines = [
        ScorecardLine(criterion=criterion, score=ratings.get(criterion.pk)) for criterion in fit_criteria()
    ]
    agreement = active_agreement_of(partner) or partner.agreements.order_by("-created_at").first()
    coverage = enablement_coverage(agreement=agreement) if agreement is not None else None
    flags = fit_red_flags(
        has_agreement=agreement is not None,
        has_joint_targets=bool(agreement and agreement.has_joint_targets),
        leads_to_us_per_quarter=agreement.leads_to_us_per_quarter if agreement else 0,
        leads_to_partner_per_quarter=agreement.leads_to_partner_per_quarter if agreement else 0,
        enabled_users=len(coverage.read) if coverage else 0,
    )
    return Scorecard(
        lines=lines,
        score=fit_score(WeightedRating(weight=line.criterion.weight, score=line.score) for line in lines),
        red_flags=flags,
    )


def _health_signals(
    *,
    partner: Partner,
    agreement: Agreement | None,
    coverage_share: float | None,
    mapped_at: dt.datetime | None,
    last_read: dt.datetime | None,
    now: dt.datetime,
    leads: LeadFigures | None = None,
    deals: DealFigures | None = None,
) -> HealthSignals:
    """The named signals of one partnership from what was read; shared by the detail page and the list."""
    moments = [partner.updated_at]
    if agreement is not None:
        moments.append(agreement.updated_at)
        moments += [moment for moment in (last_read, mapped_at) if moment is not None]
    if leads is not None and leads.last_sent_at is not None:
        moments.append(leads.last_sent_at)
    last_activity = max(moments)
    partner_moments = [
        moment
        for moment in (
            leads.last_received_at if leads else None,
            deals.last_joint_at if deals else None,
        )
        if moment is not None
    ]
    return HealthSignals(
        has_active_agreement=agreement is not None,
        targets_set=bool(agreement and agreement.has_joint_targets),
        enablement_coverage=coverage_share,
        mapping_done=mapped_at is not None,
        mapping_age_days=None if mapped_at is None else max(0, (now - mapped_at).days),
        days_since_activity=max(0, (now - last_activity).days),
        leads=leads,
        deals=deals,
        leads_to_us_target=agreement.leads_to_us_per_quarter if agreement else 0,
        leads_to_partner_target=agreement.leads_to_partner_per_quarter if agreement else 0,
        joint_pipeline_target=float(agreement.joint_pipeline_target) if agreement else 0.0,
        joint_wins_target=agreement.joint_wins_target if agreement else 0,
        days_since_partner_activity=max(0, (now - max(partner_moments)).days) if partner_moments else None,
    )


def _signals_by_agreement(agreement_ids: list[int]) -> dict[str, Mapping[int, Any]]:
    """Every registered signal for the agreements (mapping's moment, co-selling's lead and deal figures)."""
    return partnership_signals_for(agreement_ids)


def health_signals_for(*, partner: Partner) -> HealthSignals:
    agreement = active_agreement_of(partner)
    coverage = enablement_coverage(agreement=agreement) if agreement is not None else None
    signals = _signals_by_agreement([agreement.pk]) if agreement is not None else {}
    key = agreement.pk if agreement is not None else 0
    return _health_signals(
        partner=partner,
        agreement=agreement,
        coverage_share=coverage.share if coverage else None,
        mapped_at=signals.get(SIGNAL_ACCOUNT_MAPPING, {}).get(key),
        last_read=agreement.acknowledgements.aggregate(last=Max("acknowledged_at"))["last"]
        if agreement is not None
        else None,
        now=timezone.now(),
        leads=signals.get(SIGNAL_LEADS, {}).get(key),
        deals=signals.get(SIGNAL_DEALS, {}).get(key),
    )


def partner_health(*, partner: Partner) -> HealthResult:
    return partnership_health(health_signals_for(partner=partner))


def partner_detail(*, partner: Partner) -> dict[str, Any]:
    return {
        "partner": partner,
        "contacts": list(partner.contacts.all()),
        "agreements": list(agreement_list(partner=partner)),
        "portal_users": list(portal_user_list(partner=partner)),
        "scorecard": partner_scorecard(partner=partner),
        "health": partner_health(partner=partner),
    }


# --- the partners list: health and fit of every partner in a fixed number of queries --------------------------


@dataclass(frozen=True)
class PartnerOverview:
    partner: Partner
    health: HealthResult
    fit_score: int | None
    red_flag_count: int


def _scorecard_agreement(agreements: list[Agreement]) -> Agreement | None:
    """The agreement the scorecard looks at: the active one, else the newest (as `partner_scorecard`)."""
    active = [agreement for agreement in agreements if agreement.status == AgreementStatus.ACTIVE]
    if active:
        return min(active, key=lambda agreement: agreement.pk)
    return max(agreements, key=lambda agreement: (agreement.created_at, agreement.pk), default=None)


def partner_overview_list(*, search: str = "", verdict: str = "") -> list[PartnerOverview]:
    """Every partner (filtered by name and health verdict) with its health and fit score.

    The query count does not grow with the number of partners: everything is read in bulk, and the pure
    functions of `scoring` decide, exactly as on the partner's page."""
    partners = list(partner_list(search=search))
    partner_ids = [partner.pk for partner in partners]
    criteria = list(fit_criteria())
    ratings: dict[int, dict[int, int]] = {}
    for rating in FitRating.objects.filter(partner_id__in=partner_ids).values(
        "partner_id", "criterion_id", "score"
    ):
        ratings.setdefault(rating["partner_id"], {})[rating["criterion_id"]] = rating["score"]
    agreements_by_partner: dict[int, list[Agreement]] = {}
    for agreement in Agreement.objects.filter(partner_id__in=partner_ids).order_by("id"):
        agreements_by_partner.setdefault(agreement.partner_id, []).append(agreement)
    agreement_ids = [
        agreement.pk for agreements in agreements_by_partner.values() for agreement in agreements
    ]
    facing_ids = set(customer_facing_users().values_list("pk", flat=True))
    read_by: dict[int, set[int]] = {}
    last_read: dict[int, dt.datetime] = {}
    versions = {
        agreement.pk: agreement.value_proposition_version
        for agreements in agreements_by_partner.values()
        for agreement in agreements
    }
    for acknowledgement in ValuePropositionAcknowledgement.objects.filter(
        agreement_id__in=agreement_ids
    ).values("agreement_id", "user_id", "version", "acknowledged_at"):
        agreement_id = acknowledgement["agreement_id"]
        moment = acknowledgement["acknowledged_at"]
        if agreement_id not in last_read or moment > last_read[agreement_id]:
            last_read[agreement_id] = moment
        if acknowledgement["version"] == versions[agreement_id] and acknowledgement["user_id"] in facing_ids:
            read_by.setdefault(agreement_id, set()).add(acknowledgement["user_id"])
    signals = _signals_by_agreement(agreement_ids)
    mapped_at = signals.get(SIGNAL_ACCOUNT_MAPPING, {})
    leads = signals.get(SIGNAL_LEADS, {})
    deals = signals.get(SIGNAL_DEALS, {})

    def read_count(agreement: Agreement) -> int:
        return len(read_by.get(agreement.pk, ())) if agreement.value_proposition else 0

    now = timezone.now()
    overviews = []
    for partner in partners:
        agreements = agreements_by_partner.get(partner.pk, [])
        active = next(
            (agreement for agreement in agreements if agreement.status == AgreementStatus.ACTIVE), None
        )
        share = None
        if active is not None and facing_ids:
            share = read_count(active) / len(facing_ids)
        health = partnership_health(
            _health_signals(
                partner=partner,
                agreement=active,
                coverage_share=share,
                mapped_at=mapped_at.get(active.pk) if active is not None else None,
                last_read=last_read.get(active.pk) if active is not None else None,
                now=now,
                leads=leads.get(active.pk) if active is not None else None,
                deals=deals.get(active.pk) if active is not None else None,
            )
        )
        if verdict and health.verdict != verdict:
            continue
        scored = _scorecard_agreement(agreements)
        partner_ratings = ratings.get(partner.pk, {})
        flags = fit_red_flags(
            has_agreement=scored is not None,
            has_joint_targets=bool(scored and scored.has_joint_targets),
            leads_to_us_per_quarter=scored.leads_to_us_per_quarter if scored else 0,
            leads_to_partner_per_quarter=scored.leads_to_partner_per_quarter if scored else 0,
            enabled_users=read_count(scored) if scored else 0,
        )
        overviews.append(
            PartnerOverview(
                partner=partner,
                health=health,
                fit_score=fit_score(
                    WeightedRating(weight=criterion.weight, score=partner_ratings.get(criterion.pk))
                    for criterion in criteria
                ),
                red_flag_count=len(flags),
            )
        )
    return overviews


# --- offers ---------------------------------------------------------------------------------------------------------


def offer_list(*, status: str = "") -> QuerySet[Offer]:
    offers = Offer.objects.select_related("partner__organisation", "decided_by")
    if status:
        offers = offers.filter(status=status)
    return offers.order_by("-received_on", "-id")


def offer_triage_queue() -> QuerySet[Offer]:
    return offer_list().filter(status__in=[OfferStatus.NEW, OfferStatus.MORE_INFO])


def offer_assess(offer: Offer) -> OfferAssessment:
    return offer_assessment(gives=offer.gives, asks=offer.asks)


def portal_user_list(*, partner: Partner) -> QuerySet[User]:
    """The partner's portal logins (its users), deactivated ones included."""
    return User.objects.filter(organisation_id=partner.organisation_id, role=Role.PARTNER_USER).order_by(
        "username", "id"
    )


# --- double opt-in ------------------------------------------------------------------------------------------------

OPT_IN_INVITE_ACTION = "agreement.opt_in_invite"  # written by services.agreement_opt_in_invite


@dataclass(frozen=True)
class OptInStatus:
    """Who has agreed to an agreement's sharing rules, and whom to ask on the partner's side."""

    home_at: dt.datetime | None
    home_by: User | None
    partner_at: dt.datetime | None
    partner_by: User | None
    portal_users: list[User]  # the partner's active portal logins: whom an invitation reaches
    last_invite_at: dt.datetime | None

    @property
    def complete(self) -> bool:
        return self.home_at is not None and self.partner_at is not None

    @property
    def partner_missing(self) -> bool:
        return self.partner_at is None


def agreement_opt_in_status(*, agreement: Agreement) -> OptInStatus:
    last_invite = (
        AuditEvent.objects.filter(
            target_type="alliances.agreement",
            target_id=str(agreement.pk),
            action=OPT_IN_INVITE_ACTION,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return OptInStatus(
        home_at=agreement.home_opt_in_at,
        home_by=agreement.home_opt_in_by,
        partner_at=agreement.partner_opt_in_at,
        partner_by=agreement.partner_opt_in_by,
        portal_users=list(portal_user_list(partner=agreement.partner).filter(is_active=True)),
        last_invite_at=last_invite,
    )
