from __future__ import annotations

from handschlag.alliances.enums import HealthVerdict
from handschlag.alliances.scoring import (
    HealthSignals,
    WeightedRating,
    fit_red_flags,
    fit_score,
    offer_assessment,
    partnership_health,
)


def test_fit_score_is_the_weighted_mean_of_rated_criteria() -> None:
    assert fit_score([WeightedRating(3, 5), WeightedRating(1, 1), WeightedRating(2, None)]) == 80
    assert fit_score([WeightedRating(2, None)]) is None


def test_red_flags_are_computed_from_the_data() -> None:
    flags = fit_red_flags(
        has_agreement=True,
        has_joint_targets=True,
        leads_to_us_per_quarter=10,
        leads_to_partner_per_quarter=0,
        enabled_users=0,
    )
    assert [flag.code for flag in flags] == ["one_way_value", "nobody_enabled"]
    logo = fit_red_flags(
        has_agreement=True,
        has_joint_targets=False,
        leads_to_us_per_quarter=0,
        leads_to_partner_per_quarter=0,
        enabled_users=3,
    )
    assert [flag.code for flag in logo] == ["logo_partnership"]


def test_commission_for_access_to_our_customers_is_one_sided_with_the_reason() -> None:
    assessment = offer_assessment(gives=["commission", "free_trial"], asks=["customer_access", "event_stage"])
    assert assessment.one_sided is True
    assert assessment.score <= 20
    assert "commission for access" in assessment.reasons[0]


def test_an_offer_with_long_term_value_is_not_one_sided() -> None:
    assessment = offer_assessment(gives=["commission", "integration", "referrals"], asks=["customer_access"])
    assert assessment.one_sided is False
    assert assessment.score == 62


def test_health_verdicts() -> None:
    lived = partnership_health(HealthSignals(True, True, 0.9, True, 10, 3))
    assert lived.verdict == HealthVerdict.LIVED
    paper = partnership_health(HealthSignals(True, False, None, False, None, 200))
    assert paper.verdict == HealthVerdict.PAPER_ONLY
    assert "No joint targets." in paper.reasons
    lukewarm = partnership_health(HealthSignals(True, True, 0.3, False, None, 60))
    assert lukewarm.verdict == HealthVerdict.LUKEWARM
