"""Builders and fixtures of the lead and deal-registration tests (the opportunity tests have their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from handschlag.accounts.models import Account
from handschlag.alliances.models import Agreement, Partner
from handschlag.core.enums import Role
from handschlag.core.models import User
from handschlag.coselling.lead_inputs import DealRegistrationInput, LeadOfferInput
from handschlag.coselling.models import DealRegistration, Lead, ProductLine
from handschlag.coselling.services.leads import lead_offer
from handschlag.coselling.services.registrations import registration_create
from tests.alliances.factories import AgreementFactory, PartnerFactory
from tests.factories import AccountFactory, UserFactory

# a Monday morning in Baden-Württemberg, no holiday near
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class World:
    partner: Partner
    agreement: Agreement
    partner_user: User
    other_partner: Partner
    other_partner_user: User
    partner_manager: User
    seller: User
    management: User
    marketing: User
    process_owner: User
    admin: User
    product_line: ProductLine
    account: Account


@pytest.fixture(name="world")
def world_fixture(db: None) -> Iterator[World]:
    """The people and things of a lead test; afterwards the thread's language is reset (a page request as a German
    user leaves German active in the thread)."""
    yield _world()
    translation.deactivate()


def ensure_default_pipeline() -> None:
    """The default pipeline migration 0001 creates; a transactional test (PostgreSQL, browser) flushes it away."""
    import importlib

    from django.apps import apps

    importlib.import_module("handschlag.coselling.migrations.0001_initial").default_pipeline(apps, None)


def _world() -> World:
    ensure_default_pipeline()
    partner_manager = UserFactory(role=Role.PARTNER_MANAGER, username="pm")
    partner = PartnerFactory(name="Nordlicht Automation GmbH", organisation__name="Nordlicht Automation GmbH")
    partner.manager = partner_manager
    partner.save()
    other = PartnerFactory(name="Sonnenschein Software AG", organisation__name="Sonnenschein Software AG")
    seller = UserFactory(role=Role.SELLER, username="verkauf")
    return World(
        partner=partner,
        agreement=AgreementFactory(partner=partner),
        partner_user=UserFactory(
            role=Role.PARTNER_USER, username="nordlicht", organisation=partner.organisation
        ),
        other_partner=other,
        other_partner_user=UserFactory(
            role=Role.PARTNER_USER, username="sonnenschein", organisation=other.organisation
        ),
        partner_manager=partner_manager,
        seller=seller,
        management=UserFactory(role=Role.MANAGEMENT, username="gf"),
        marketing=UserFactory(role=Role.MARKETING, username="marketing"),
        process_owner=UserFactory(role=Role.PROCESS_OWNER, username="qm"),
        admin=UserFactory(role=Role.ADMIN, username="it"),
        product_line=ProductLine.objects.get_or_create(name="Fräsmaschinen")[0],
        account=AccountFactory(
            name="Hansa Präzisionsteile",
            legal_form="GmbH",
            domain="hansa-praezision.de",
            city="Bremen",
            postal_code="28195",
            owner=seller,
        ),
    )


def offer_values(**values: Any) -> dict[str, Any]:
    return {
        "company_name": "Hansa Präzisionsteile GmbH",
        "company_domain": "hansa-praezision.de",
        "company_city": "Bremen",
        "contact_name": "Erika Beispiel",
        "contact_email": "erika@hansa-praezision.de",
        "contact_phone": "+49 421 000000",
        "need": "Zwei Fräszentren für die neue Halle",
        "estimated_amount": Decimal("250000"),
        **values,
    }


def offer(actor: User, *, now: dt.datetime = T0, **values: Any) -> Lead:
    return lead_offer(actor=actor, data=LeadOfferInput(**offer_values(**values)), now=now)


def registration_values(world: World, **values: Any) -> dict[str, Any]:
    return {
        "company_name": "Hansa Präzisionsteile GmbH",
        "company_domain": "hansa-praezision.de",
        "company_city": "Bremen",
        "product_line_id": world.product_line.pk,
        "title": "Fräszentren Halle 3",
        "amount": Decimal("180000"),
        **values,
    }


def register(world: World, actor: User | None = None, **values: Any) -> DealRegistration:
    return registration_create(
        actor=actor or world.partner_user, data=DealRegistrationInput(**registration_values(world, **values))
    )
