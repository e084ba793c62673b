"""Pure functions of the partnership module: fit score, red flags, offer triage, health. No ORM in here.

Selectors gather the named signals from the database; these functions decide. Each verdict comes with the
reasons behind it, in words for a person (docs/adr/0303).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.alliances.enums import HealthVerdict, OfferAsk, OfferGive
from handschlag.alliances.extensions import LEAD_WINDOW_DAYS, DealFigures, LeadFigures

MIN_SAMPLE = 10  # closed deals before a win rate is compared (as the co-selling calculator)

# --- fit scorecard -------------------------------------------------------------------------------------------

MAX_RATING = 5


@dataclass(frozen=True)
class WeightedRating:
    weight: int
    score: int | None  # None: not rated yet


def fit_score(ratings: Iterable[WeightedRating]) -> int | None:
    """0-100: the weighted mean of the rated criteria; None while nothing is rated."""
    rated = [rating for rating in ratings if rating.score is not None and rating.weight > 0]
    total_weight = sum(rating.weight for rating in rated)
    if not total_weight:
        return None
    points = sum(rating.weight * (rating.score or 0) for rating in rated)
    return round(100 * points / (total_weight * MAX_RATING))


@dataclass(frozen=True)
class RedFlag:
    code: str
    message: str


def fit_red_flags(
    *,
    has_agreement: bool,
    has_joint_targets: bool,
    leads_to_us_per_quarter: int,
    leads_to_partner_per_quarter: int,
    enabled_users: int,
) -> list[RedFlag]:
    """Red flags computed from what the data says, never typed by anyone."""
    flags: list[RedFlag] = []
    if not has_agreement or not has_joint_targets:
        flags.append(
            RedFlag(
                "logo_partnership",
                _("No joint targets: a logo partnership that nobody measures."),
            )
        )
    if bool(leads_to_us_per_quarter) != bool(leads_to_partner_per_quarter):
        direction = _("to us") if leads_to_us_per_quarter else _("to the partner")
        flags.append(
            RedFlag(
                "one_way_value",
                _("Value flows one way only: leads are planned %(direction)s and none back.")
                % {"direction": direction},
            )
        )
    if enabled_users == 0:
        flags.append(
            RedFlag("nobody_enabled", _("Nobody of ours has read the value proposition of this partnership."))
        )
    return flags


# --- offer triage ----------------------------------------------------------------------------------------------

# What each give is worth to us over the long term (0-3), and what each ask costs us (0-3).
GIVE_VALUE: dict[str, int] = {
    OfferGive.COMMISSION: 0,
    OfferGive.FREE_TRIAL: 0,
    OfferGive.REFERRALS: 2,
    OfferGive.CUSTOMER_ACCESS: 3,
    OfferGive.CO_MARKETING: 2,
    OfferGive.INTEGRATION: 3,
    OfferGive.EXPERTISE: 2,
    OfferGive.JOINT_DEVELOPMENT: 3,
    OfferGive.TRAINING: 1,
}
ASK_COST: dict[str, int] = {
    OfferAsk.CUSTOMER_ACCESS: 3,
    OfferAsk.EVENT_STAGE: 2,
    OfferAsk.REFERRALS: 2,
    OfferAsk.RESELLING: 2,
    OfferAsk.FEEDBACK: 1,
    OfferAsk.INVESTMENT: 2,
    OfferAsk.DATA: 3,
}
SHORT_TERM_GIVES = {OfferGive.COMMISSION, OfferGive.FREE_TRIAL}
ACCESS_ASKS = {OfferAsk.CUSTOMER_ACCESS, OfferAsk.EVENT_STAGE, OfferAsk.REFERRALS, OfferAsk.DATA}


@dataclass(frozen=True)
class OfferAssessment:
    score: int  # 0-100, 50 = balanced
    one_sided: bool
    reasons: list[str] = field(default_factory=list)


def offer_assessment(*, gives: Sequence[str], asks: Sequence[str]) -> OfferAssessment:
    """A mutual, long-term value score for a proposal, and the one-sided flag of source 000.

    One-sided: they ask for access to our customers (or our stage, referrals, data) and give nothing but a
    commission or a free trial — a cheap sales multiplier, not a partnership.
    """
    give_set, ask_set = set(gives), set(asks)
    value = sum(GIVE_VALUE.get(give, 0) for give in give_set)
    cost = sum(ASK_COST.get(ask, 0) for ask in ask_set)
    score = 50 if value == cost else round(100 * value / (value + cost))
    reasons: list[str] = []
    one_sided = bool(ask_set & ACCESS_ASKS) and give_set <= SHORT_TERM_GIVES
    if one_sided:
        offered = ", ".join(str(OfferGive(give).label) for give in sorted(give_set)) or _("nothing")
        asked = ", ".join(str(OfferAsk(ask).label) for ask in sorted(ask_set & ACCESS_ASKS))
        reasons.append(
            _(
                "One-sided: they ask for %(asked)s and give only %(offered)s — a commission for access to "
                "our customers, with no long-term value for us."
            )
            % {"asked": asked, "offered": offered}
        )
        score = min(score, 20)
    if not give_set:
        reasons.append(_("They offer nothing."))
    if not ask_set:
        reasons.append(_("They ask for nothing yet: find out what they want before deciding."))
    long_term = [str(OfferGive(give).label) for give in sorted(give_set) if GIVE_VALUE.get(give, 0) >= 2]
    if long_term:
        reasons.append(_("Long-term value for us: %(gives)s.") % {"gives": ", ".join(long_term)})
    return OfferAssessment(score=score, one_sided=one_sided, reasons=reasons)


# --- health ------------------------------------------------------------------------------------------------------

FRESH_MAPPING_DAYS = 90
RECENT_ACTIVITY_DAYS = 30
STALE_ACTIVITY_DAYS = 90
GOOD_COVERAGE = 0.8
GOOD_ACCEPTANCE = 0.6
HIGH_RESCUE_SHARE = 0.5
LOW_RESCUE_SHARE = 0.25


@dataclass(frozen=True)
class HealthSignals:
    """What the health score looks at (docs/adr/0303, health v2 in docs/adr/0310). Keep the names stable.

    v1 signals come first (positional use stays valid); v2 adds what partners actually do: `leads` (LeadFigures
    of the co-selling module), `deals` (DealFigures), the agreement's targets and when each side was last active.
    """

    has_active_agreement: bool
    targets_set: bool
    enablement_coverage: float | None  # share of customer-facing users who read the value proposition
    mapping_done: bool
    mapping_age_days: int | None
    days_since_activity: int | None  # our side: the agreement, enablement or mapping (v1)
    leads: LeadFigures | None = None
    deals: DealFigures | None = None
    leads_to_us_target: int = 0  # per quarter
    leads_to_partner_target: int = 0
    joint_pipeline_target: float = 0.0
    joint_wins_target: int = 0
    days_since_partner_activity: int | None = None  # a lead from him, or him coming into a deal


@dataclass(frozen=True)
class HealthResult:
    verdict: HealthVerdict
    points: int  # 0-100
    reasons: list[str]


def _share_of(value: float, target: float) -> float:
    return min(value / target, 1.0) if target > 0 else (1.0 if value > 0 else 0.0)


def _percent(share: float) -> int:
    return round(share * 100)


def _money(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _lead_points(signals: HealthSignals, reasons: list[str]) -> tuple[int, bool, bool]:
    """Leads each way against the targets (20) and their acceptance (10); whether each way had leads."""
    leads = signals.leads or LeadFigures()
    points = 0
    received, sent = leads.received, leads.sent
    points += round(10 * _share_of(received, signals.leads_to_us_target))
    points += round(10 * _share_of(sent, signals.leads_to_partner_target))
    reasons.append(
        _(
            "Leads from the partner: %(received)d in %(days)d days (target %(target)d per quarter); "
            "to the partner: %(sent)d (target %(target_out)d)."
        )
        % {
            "received": received,
            "sent": sent,
            "days": LEAD_WINDOW_DAYS,
            "target": signals.leads_to_us_target,
            "target_out": signals.leads_to_partner_target,
        }
    )
    if leads.decided:
        rate = leads.accepted / leads.decided
        points += round(10 * min(rate / GOOD_ACCEPTANCE, 1))
        hours = leads.hours_to_accept
        reasons.append(
            (
                _(
                    "Acceptance: %(percent)d %% of %(decided)d decided leads, median %(hours)s hours to accept."
                )
                if hours is not None
                else _("Acceptance: %(percent)d %% of %(decided)d decided leads.")
            )
            % {"percent": _percent(rate), "decided": leads.decided, "hours": f"{hours:.0f}" if hours else "0"}
        )
    return points, received > 0, sent > 0


def _deal_points(signals: HealthSignals, reasons: list[str]) -> tuple[int, bool]:
    """Joint pipeline (10), joint wins (10), rescue share (10), win rate with vs without (10); whether
    there is joint business that is not only rescues."""
    deals = signals.deals or DealFigures()
    points = 0
    if not deals.involved:
        reasons.append(_("No joint opportunities yet."))
        return 0, False
    points += round(10 * _share_of(deals.open_pipeline, signals.joint_pipeline_target))
    reasons.append(
        _("Joint pipeline: %(amount)s EUR in %(count)d open deals (target %(target)s EUR).")
        % {
            "amount": _money(deals.open_pipeline),
            "count": deals.open_count,
            "target": _money(signals.joint_pipeline_target),
        }
    )
    points += round(10 * _share_of(deals.won, signals.joint_wins_target))
    reasons.append(
        _("Joint wins: %(won)d of %(closed)d closed joint deals (target %(target)d per year).")
        % {"won": deals.won, "closed": deals.closed, "target": signals.joint_wins_target}
    )
    share = deals.rescue_share or 0.0
    if deals.rescues:
        example = (
            _(" Latest: %(deals)s.") % {"deals": "; ".join(deals.rescue_titles)}
            if deals.rescue_titles
            else ""
        )
        reasons.append(
            _(
                "Rescue deals: %(rescues)d of %(involved)d joint deals (%(percent)d %%) — the partner was called in "
                "only after the deal was late, at risk or lost.%(example)s"
            )
            % {
                "rescues": deals.rescues,
                "involved": deals.involved,
                "percent": _percent(share),
                "example": example,
            }
        )
    else:
        reasons.append(_("No rescue deals: the partner comes in early."))
    if share <= LOW_RESCUE_SHARE:
        points += 10
    elif share <= HIGH_RESCUE_SHARE:
        points += 5
    if deals.win_rate_with is not None and deals.win_rate_without is not None:
        better = deals.win_rate_with >= deals.win_rate_without
        points += 10 if better else 0
        reasons.append(
            _(
                "Win rate with the partner %(with)d %% (n = %(n_with)d) vs. %(without)d %% without (n = %(n_without)d)."
            )
            % {
                "with": _percent(deals.win_rate_with),
                "n_with": deals.closed,
                "without": _percent(deals.win_rate_without),
                "n_without": deals.closed_without,
            }
        )
    else:
        reasons.append(
            _("Win rate with vs. without the partner: not enough history (n < %(min)d).")
            % {"min": MIN_SAMPLE}
        )
    if deals.cycle_days_with is not None and deals.cycle_days_without is not None:
        reasons.append(
            _("Time to close with the partner %(with)s days vs. %(without)s days without.")
            % {"with": f"{deals.cycle_days_with:.0f}", "without": f"{deals.cycle_days_without:.0f}"}
        )
    return points, deals.rescues < deals.involved


def partnership_health(signals: HealthSignals) -> HealthResult:
    """Lived, lukewarm or paper only, with the reasons and their figures (health v2, docs/adr/0310).

    Points: what partners do — leads each way against targets 20, acceptance 10, joint pipeline 10, joint wins
    10, rescue share 10, win rate with vs. without 10, both sides active lately 10 — and the groundwork — targets
    5, enablement 10, mapping 5. Lived ≥ 70, lukewarm ≥ 35. A partnership without leads and without joint deals
    (or with rescue deals only) is paper only whatever its groundwork; leads one way only cap it at lukewarm."""
    points = 0
    reasons: list[str] = []
    if not signals.has_active_agreement:
        reasons.append(_("No active agreement."))
    lead_points, leads_in, leads_out = _lead_points(signals, reasons)
    deal_points, real_joint_business = _deal_points(signals, reasons)
    points += lead_points + deal_points
    partner_days = signals.days_since_partner_activity
    if partner_days is not None and partner_days <= RECENT_ACTIVITY_DAYS:
        points += 5
        reasons.append(
            _("The partner was active in the last %(days)d days.") % {"days": RECENT_ACTIVITY_DAYS}
        )
    elif partner_days is not None:
        reasons.append(_("The partner's last activity was %(days)d days ago.") % {"days": partner_days})
    else:
        reasons.append(_("The partner has not done anything yet."))
    days = signals.days_since_activity
    if days is not None and days <= RECENT_ACTIVITY_DAYS:
        points += 5
        reasons.append(_("Our side was active in the last %(days)d days.") % {"days": RECENT_ACTIVITY_DAYS})
    elif days is not None and days <= STALE_ACTIVITY_DAYS:
        points += 2
        reasons.append(_("Our last activity was %(days)d days ago.") % {"days": days})
    else:
        reasons.append(_("No activity of ours for more than %(days)d days.") % {"days": STALE_ACTIVITY_DAYS})
    if signals.targets_set:
        points += 5
        reasons.append(_("Joint targets are set."))
    else:
        reasons.append(_("No joint targets."))
    coverage = signals.enablement_coverage
    if coverage is None or coverage == 0:
        reasons.append(_("Nobody has read the value proposition."))
    else:
        points += round(10 * min(coverage / GOOD_COVERAGE, 1))
        reasons.append(
            _("%(percent)d %% of our customer-facing people know the value proposition.")
            % {"percent": round(coverage * 100)}
        )
    if signals.mapping_done and signals.mapping_age_days is not None:
        if signals.mapping_age_days <= FRESH_MAPPING_DAYS:
            points += 5
            age = signals.mapping_age_days
            reasons.append(
                _("Account mapping is fresh (from today).")
                if age == 0
                else ngettext(
                    "Account mapping is fresh (%(days)d day old).",
                    "Account mapping is fresh (%(days)d days old).",
                    age,
                )
                % {"days": age}
            )
        else:
            points += 2
            reasons.append(
                _("Account mapping is stale (%(days)d days old).") % {"days": signals.mapping_age_days}
            )
    else:
        reasons.append(_("No account mapping yet."))
    caps: list[tuple[int, str]] = []
    if not signals.has_active_agreement:
        caps.append((20, ""))
    if not (leads_in or leads_out) and not real_joint_business:
        caps.append(
            (
                34,
                _("Paper only: no leads either way and no joint deals beyond rescues.")
                if (signals.deals and signals.deals.involved)
                else _("Paper only: no leads either way and no joint pipeline."),
            )
        )
    elif leads_in != leads_out:
        caps.append((69, _("Leads flow one way only.")))
    for cap, reason in caps:
        if points > cap:
            points = cap
        if reason:
            reasons.insert(0, reason)
    if points >= 70:
        verdict = HealthVerdict.LIVED
    elif points >= 35:
        verdict = HealthVerdict.LUKEWARM
    else:
        verdict = HealthVerdict.PAPER_ONLY
    return HealthResult(verdict=verdict, points=points, reasons=reasons)
