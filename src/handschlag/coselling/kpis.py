"""The co-selling figures of DESIGN §3.8 as KPIs and breakdowns for insights and shared goals (core/figures.py),
over a period: partner-sourced pipeline, wins with partners, win rate with and without partner, rescue share,
lead acceptance and the lead balance per partner. Aggregated in the database: a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handschlag.core.figures import (
    Better,
    Breakdown,
    BreakdownRow,
    FigureModule,
    FigureScope,
    Kpi,
    Measurement,
    Unit,
    breakdown_register,
    day_range,
    figure_module_register,
    kpi_register,
    rate,
)
from handschlag.core.models import User
from handschlag.core.roles import Capability
from handschlag.coselling.enums import InvolvementRole, OpportunityStatus
from handschlag.coselling.lead_enums import LeadDirection, LeadSource, LeadStatus
from handschlag.coselling.models import Lead, Opportunity, PartnerInvolvement

MODULE = "coselling"
SEES = (Capability.OPPORTUNITIES_VIEW,)
MIN_CLOSED = 10  # win rates below this many closed deals are "below threshold"


@dataclass(frozen=True)
class CosellingFigures:
    sourced_pipeline: float
    sourced_count: int
    won_with_partner: float
    won_with_partner_count: int
    closed_with: int
    won_with: int
    closed_without: int
    won_without: int
    involvements: int
    rescues: int
    leads_decided: int
    leads_accepted: int


def _opportunities(scope: FigureScope) -> QuerySet[Opportunity]:
    opportunities = Opportunity.objects.all()
    if scope.seller_id is not None:
        opportunities = opportunities.filter(owner_id=scope.seller_id)
    return opportunities


def _involved(scope: FigureScope, **extra: Any) -> Exists:
    involvements = PartnerInvolvement.objects.filter(opportunity=OuterRef("pk"), **extra)
    if scope.partner_id is not None:
        involvements = involvements.filter(partner_id=scope.partner_id)
    return Exists(involvements)


def coselling_figures(user: User, scope: FigureScope) -> CosellingFigures:
    since, before = day_range(scope.start, scope.end)
    opportunities = _opportunities(scope)
    created = opportunities.filter(created_at__gte=since, created_at__lt=before)
    sourced = created.filter(_involved(scope, role=InvolvementRole.SOURCED)).aggregate(
        amount=Sum("amount"), count=Count("id")
    )
    closed = opportunities.filter(
        closed_at__gte=since, closed_at__lt=before, status__in=[OpportunityStatus.WON, OpportunityStatus.LOST]
    ).annotate(with_partner=_involved(scope))
    won = Q(status=OpportunityStatus.WON)
    totals = closed.aggregate(
        closed_with=Count("id", filter=Q(with_partner=True)),
        won_with=Count("id", filter=Q(with_partner=True) & won),
        won_with_amount=Sum("amount", filter=Q(with_partner=True) & won),
        closed_without=Count("id", filter=Q(with_partner=False)),
        won_without=Count("id", filter=Q(with_partner=False) & won),
    )
    involvements = PartnerInvolvement.objects.filter(joined_at__gte=since, joined_at__lt=before)
    if scope.partner_id is not None:
        involvements = involvements.filter(partner_id=scope.partner_id)
    if scope.seller_id is not None:
        involvements = involvements.filter(opportunity__owner_id=scope.seller_id)
    rescue_counts = involvements.aggregate(all=Count("id"), rescues=Count("id", filter=~Q(rescue_reason="")))
    leads = Lead.objects.filter(source=LeadSource.PARTNER, decided_at__gte=since, decided_at__lt=before)
    leads = leads.filter(direction=LeadDirection.TO_US)
    if scope.partner_id is not None:
        leads = leads.filter(partner_id=scope.partner_id)
    lead_counts = leads.aggregate(
        decided=Count("id", filter=Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.DECLINED])),
        accepted=Count("id", filter=Q(status=LeadStatus.ACCEPTED)),
    )
    return CosellingFigures(
        sourced_pipeline=float(sourced["amount"] or 0),
        sourced_count=sourced["count"],
        won_with_partner=float(totals["won_with_amount"] or 0),
        won_with_partner_count=totals["won_with"],
        closed_with=totals["closed_with"],
        won_with=totals["won_with"],
        closed_without=totals["closed_without"],
        won_without=totals["won_without"],
        involvements=rescue_counts["all"],
        rescues=rescue_counts["rescues"],
        leads_decided=lead_counts["decided"],
        leads_accepted=lead_counts["accepted"],
    )


def _win_rate(won: int, closed: int) -> Measurement:
    if 0 < closed < MIN_CLOSED:
        return Measurement(None, n=closed, below_threshold=True)
    return Measurement(rate(won, closed), n=closed)


def _marketing_leads(user: User, scope: FigureScope) -> Measurement:
    """MQL to SAL: of the marketing-qualified leads sales decided in the period, the share it accepted."""
    since, before = day_range(scope.start, scope.end)
    counts = Lead.objects.filter(
        source=LeadSource.MARKETING, decided_at__gte=since, decided_at__lt=before
    ).aggregate(
        decided=Count("id", filter=Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.DECLINED])),
        accepted=Count("id", filter=Q(status=LeadStatus.ACCEPTED)),
    )
    return Measurement(rate(counts["accepted"], counts["decided"]), n=counts["decided"])


def lead_balance(user: User, scope: FigureScope) -> list[BreakdownRow]:
    """Leads received minus leads sent per partner, offered in the period."""
    since, before = day_range(scope.start, scope.end)
    leads = Lead.objects.filter(source=LeadSource.PARTNER, offered_at__gte=since, offered_at__lt=before)
    leads = leads.filter(partner__isnull=False)
    if scope.partner_id is not None:
        leads = leads.filter(partner_id=scope.partner_id)
    rows = (
        leads.values("partner__name")
        .annotate(
            received=Count("id", filter=Q(direction=LeadDirection.TO_US)),
            sent=Count("id", filter=Q(direction=LeadDirection.TO_PARTNER)),
        )
        .order_by("partner__name")
    )
    return [BreakdownRow(row["partner__name"], row["received"] - row["sent"]) for row in rows]


def _kpi(
    key: str,
    label: str | Promise,
    unit: Unit,
    better: Better,
    pick: Callable[[CosellingFigures], Measurement],
    description: str | Promise = "",
    *,
    cumulative: bool = False,
) -> Kpi:
    return Kpi(
        key=key,
        module=MODULE,
        label=label,
        unit=unit,
        better=better,
        source=coselling_figures,
        pick=pick,
        capabilities=SEES,
        description=description,
        filters=("partner", "seller"),
        cumulative=cumulative,
    )


def coselling_kpis_register() -> None:
    figure_module_register(FigureModule(MODULE, _("Co-selling"), order=30))
    kpi_register(
        _kpi(
            "coselling.sourced_pipeline",
            _("Partner-sourced pipeline"),
            "eur",
            "higher",
            lambda f: Measurement(f.sourced_pipeline, n=f.sourced_count),
            _("Amount of the opportunities created in the period that a partner brought."),
            cumulative=True,
        ),
        _kpi(
            "coselling.won_with_partner",
            _("Won with partners"),
            "eur",
            "higher",
            lambda f: Measurement(f.won_with_partner, n=f.won_with_partner_count),
            _("Amount of the deals won in the period with a partner involved."),
            cumulative=True,
        ),
        _kpi(
            "coselling.win_rate_with_partner",
            _("Win rate with partner"),
            "percent",
            "higher",
            lambda f: _win_rate(f.won_with, f.closed_with),
        ),
        _kpi(
            "coselling.win_rate_without_partner",
            _("Win rate without partner"),
            "percent",
            "higher",
            lambda f: _win_rate(f.won_without, f.closed_without),
        ),
        _kpi(
            "coselling.rescue_share",
            _("Rescue share"),
            "percent",
            "lower",
            lambda f: Measurement(rate(f.rescues, f.involvements), n=f.involvements),
            _(
                "Share of the partner involvements that came in only to rescue a deal (late, at risk or lost)."
            ),
        ),
        _kpi(
            "coselling.lead_acceptance",
            _("Partner leads accepted"),
            "percent",
            "higher",
            lambda f: Measurement(rate(f.leads_accepted, f.leads_decided), n=f.leads_decided),
        ),
    )
    # marketing's leads use the same object (source "marketing"): their acceptance belongs to the alignment figures
    kpi_register(
        Kpi(
            key="alignment.mql_acceptance",
            module="alignment",
            label=_("Marketing leads accepted by sales (MQL to SAL)"),
            unit="percent",
            better="higher",
            source=_marketing_leads,
            pick=lambda measurement: measurement,
            capabilities=(Capability.ALIGNMENT_FIGURES_VIEW,),
        )
    )
    breakdown_register(
        Breakdown(
            key="coselling.lead_balance",
            module=MODULE,
            label=_("Lead balance per partner (received minus sent)"),
            unit="count",
            rows=lead_balance,
            capabilities=SEES,
            filters=("partner",),
        )
    )
