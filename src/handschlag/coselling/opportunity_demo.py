"""Demo opportunities (source 002 and 000), after the partnerships (20) and their mapping (25), before the leads
(45):

- our own history: closed deals without a partner (won about a third of the time, slowly) and with the lived
  alliance, which comes in early (at "Bedarfsanalyse") and wins more often, faster — so the calculator shows a
  seller that he earns more with the partner (an open deal of "verkauf" at "Bedarfsanalyse", partner not on it
  yet); open joint pipeline; incentive plans;
- the logo partner, called in only to rescue a deal already lost (reopened): its one involvement is a rescue, so
  health v2 says "paper only" with that deal as the reason;
- the commission partner of source 000: a referral-only partnership (10 % referral fee) and a deal we passed to
  him as a referral.

Through the services (history, audit), dated in the past year; generated names only. The large demo adds 1M
opportunities with their stage history in bulk (`build_large`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from handschlag.alliances import services as alliance_services
from handschlag.alliances.enums import AgreementStatus, PartnerTier, PartnerType
from handschlag.alliances.inputs import AgreementInput, PartnerInput
from handschlag.core.demo import DemoContext
from handschlag.core.inputs import input_build
from handschlag.coselling.enums import InvolvementReason, InvolvementRole, StageKind
from handschlag.coselling.inputs import (
    IncentivePlanInput,
    InvolvementInput,
    OpportunityInput,
    RiskInput,
    StageMoveInput,
)
from handschlag.coselling.models import Opportunity, PipelineStage, ProductLine
from handschlag.coselling.services.incentives import incentive_plan_save
from handschlag.coselling.services.opportunities import (
    involvement_add,
    opportunity_create,
    opportunity_mark_risk,
    opportunity_move,
    pipeline_default_ensure,
)

PRODUCT_LINES = ("Fräsmaschinen", "Automatisierung", "Service")
COMMISSION_PARTNER = "Provisio Empfehlungsnetz GmbH"
CALCULATOR_DEAL = "Bearbeitungszentrum Halle 3"
RESCUE_DEAL = "Beschichtungsanlage Werk Süd"
REFERRAL_DEAL = "Planungssoftware für die Arbeitsvorbereitung"

MACHINES = (
    "Fräszentrum",
    "Drehmaschine",
    "Schleifmaschine",
    "Roboterzelle",
    "Transferstraße",
    "Montagelinie",
    "Prüfstand",
    "Retrofit Steuerung",
)


def demo_present() -> bool:
    return Opportunity.objects.exists()


def _stages() -> dict[str, PipelineStage]:
    pipeline = (
        pipeline_default_ensure()
    )  # migration 0001's pipeline is gone after a flush (transactional tests)
    return {stage.name: stage for stage in PipelineStage.objects.filter(pipeline=pipeline)}


class _Story:
    def __init__(self, context: DemoContext, accounts: list[Any]) -> None:
        self.context = context
        self.accounts = accounts
        self.stages = _stages()
        self.now = timezone.now()
        self.index = 0
        self.lines = [ProductLine.objects.get_or_create(name=name)[0] for name in PRODUCT_LINES]

    def account(self) -> Any:
        self.index += 1
        return self.accounts[(self.index * 7 + 11) % len(self.accounts)]

    def create(
        self, seller: Any, *, days_ago: float, amount: int, title: str = "", **values: Any
    ) -> Opportunity:
        account = values.pop("account", None) or self.account()
        machine = MACHINES[self.index % len(MACHINES)]
        return opportunity_create(
            actor=seller,
            data=input_build(
                OpportunityInput,
                {
                    "account_id": account.pk,
                    "title": title or f"{machine} {account.name.split()[0]}",
                    "amount": Decimal(amount),
                    "product_line_id": self.lines[self.index % 2].pk,
                    "expected_close_date": (self.now + dt.timedelta(days=30 + self.index % 60)).date(),
                    **values,
                },
            ),
            now=self.at(days_ago),
        )

    def at(self, days_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago)

    def move(
        self, seller: Any, deal: Opportunity, stage: str, *, days_ago: float, **values: Any
    ) -> Opportunity:
        return opportunity_move(
            actor=seller,
            opportunity=deal,
            data=input_build(StageMoveInput, {"stage_id": self.stages[stage].pk, **values}),
            now=self.at(days_ago),
        )

    def involve(
        self, seller: Any, deal: Opportunity, partner: Any, *, days_ago: float, **values: Any
    ) -> None:
        involvement_add(
            actor=seller,
            opportunity=deal,
            data=input_build(
                InvolvementInput, {"partner_id": partner.pk, "joined_at": self.at(days_ago), **values}
            ),
            now=self.at(days_ago - 0.01),
        )


def build_opportunities(context: DemoContext) -> dict[str, object]:
    partnerships: dict[str, Any] = context.built.get("partnerships") or {}
    lived, paper = partnerships.get("lived"), partnerships.get("paper")
    accounts = [account for account in context.built.get("accounts") or [] if account.pk]
    if lived is None or paper is None or len(accounts) < 40 or demo_present():
        return {}
    story = _Story(context, accounts)
    sellers = [context.users["verkauf"], context.users["verkauf2"], context.users["verkauf3"]]
    manager = context.users["partner"]
    lived_agreement = partnerships["lived_agreement"]
    incentive_plan_save(
        actor=manager,
        agreement=lived_agreement,
        data=input_build(
            IncentivePlanInput,
            {
                "seller_commission_percent": "3",
                "sourced_multiplier": "1.5",
                "influenced_multiplier": "1.3",
                "seller_credit_percent": "100",
                "referral_fee_percent": "5",
                "seller_referral_share_percent": "50",
                "commission_cap": "20000",
            },
        ),
    )
    # our own deals without a partner: 24 closed through "Bedarfsanalyse", 7 won, about 80 days to close
    for number in range(24):
        seller = sellers[number % 3]
        start = 330 - number * 11
        deal = story.create(seller, days_ago=start, amount=60_000 + 9_000 * (number % 9))
        story.move(seller, deal, "Bedarfsanalyse", days_ago=start - 12)
        story.move(seller, deal, "Angebot", days_ago=start - 35)
        won = number % 7 in (0, 3) or number == 23
        if won:
            story.move(seller, deal, "Gewonnen", days_ago=start - 78 - number % 5)
        else:
            story.move(seller, deal, "Verloren", days_ago=start - 70, lost_reason="Preis")
    # with the lived alliance, who comes in early: 14 closed (12 entered at "Bedarfsanalyse"), 11 won, faster
    for number in range(14):
        seller = sellers[number % 3]
        start = 320 - number * 20
        deal = story.create(seller, days_ago=start, amount=150_000 + 20_000 * (number % 6))
        story.move(seller, deal, "Bedarfsanalyse", days_ago=start - 7)
        entry = "Bedarfsanalyse" if number < 12 else "Qualifizierung"
        story.involve(
            seller,
            deal,
            lived,
            days_ago=start - (9 if entry == "Bedarfsanalyse" else 3)
            if entry == "Bedarfsanalyse"
            else start - 3,
            role=InvolvementRole.SOURCED if number % 4 == 0 else InvolvementRole.INFLUENCED,
            reason=InvolvementReason.NEW,
        )
        story.move(seller, deal, "Angebot", days_ago=start - 25)
        if number % 5 == 4:
            story.move(seller, deal, "Verloren", days_ago=start - 45, lost_reason="Projekt verschoben")
        else:
            story.move(seller, deal, "Gewonnen", days_ago=start - 48 - number % 4)
    # open joint pipeline with the lived alliance
    for number, (stage, amount) in enumerate(
        [("Bedarfsanalyse", 380_000), ("Angebot", 240_000), ("Verhandlung", 410_000)]
    ):
        seller = sellers[number % 3]
        deal = story.create(seller, days_ago=40 - number * 9, amount=amount)
        story.involve(seller, deal, lived, days_ago=38 - number * 9, role=InvolvementRole.INFLUENCED)
        story.move(seller, deal, stage, days_ago=30 - number * 9)
    # the deal on which the calculator shows the seller what he earns with the partner
    calculator = story.create(sellers[0], days_ago=14, amount=250_000, title=CALCULATOR_DEAL)
    story.move(sellers[0], calculator, "Bedarfsanalyse", days_ago=6)
    # open deals of our own, one of them at risk
    for number in range(8):
        seller = sellers[number % 3]
        deal = story.create(seller, days_ago=50 - number * 5, amount=45_000 + 15_000 * number)
        if number % 2:
            story.move(seller, deal, "Angebot", days_ago=40 - number * 5)
        if number == 5:
            opportunity_mark_risk(
                actor=seller,
                opportunity=deal,
                data=input_build(
                    RiskInput, {"at_risk": True, "reason": "Wettbewerber mit kürzerer Lieferzeit"}
                ),
                now=story.at(10),
            )
    # the logo partner: called in only after the deal was lost, to rescue it
    rescue = story.create(sellers[1], days_ago=120, amount=320_000, title=RESCUE_DEAL)
    story.move(sellers[1], rescue, "Angebot", days_ago=95)
    story.move(
        sellers[1],
        rescue,
        "Verloren",
        days_ago=60,
        lost_reason="Wettbewerber hatte die Beschichtung im Angebot",
    )
    story.move(
        sellers[1], rescue, "Verhandlung", days_ago=50, reopen=True, note="Zweiter Anlauf mit Glanzwerk"
    )
    story.involve(
        sellers[1],
        rescue,
        paper,
        days_ago=49,
        role=InvolvementRole.INFLUENCED,
        reason=InvolvementReason.REOPENED,
    )
    commission = _commission_partner(context, story, manager)
    return {"calculator": calculator, "rescue": rescue, "commission_partner": commission}


def _commission_partner(context: DemoContext, story: _Story, manager: Any) -> Any:
    """Source 000: a company that offered a percentage for recommending its software. We took it as what it is —
    a referral partnership, nothing more — and passed it one deal as a referral (10 % referral fee)."""
    management = context.users["leitung"]
    partner = alliance_services.partner_create(
        actor=manager,
        data=PartnerInput(
            name=COMMISSION_PARTNER,
            partner_type=PartnerType.REFERRAL,
            tier=PartnerTier.REGISTERED,
            description="Vertreibt Planungssoftware; zahlt 10 % Provision auf empfohlene Aufträge.",
        ),
    )
    agreement = alliance_services.agreement_create(
        actor=management,
        data=input_build(
            AgreementInput,
            {
                "partner_id": partner.pk,
                "title": "Empfehlungsvereinbarung Planungssoftware",
                "status": AgreementStatus.ACTIVE,
                "scope": "Wir empfehlen die Software, wo ein Kunde sie braucht; keine weitere Zusammenarbeit.",
                "starts_on": (story.now - dt.timedelta(days=150)).date(),
            },
        ),
    )
    incentive_plan_save(
        actor=manager,
        agreement=agreement,
        data=input_build(
            IncentivePlanInput,
            {
                "seller_commission_percent": "3",
                "sourced_multiplier": "1",
                "influenced_multiplier": "1",
                "referral_fee_percent": "10",
                "seller_referral_share_percent": "50",
                "referral_fee_cap": "5000",
            },
        ),
    )
    seller = context.users["verkauf3"]
    deal = story.create(seller, days_ago=70, amount=24_000, title=REFERRAL_DEAL)
    story.involve(seller, deal, partner, days_ago=68, role=InvolvementRole.FULFILLED)
    story.move(seller, deal, "Gewonnen", days_ago=40)
    return partner


def demo_step(context: DemoContext) -> None:
    context.built["opportunities"] = build_opportunities(context)
    if context.size == "large":
        build_large(context)


# --- large demo: 1M opportunities with stage history, in bulk ---------------------------------------------------

LARGE_OPPORTUNITIES = 1_000_000


def build_large(context: DemoContext, *, count: int = LARGE_OPPORTUNITIES) -> int:
    """`count` more opportunities on the demo accounts, each with its stage history (creation, moves, close).

    Written with COPY on PostgreSQL (bulk_create elsewhere): minutes, not hours. Deterministic (the context's
    random). Returns how many were written."""
    from handschlag.coselling.large_demo import write_large

    return write_large(context, count=count, stages=_stages(), connection=connection, kind_of=StageKind)
