"""Demo partnerships (generated names only), after the accounts: three stories from sources 002 and 000.

- a strategic alliance that is lived: targets, value proposition read by the sellers, a fresh account mapping
  both sides agreed to, and a portal login for the partner;
- a "logo" partnership that is paper only: signed, no targets, nobody enabled, no mapping;
- a small software company's commission-only offer waiting in triage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.models import Account
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
from handschlag.mapping.enums import SharingLevel
from handschlag.mapping.inputs import SharingRulesPatch
from handschlag.mapping.services import mapping_run_create, mapping_run_execute, sharing_rules_set

PORTAL_USERNAME = "nordlicht"
LIVED_PARTNER = "Nordlicht Automation GmbH"
PAPER_PARTNER = "Glanzwerk Industrie AG"
OFFER_COMPANY = "Klickfix Software UG (haftungsbeschränkt)"


def _partner_list_csv(accounts: list[Account], context: DemoContext) -> bytes:
    """The partner's CRM export: some of our accounts under its own spelling, plus companies only it knows."""
    rng = context.random
    lines = ["Kundennummer;Firma;Website;Straße;PLZ;Ort;Status"]
    sample = rng.sample(accounts, min(len(accounts), 60))
    partner_statuses = ["Kunde", "Kunde", "Interessent", "offene Chance", "ehemaliger Kunde"]
    for index, account in enumerate(sample):
        name = account.name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        lines.append(
            f"NL-{1000 + index};{name} {account.legal_form};www.{account.domain};{account.street};"
            f"{account.postal_code};{account.city};{rng.choice(partner_statuses)}"
        )
    for index in range(25):
        lines.append(
            f"NL-{5000 + index};Nordkunde {index} GmbH;nordkunde-{index}.de;Hafenstraße {index + 1};"
            f"2{index:04d};Hamburg;Kunde"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_partnerships(context: DemoContext, *, accounts: list[Account]) -> dict[str, object]:
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
    sharing_rules_set(
        actor=manager,
        agreement=lived_agreement,
        patch=input_build(
            SharingRulesPatch,
            {
                "rules": {
                    "customer": {
                        "level": SharingLevel.ACCOUNTS,
                        "fields": ["owner", "open_opportunity", "city"],
                    },
                    "open_opportunity": {"level": SharingLevel.ACCOUNTS, "fields": ["owner"]},
                    "prospect": {"level": SharingLevel.COUNTS},
                    "former_customer": {"level": SharingLevel.HIDDEN},
                }
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
    services.agreement_opt_in(actor=manager, agreement=lived_agreement)
    services.agreement_opt_in(actor=portal_user, agreement=lived_agreement)
    for user in context.users.values():
        if user.role in {"seller", "partner_manager"}:
            services.value_proposition_acknowledge(actor=user, agreement=lived_agreement)
    customers = [account for account in accounts if account.status != AccountStatus.FORMER_CUSTOMER]
    run = mapping_run_create(
        actor=manager,
        agreement=lived_agreement,
        upload=SimpleUploadedFile("nordlicht-kunden.csv", _partner_list_csv(customers, context), "text/csv"),
    )
    mapping_run_execute(run=run)

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
    return {"lived": lived, "paper": paper, "offer": offer, "portal_user": portal_user, "run": run}


def demo_step(context: DemoContext) -> None:
    build_partnerships(context, accounts=context.built["accounts"])
