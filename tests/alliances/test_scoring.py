from __future__ import annotations

from handschlag.alliances.enums import HealthVerdict
from handschlag.alliances.extensions import DealFigures, LeadFigures
from handschlag.alliances.scoring import (
    HealthSignals,
    WeightedRating,
    fit_red_flags,
    fit_score,
    offer_assessment,
    partnership_health,
)
from tests.alliances.health_signals import lived_figures


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
    # Health v2 (docs/adr/0310): v1 judged "lived" from targets, enablement, a mapping and recent activity alone —
    # a paper-only partner became lived in two minutes (issue 12). Now what the partners do decides.
    leads, deals = lived_figures()
    lived = partnership_health(
        HealthSignals(
            True,
            True,
            0.9,
            True,
            10,
            3,
            leads=leads,
            deals=deals,
            leads_to_us_target=5,
            leads_to_partner_target=5,
            joint_wins_target=4,
            days_since_partner_activity=2,
        )
    )
    assert lived.verdict == HealthVerdict.LIVED
    assert (
        "Leads from the partner: 6 in 90 days (target 5 per quarter); to the partner: 5 (target 5)."
        in lived.reasons
    )
    assert "Win rate with the partner 73 % (n = 11) vs. 31 % without (n = 40)." in lived.reasons
    paper = partnership_health(HealthSignals(True, False, None, False, None, 200))
    assert paper.verdict == HealthVerdict.PAPER_ONLY
    assert "No joint targets." in paper.reasons


def test_groundwork_without_leads_and_joint_pipeline_is_never_lived() -> None:
    groundwork = partnership_health(HealthSignals(True, True, 1.0, True, 0, 0, leads_to_us_target=5))
    assert groundwork.verdict == HealthVerdict.PAPER_ONLY
    assert groundwork.reasons[0] == "Paper only: no leads either way and no joint pipeline."


def test_rescue_deals_only_are_paper_only_with_the_deal_named() -> None:
    rescue = DealFigures(
        involved=1, lost=0, open_count=1, open_pipeline=80_000.0, rescues=1, rescue_titles=("Presse 7",)
    )
    result = partnership_health(
        HealthSignals(True, True, 1.0, True, 0, 0, deals=rescue, days_since_partner_activity=1)
    )
    assert result.verdict == HealthVerdict.PAPER_ONLY
    assert result.reasons[0] == "Paper only: no leads either way and no joint deals beyond rescues."
    assert any(
        reason.startswith("Rescue deals: 1 of 1 joint deals (100 %)") and "Presse 7" in reason
        for reason in result.reasons
    )


def test_leads_one_way_only_cap_at_lukewarm() -> None:
    leads, deals = lived_figures()
    one_way = LeadFigures(received=6, sent=0, decided=6, accepted=6, last_received_at=leads.last_received_at)
    result = partnership_health(
        HealthSignals(True, True, 1.0, True, 0, 0, leads=one_way, deals=deals, days_since_partner_activity=0)
    )
    assert result.verdict == HealthVerdict.LUKEWARM
    assert result.points == 69
    assert result.reasons[0] == "Leads flow one way only."
