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


@dataclass(frozen=True)
class HealthSignals:
    """What the health score looks at. Grows with lead exchange and joint deals; keep the names stable."""

    has_active_agreement: bool
    targets_set: bool
    enablement_coverage: float | None  # share of customer-facing users who read the value proposition
    mapping_done: bool
    mapping_age_days: int | None
    days_since_activity: int | None


@dataclass(frozen=True)
class HealthResult:
    verdict: HealthVerdict
    points: int  # 0-100
    reasons: list[str]


def partnership_health(signals: HealthSignals) -> HealthResult:
    """Lived, lukewarm or paper only, with the reasons. One function; new signals add points and reasons."""
    points = 0
    reasons: list[str] = []
    if not signals.has_active_agreement:
        reasons.append(_("No active agreement."))
    if signals.targets_set:
        points += 25
        reasons.append(_("Joint targets are set."))
    else:
        reasons.append(_("No joint targets."))
    coverage = signals.enablement_coverage
    if coverage is None or coverage == 0:
        reasons.append(_("Nobody has read the value proposition."))
    else:
        points += round(25 * min(coverage / GOOD_COVERAGE, 1))
        reasons.append(
            _("%(percent)d %% of our customer-facing people know the value proposition.")
            % {"percent": round(coverage * 100)}
        )
    if signals.mapping_done and signals.mapping_age_days is not None:
        if signals.mapping_age_days <= FRESH_MAPPING_DAYS:
            points += 25
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
            points += 10
            reasons.append(
                _("Account mapping is stale (%(days)d days old).") % {"days": signals.mapping_age_days}
            )
    else:
        reasons.append(_("No account mapping yet."))
    days = signals.days_since_activity
    if days is not None and days <= RECENT_ACTIVITY_DAYS:
        points += 25
        reasons.append(_("Activity in the last %(days)d days.") % {"days": RECENT_ACTIVITY_DAYS})
    elif days is not None and days <= STALE_ACTIVITY_DAYS:
        points += 10
        reasons.append(_("Last activity %(days)d days ago.") % {"days": days})
    else:
        reasons.append(_("No activity for more than %(days)d days.") % {"days": STALE_ACTIVITY_DAYS})
    if not signals.has_active_agreement:
        points = min(points, 20)
    if points >= 70:
        verdict = HealthVerdict.LIVED
    elif points >= 35:
        verdict = HealthVerdict.LUKEWARM
    else:
        verdict = HealthVerdict.PAPER_ONLY
    return HealthResult(verdict=verdict, points=points, reasons=reasons)
