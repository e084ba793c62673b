"""Co-selling figures (DESIGN §3.8) read from the stage history, and the incentive calculator's inputs.

Win rate = won ÷ closed; "our historical win rate without a partner at stage S" counts closed deals without any
partner that passed through S (a stage change into S); "with partner P at stage S" counts closed deals on which P
came in at S. Time to close = creation → close of won deals (median of the latest `CYCLE_SAMPLE`). Rescue share =
rescue involvements ÷ involvements.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from handschlag.alliances.enums import AgreementStatus
from handschlag.alliances.extensions import DealFigures
from handschlag.alliances.selectors import agreement_list, partner_list
from handschlag.coselling.calculator import Option, PlanTerms, WinRate, options
from handschlag.coselling.enums import InvolvementRole, OpportunityStatus
from handschlag.coselling.models import (
    IncentivePlan,
    Opportunity,
    PartnerInvolvement,
    PipelineStage,
    StageChange,
)

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner

CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST)
CYCLE_SAMPLE = 2000
RESCUE_TITLES = 2
CACHE_SECONDS = 300  # figures over all deals without a partner: read once per five minutes


def _rate(aggregate: Mapping[str, Any]) -> WinRate:
    return WinRate(won=int(aggregate.get("won") or 0), closed=int(aggregate.get("closed") or 0))


def _has_partner() -> Exists:
    return Exists(PartnerInvolvement.objects.filter(opportunity=OuterRef("opportunity")))


def win_rate_alone_at(stage: PipelineStage, *, exclude_id: int | None = None) -> WinRate:
    """Closed deals without a partner that passed through `stage`."""
    key = f"coselling:alone:{stage.pk}"
    cached = cache.get(key) if exclude_id is None else None
    if cached is not None:
        return WinRate(*cached)
    changes = StageChange.objects.filter(to_stage=stage, opportunity__status__in=CLOSED).filter(
        ~_has_partner()
    )
    if exclude_id is not None:
        changes = changes.exclude(opportunity_id=exclude_id)
    rate = _rate(
        changes.aggregate(
            closed=Count("opportunity", distinct=True),
            won=Count("opportunity", distinct=True, filter=Q(opportunity__status=OpportunityStatus.WON)),
        )
    )
    if exclude_id is None:
        cache.set(key, (rate.won, rate.closed), CACHE_SECONDS)
    return rate


def win_rate_with_partner(
    partner: Partner,
    *,
    stage: PipelineStage | None = None,
    role: str | None = None,
    exclude_id: int | None = None,
) -> WinRate:
    involvements = PartnerInvolvement.objects.filter(partner=partner, opportunity__status__in=CLOSED)
    if stage is not None:
        involvements = involvements.filter(stage_at_entry=stage)
    if role is not None:
        involvements = involvements.filter(role=role)
    if exclude_id is not None:
        involvements = involvements.exclude(opportunity_id=exclude_id)
    return _rate(
        involvements.aggregate(
            closed=Count("id"), won=Count("id", filter=Q(opportunity__status=OpportunityStatus.WON))
        )
    )


def plan_terms(plan: IncentivePlan) -> PlanTerms:
    return PlanTerms(
        seller_commission_percent=plan.seller_commission_percent,
        sourced_multiplier=plan.sourced_multiplier,
        influenced_multiplier=plan.influenced_multiplier,
        seller_credit_percent=plan.seller_credit_percent,
        referral_fee_percent=plan.referral_fee_percent,
        seller_referral_share_percent=plan.seller_referral_share_percent,
        commission_cap=plan.commission_cap,
        referral_fee_cap=plan.referral_fee_cap,
    )


def incentive_plan_of(partner: Partner) -> IncentivePlan | None:
    return (
        IncentivePlan.objects.filter(agreement__partner=partner, agreement__status=AgreementStatus.ACTIVE)
        .select_related("agreement")
        .first()
    )


def partners_with_plans() -> list[Partner]:
    return list(
        partner_list()
        .filter(agreements__status=AgreementStatus.ACTIVE, agreements__incentives__isnull=False)
        .distinct()
    )


@dataclass(frozen=True)
class Calculation:
    partner: Partner
    plan: IncentivePlan
    stage: PipelineStage
    amount: Decimal
    options: list[Option]
    with_partner_any_stage: WinRate

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


def calculation_for(*, opportunity: Opportunity, partner: Partner) -> Calculation | None:
    """Alone, with the partner (influenced, sourced) and as a referral — None without an incentive plan.

    The stage is the one at which the partner came in (if he is on the deal) or the deal's stage now."""
    plan = incentive_plan_of(partner)
    if plan is None:
        return None
    involvement = (
        PartnerInvolvement.objects.filter(opportunity=opportunity, partner=partner)
        .select_related("stage_at_entry")
        .first()
    )
    stage = involvement.stage_at_entry if involvement is not None else opportunity.stage
    # an open deal is in no sample of closed deals: nothing to leave out, and the cached rates serve
    exclude = opportunity.pk if opportunity.status != OpportunityStatus.OPEN else None
    result = options(
        opportunity.amount,
        plan_terms(plan),
        alone=win_rate_alone_at(stage, exclude_id=exclude),
        with_partner=win_rate_with_partner(partner, stage=stage, exclude_id=exclude),
        referral=win_rate_with_partner(partner, role=InvolvementRole.FULFILLED, exclude_id=exclude),
    )
    return Calculation(
        partner=partner,
        plan=plan,
        stage=stage,
        amount=opportunity.amount,
        options=result,
        with_partner_any_stage=win_rate_with_partner(partner, exclude_id=exclude),
    )


# --- figures per partner (health signal, charts) --------------------------------------------------------------


def _median_days(pairs: Sequence[tuple[dt.datetime, dt.datetime | None]]) -> float | None:
    durations = [
        (closed - created).total_seconds() / 86400 for created, closed in pairs if closed is not None
    ]
    return round(statistics.median(durations), 1) if durations else None


def figures_without_partner() -> tuple[WinRate, float | None]:
    """Our win rate and median time to close on deals without any partner (cached for a few minutes)."""
    cached = cache.get("coselling:without")
    if cached is not None:
        won, closed, cycle = cached
        return WinRate(won, closed), cycle
    alone = Opportunity.objects.filter(status__in=CLOSED).filter(
        ~Exists(PartnerInvolvement.objects.filter(opportunity=OuterRef("pk")))
    )
    rate = _rate(alone.aggregate(closed=Count("id"), won=Count("id", filter=Q(status=OpportunityStatus.WON))))
    pairs = list(
        alone.filter(status=OpportunityStatus.WON)
        .order_by("-closed_at")
        .values_list("created_at", "closed_at")[:CYCLE_SAMPLE]
    )
    cycle = _median_days(pairs)
    cache.set("coselling:without", (rate.won, rate.closed, cycle), CACHE_SECONDS)
    return rate, cycle


def deal_figures_by_partner(partner_ids: Sequence[int]) -> dict[int, DealFigures]:
    """DealFigures per partner id in a fixed number of queries (partners without joint deals are left out)."""
    ids = list(partner_ids)
    if not ids:
        return {}
    rows = (
        PartnerInvolvement.objects.filter(partner_id__in=ids)
        .values("partner_id")
        .annotate(
            involved=Count("id"),
            open_count=Count("id", filter=Q(opportunity__status=OpportunityStatus.OPEN)),
            open_pipeline=Sum("opportunity__amount", filter=Q(opportunity__status=OpportunityStatus.OPEN)),
            won=Count("id", filter=Q(opportunity__status=OpportunityStatus.WON)),
            lost=Count("id", filter=Q(opportunity__status=OpportunityStatus.LOST)),
            won_amount=Sum("opportunity__amount", filter=Q(opportunity__status=OpportunityStatus.WON)),
            rescues=Count("id", filter=~Q(rescue_reason="")),
            sourced=Count("id", filter=Q(role=InvolvementRole.SOURCED)),
            last_joint_at=Max("joined_at"),
        )
        .order_by()
    )
    without, cycle_without = figures_without_partner()
    cycles: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for partner_id, created, closed in (
        PartnerInvolvement.objects.filter(partner_id__in=ids, opportunity__status=OpportunityStatus.WON)
        .order_by("-opportunity__closed_at")
        .values_list("partner_id", "opportunity__created_at", "opportunity__closed_at")[:CYCLE_SAMPLE]
    ):
        cycles.setdefault(partner_id, []).append((created, closed))
    rescue_titles: dict[int, list[str]] = {}
    for partner_id, title in (
        PartnerInvolvement.objects.filter(partner_id__in=ids)
        .exclude(rescue_reason="")
        .order_by("-joined_at", "-id")
        .values_list("partner_id", "opportunity__title")[: 3 * len(ids)]
    ):
        titles = rescue_titles.setdefault(partner_id, [])
        if len(titles) < RESCUE_TITLES:
            titles.append(title)
    result: dict[int, DealFigures] = {}
    for row in rows:
        with_partner = WinRate(won=row["won"], closed=row["won"] + row["lost"])
        result[row["partner_id"]] = DealFigures(
            involved=row["involved"],
            open_count=row["open_count"],
            open_pipeline=float(row["open_pipeline"] or 0),
            won=row["won"],
            lost=row["lost"],
            won_amount=float(row["won_amount"] or 0),
            rescues=row["rescues"],
            sourced=row["sourced"],
            win_rate_with=with_partner.rate,
            win_rate_without=without.rate,
            closed_without=without.closed,
            cycle_days_with=_median_days(cycles.get(row["partner_id"], [])),
            cycle_days_without=cycle_without,
            last_joint_at=row["last_joint_at"],
            rescue_titles=tuple(rescue_titles.get(row["partner_id"], [])),
        )
    return result


def deal_signal(agreement_ids: Sequence[int]) -> dict[int, DealFigures]:
    """The health signal SIGNAL_DEALS: each agreement gets its partner's joint deal figures (read over every
    joint deal, so kept CACHE_SECONDS per set of partners: the partner list shows it on every visit)."""
    partner_of = dict(agreement_list().filter(pk__in=list(agreement_ids)).values_list("pk", "partner_id"))
    partner_ids = sorted(set(partner_of.values()))
    ids = ",".join(str(partner_id) for partner_id in partner_ids)
    key = "coselling:deal_signal:" + hashlib.sha256(ids.encode()).hexdigest()
    by_partner: dict[int, DealFigures] | None = cache.get(key)
    if by_partner is None:
        by_partner = deal_figures_by_partner(partner_ids)
        cache.set(key, by_partner, CACHE_SECONDS)
    return {
        agreement_id: by_partner[partner_id]
        for agreement_id, partner_id in partner_of.items()
        if partner_id in by_partner
    }


def rescue_deals_of(partner: Partner, *, limit: int = 5) -> list[PartnerInvolvement]:
    return list(
        PartnerInvolvement.objects.filter(partner=partner)
        .exclude(rescue_reason="")
        .select_related("opportunity", "stage_at_entry")
        .order_by("-joined_at")[:limit]
    )


def joint_by_quarter(
    partner: Partner, *, quarters: int = 4, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Joint pipeline created and joint wins per calendar quarter (the latest `quarters`, oldest first)."""
    now = now or timezone.now()
    starts = []
    year, quarter = now.year, (now.month - 1) // 3
    for _index in range(quarters):
        starts.append(dt.datetime(year, quarter * 3 + 1, 1, tzinfo=dt.UTC))
        quarter -= 1
        if quarter < 0:
            quarter, year = 3, year - 1
    starts.reverse()
    rows = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        involvements = PartnerInvolvement.objects.filter(partner=partner, joined_at__gte=start)
        won = PartnerInvolvement.objects.filter(
            partner=partner, opportunity__status=OpportunityStatus.WON, opportunity__closed_at__gte=start
        )
        if end is not None:
            involvements = involvements.filter(joined_at__lt=end)
            won = won.filter(opportunity__closed_at__lt=end)
        rows.append(
            {
                "label": f"Q{(start.month - 1) // 3 + 1} {start.year}",
                "pipeline": involvements.aggregate(total=Sum("opportunity__amount"))["total"] or Decimal(0),
                "wins": won.count(),
            }
        )
    return rows
