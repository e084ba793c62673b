"""Demo partnerships (generated names only), after the accounts: three stories from sources 002 and 000.

- a strategic alliance that is lived: targets, value proposition read by the sellers, a portal login for the
  partner (and a fresh account mapping both sides agreed to: mapping/demo.py, from `context.built["partnerships"]`);
- a "logo" partnership that is paper only: signed, no targets, nobody enabled, no mapping;
- a small software company's commission-only offer waiting in triage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from handschlag.alliances import services
from handschlag.alliances.enums import AgreementStatus, OfferAsk, OfferGive, PartnerTier, PartnerType
from handschlag.alliances.inputs import (
    AgreementInput,
    FitRatingsInput,
    OfferInput,
    PartnerContactInput,
    PartnerInput,
    PortalUserInput,
)
from handschlag.alliances.models import FitCriterion, Partner
from handschlag.core.demo import DEMO_PASSWORD, DemoContext
from handschlag.core.inputs import input_build
from handschlag.core.models import User

PORTAL_USERNAME = "nordlicht"
LIVED_PARTNER = "Nordlicht Automation GmbH"
PAPER_PARTNER = "Glanzwerk Industrie AG"
OFFER_COMPANY = "Klickfix Software UG (haftungsbeschränkt)"


def build_partnerships(context: DemoContext) -> dict[str, object]:
    if Partner.objects.exists():
        return {}
    manager: User = context.users["partner"]
    today = dt.date(2026, 11, 23)
    criteria = list(FitCriterion.objects.order_by("position", "id"))

    lived = services.partner_create(
        actor=manager,
        data=PartnerInput(
            name=LIVED_PARTNER,
            partner_type=PartnerType.STRATEGIC_ALLIANCE,
            tier=PartnerTier.STRATEGIC,
            website="nordlicht-automation.example",
            description="Steuerungs- und Automatisierungssoftware für Sondermaschinen.",
            manager_id=manager.pk,
        ),
    )
    services.partner_contact_create(
        actor=manager,
        partner=lived,
        data=PartnerContactInput(
            name="Frieda Nordmann", position="Partner-Managerin", email="f.nordmann@nordlicht.example"
        ),
    )
    services.fit_ratings_set(
        actor=manager,
        partner=lived,
        data=FitRatingsInput(scores={c.pk: 4 + (i % 2) for i, c in enumerate(criteria)}),
    )
    lived_agreement = services.agreement_create(
        actor=manager,
        data=input_build(
            AgreementInput,
            {
                "partner_id": lived.pk,
                "title": "Strategische Allianz Maschine + Steuerung",
                "status": AgreementStatus.ACTIVE,
                "scope": "Sondermaschinen mit Nordlicht-Steuerung, DACH, Kunden ab 100 Mitarbeitern.",
                "starts_on": today - dt.timedelta(days=200),
                "ends_on": today + dt.timedelta(days=530),
                "leads_to_us_per_quarter": 6,
                "leads_to_partner_per_quarter": 6,
                "joint_pipeline_target": Decimal("2500000.00"),
                "joint_wins_target": 8,
                "incentive_plan": "Verkäufer: 1,2-fache Provision auf partnergebrachte Aufträge; Empfehlungsprämie 3 %.",
                "value_proposition": (
                    "Maschine und Steuerung aus einer Hand: ein Ansprechpartner, eine Inbetriebnahme, "
                    "eine Gewährleistung. Ihr Kunde spart Schnittstellenaufwand und Wochen bis zur Abnahme."
                ),
            },
        ),
    )
    portal_user = services.portal_user_create(
        actor=manager,
        partner=lived,
        data=PortalUserInput(
            username=PORTAL_USERNAME,
            email="vertrieb@nordlicht.example",
            first_name="Nils",
            last_name="Nordlicht",
            password=DEMO_PASSWORD,
        ),
    )
    for user in context.users.values():
        if user.role in {"seller", "partner_manager"}:
            services.value_proposition_acknowledge(actor=user, agreement=lived_agreement)

    paper = services.partner_create(
        actor=manager,
        data=PartnerInput(
            name=PAPER_PARTNER,
            partner_type=PartnerType.TECHNOLOGY,
            tier=PartnerTier.GOLD,
            description="Oberflächentechnik. Logo auf der Website seit der Messe.",
        ),
    )
    services.agreement_create(
        actor=context.users["leitung"],
        data=AgreementInput(
            partner_id=paper.pk,
            title="Technologiepartnerschaft (Pressemitteilung)",
            status=AgreementStatus.ACTIVE,
            scope="Gemeinsame Innovationen im Bereich Oberflächen.",
            starts_on=today - dt.timedelta(days=420),
        ),
    )
    services.fit_ratings_set(
        actor=manager, partner=paper, data=FitRatingsInput(scores={c.pk: 2 for c in criteria[:3]})
    )
    Partner.objects.filter(pk=paper.pk).update(updated_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))
    paper.agreements.update(updated_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))

    offer = services.offer_create(
        actor=manager,
        data=OfferInput(
            company_name=OFFER_COMPANY,
            contact_name="Timo Klick",
            contact_email="timo.klick@klickfix.example",
            received_on=today - dt.timedelta(days=2),
            summary=(
                "Fand uns im Veranstaltungskalender. Bietet einen kostenlosen Testzugang und eine prozentuale "
                "Beteiligung am Verkauf seiner Software, wenn wir sie auf unserer Veranstaltung nächste Woche "
                "vorstellen und unseren Kunden empfehlen. Eine gründliche Analyse seines Produkts will er nicht."
            ),
            gives=[OfferGive.COMMISSION, OfferGive.FREE_TRIAL],
            asks=[OfferAsk.EVENT_STAGE, OfferAsk.CUSTOMER_ACCESS, OfferAsk.FEEDBACK],
        ),
    )
    return {
        "lived": lived,
        "lived_agreement": lived_agreement,
        "manager": manager,
        "paper": paper,
        "offer": offer,
        "portal_user": portal_user,
    }


def demo_step(context: DemoContext) -> None:
    # for the later steps (mapping: the lived agreement's sharing rules, opt-ins and mapping); empty when the
    # partnerships were there already
    context.built["partnerships"] = build_partnerships(context)
