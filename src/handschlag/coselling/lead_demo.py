"""Demo leads and deal registrations (source 002): the lived alliance exchanges leads both ways — most accepted
and turned into opportunities with the partner as source, one declined with its reason, one waiting in our inbox,
one of ours waiting in the partner's — and registers deals: one approved whose protection ends soon, one waiting
for the partner manager with a conflict (our own open opportunity on that account and product line). The paper
partner has none of this. Everything goes through the services, dated in the last quarter so that the health
score reads it. Generated company names only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from handschlag.core.demo import DemoContext
from handschlag.core.inputs import input_build
from handschlag.coselling.lead_inputs import (
    DealRegistrationInput,
    LeadDecisionInput,
    LeadOfferInput,
    RegistrationDecisionInput,
)
from handschlag.coselling.models import DealRegistration, Lead, ProductLine
from handschlag.coselling.services.leads import lead_decide, lead_offer
from handschlag.coselling.services.registrations import registration_create, registration_decide

DEMO_PRODUCT_LINES = ("Fräsmaschinen", "Automatisierung")

# (days ago, company, need, amount, decision or None, reason)
LEADS_TO_US = [
    (75, "Weserland Präzisionsguss", "Zwei Bearbeitungszentren für die Gießerei", "420000", "accept", ""),
    (52, "Alpenblick Verpackungstechnik", "Automatisierte Linie für Kartonagen", "185000", "accept", ""),
    (33, "Rheinauen Kunststoffwerk", "Retrofit der Spritzgussautomation", "96000", "decline", "no_capacity"),
    (18, "Moorfeld Fahrzeugteile", "Fräszelle mit Roboterbeladung", "310000", "accept", ""),
    (11, "Kieselbach Medizintechnik", "Reinraumtaugliche Fräsmaschine", "230000", "accept", ""),
    (6, "Eichgrund Landmaschinen", "Automatisierte Schweißzelle", "140000", "accept", ""),
]
LEADS_TO_PARTNER = [
    (64, "Tannenhof Holzsysteme", "Steuerungssoftware für eine bestehende Anlage", "60000", "accept"),
    (40, "Seeblick Lebensmitteltechnik", "MES-Anbindung der Abfüllung", "45000", "accept"),
    (27, "Birkenweg Elektronik", "Software für die Prüfstände", "52000", "accept"),
    (15, "Kranichfeld Logistik", "Lagerverwaltung an die Förderanlage anbinden", "70000", "accept"),
    (8, "Sonnhalde Textilmaschinen", "Visualisierung für zwölf Webmaschinen", "33000", "accept"),
]


def _product_lines() -> list[ProductLine]:
    return [ProductLine.objects.get_or_create(name=name)[0] for name in DEMO_PRODUCT_LINES]


def _offer(actor: Any, when: dt.datetime, **values: Any) -> Lead:
    return lead_offer(
        actor=actor,
        data=input_build(LeadOfferInput, {"contact_name": "Ansprechpartner Einkauf", **values}),
        now=when,
    )


def build_leads(context: DemoContext) -> dict[str, object]:
    partnerships: dict[str, Any] = context.built.get("partnerships") or {}
    partner = partnerships.get("lived")
    portal_user = partnerships.get("portal_user")
    if partner is None or portal_user is None:
        return {}
    # marketing's leads (alignment's demo) may be there already; the partner's are this step's
    if (
        Lead.objects.filter(partner=partner).exists()
        or DealRegistration.objects.filter(partner=partner).exists()
    ):
        return {}
    seller = context.users["verkauf"]
    manager = context.users["partner"]
    milling, automation = _product_lines()
    now = timezone.now()
    leads: list[Lead] = []
    for index, (days, company, need, amount, decision, reason) in enumerate(LEADS_TO_US):
        offered_at = now - dt.timedelta(days=days)
        lead = _offer(
            portal_user,
            offered_at,
            company_name=f"{company} GmbH",
            company_domain=f"demo-lead-{index}.example",
            need=need,
            estimated_amount=Decimal(amount),
            product_line_id=(milling if index % 2 == 0 else automation).pk,
            contact_email=f"einkauf{index}@demo-lead-{index}.example",
        )
        lead_decide(
            actor=seller,
            lead=lead,
            data=input_build(LeadDecisionInput, {"decision": decision, "reason": reason}),
            now=offered_at + dt.timedelta(hours=3 + index),
        )
        leads.append(lead)
    for index, (days, company, need, amount, decision) in enumerate(LEADS_TO_PARTNER):
        offered_at = now - dt.timedelta(days=days)
        lead = _offer(
            seller,
            offered_at,
            partner_id=partner.pk,
            company_name=f"{company} GmbH",
            company_domain=f"demo-ours-{index}.example",
            need=need,
            estimated_amount=Decimal(amount),
        )
        lead_decide(
            actor=portal_user,
            lead=lead,
            data=input_build(LeadDecisionInput, {"decision": decision}),
            now=offered_at + dt.timedelta(hours=5),
        )
        leads.append(lead)
    # waiting: one lead for us (in the partner manager's inbox), one of ours for the partner
    leads.append(
        _offer(
            portal_user,
            now - dt.timedelta(hours=2),
            company_name="Heidekamp Anlagenbau GmbH",
            company_domain="demo-heidekamp.example",
            need="Fräszentrum für Großteile, Angebot bis Jahresende",
            estimated_amount=Decimal("275000"),
            product_line_id=milling.pk,
        )
    )
    leads.append(
        _offer(
            manager,
            now - dt.timedelta(hours=1),
            partner_id=partner.pk,
            company_name="Lindenau Pumpenbau GmbH",
            company_domain="demo-lindenau.example",
            need="Fernwartung für 40 Pumpstationen",
            estimated_amount=Decimal("38000"),
        )
    )
    registrations = _registrations(context, portal_user=portal_user, manager=manager, milling=milling)
    return {"leads": leads, "registrations": registrations}


def _registrations(
    context: DemoContext, *, portal_user: Any, manager: Any, milling: ProductLine
) -> list[DealRegistration]:
    accounts = [account for account in context.built.get("accounts") or [] if account.pk][:40]
    if len(accounts) < 2:
        return []
    protected, contested = accounts[3], accounts[7]
    now = timezone.now()
    approved = registration_create(
        actor=portal_user,
        data=input_build(
            DealRegistrationInput,
            {
                "company_name": protected.display_name,
                "company_domain": protected.domain,
                "company_city": protected.city,
                "product_line_id": milling.pk,
                "title": "Bearbeitungszentrum mit Automationszelle",
                "amount": Decimal("240000"),
                "expected_close_date": (now + dt.timedelta(days=30)).date(),
            },
        ),
    )
    approved = registration_decide(
        actor=manager,
        registration=approved,
        data=input_build(RegistrationDecisionInput, {"decision": "approve", "protection_days": 90}),
        now=now - dt.timedelta(days=80),  # protected for ten more days: on the "expiring soon" list
    )
    _our_open_opportunity(context, account=contested, product_line=milling)
    pending = registration_create(
        actor=portal_user,
        data=input_build(
            DealRegistrationInput,
            {
                "company_name": contested.display_name,
                "company_domain": contested.domain,
                "company_city": contested.city,
                "product_line_id": milling.pk,
                "title": "Fräsmaschinen für das neue Werk",
                "amount": Decimal("520000"),
                "description": "Der Kunde plant ein zweites Werk; wir kennen den Werkleiter seit Jahren.",
            },
        ),
    )
    return [approved, pending]


def _our_open_opportunity(context: DemoContext, *, account: Any, product_line: ProductLine) -> None:
    """Our seller's own open opportunity on the contested account: the conflict the approver sees."""
    from handschlag.coselling.inputs import OpportunityInput
    from handschlag.coselling.services.opportunities import opportunity_create

    opportunity_create(
        actor=context.users["verkauf"],
        data=input_build(
            OpportunityInput,
            {
                "account_id": account.pk,
                "title": "Ersatzmaschine Halle 2",
                "product_line_id": product_line.pk,
                "amount": Decimal("180000"),
            },
        ),
        now=timezone.now() - dt.timedelta(days=12),
    )


def demo_step(context: DemoContext) -> None:
    context.built["leads"] = build_leads(context)
