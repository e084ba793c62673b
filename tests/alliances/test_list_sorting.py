"""Sorting the partner list and the offer list: every whitelisted ordering (both directions) answers 200 with the
expected first row, unrated partners stay last, an unknown value falls back to the default, filters are kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handschlag.alliances.enums import OfferStatus, PartnerTier, PartnerType
from handschlag.alliances.models import FitCriterion, FitRating, Partner
from handschlag.alliances.services import value_proposition_acknowledge
from handschlag.core.enums import Role
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory
from tests.alliances.health_signals import register_lived
from tests.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


def _partner(name: str, *, tier: str, score: int | None) -> Partner:
    partner = PartnerFactory(organisation=PartnerOrganisationFactory(name=name), tier=tier)
    if score is not None:
        for criterion in FitCriterion.objects.all():
            FitRating.objects.create(partner=partner, criterion=criterion, score=score)
    return partner


@pytest.fixture
def partners(make_user: Any, monkeypatch: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    lived = _partner("Nordlicht Automation GmbH", tier=PartnerTier.STRATEGIC, score=5)
    lived.partner_type = PartnerType.TECHNOLOGY
    lived.save()
    agreement = AgreementFactory(partner=lived)
    # health v2: lived because of leads both ways and joint deals (co-selling's figures, stood in for here)
    register_lived(monkeypatch, [agreement.pk])
    for reader in [make_user(Role.SELLER) for _ in range(2)]:
        value_proposition_acknowledge(actor=reader, agreement=agreement)
    paper = _partner("Glanzwerk Industrie AG", tier=PartnerTier.GOLD, score=2)
    unrated = _partner("Zeta Neu GmbH", tier=PartnerTier.REGISTERED, score=None)
    return {"manager": manager, "lived": lived, "paper": paper, "unrated": unrated}


PARTNER_EXPECTED_FIRST = {
    "name": ("paper", "unrated"),
    "tier": ("lived", "unrated"),
    "fit": ("paper", "lived"),
    "agreements": ("paper", "lived"),
    "health": ("lived", "paper"),
}


def test_every_partner_ordering_answers_with_the_right_first_row(
    partners: dict[str, Any], page_as: Any
) -> None:
    client = page_as(partners["manager"])
    for key, (ascending, descending) in PARTNER_EXPECTED_FIRST.items():
        for ordering, expected in ((key, ascending), (f"-{key}", descending)):
            response = client.get(reverse("alliances:partner_list"), {"sort": ordering})
            assert response.status_code == 200, ordering
            assert response.context["overviews"][0].partner == partners[expected], ordering
    for ordering in ("type", "-type", "flags", "-flags"):
        response = client.get(reverse("alliances:partner_list"), {"sort": ordering})
        assert response.status_code == 200
        assert len(response.context["overviews"]) == 3


def test_a_partner_without_a_fit_score_stays_last_both_ways(partners: dict[str, Any], page_as: Any) -> None:
    client = page_as(partners["manager"])
    for ordering in ("fit", "-fit"):
        overviews = client.get(reverse("alliances:partner_list"), {"sort": ordering}).context["overviews"]
        assert overviews[-1].partner == partners["unrated"]


@pytest.mark.parametrize("bogus", ["bogus", "-", "partner__name", "--fit"])
def test_an_unknown_partner_ordering_falls_back_to_name(
    partners: dict[str, Any], page_as: Any, bogus: str
) -> None:
    response = page_as(partners["manager"]).get(reverse("alliances:partner_list"), {"sort": bogus, "q": "a"})
    assert response.status_code == 200
    assert response.context["ordering"] == "name"
    assert [overview.partner.name for overview in response.context["overviews"]] == [
        "Glanzwerk Industrie AG",
        "Nordlicht Automation GmbH",
        "Zeta Neu GmbH",
    ]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'name="sort" value="name"' in html  # the filter form keeps the ordering


def test_the_partner_list_query_count_does_not_depend_on_the_ordering(
    partners: dict[str, Any], page_as: Any, django_assert_num_queries: Any
) -> None:
    client = page_as(partners["manager"])
    client.get(reverse("alliances:partner_list"))
    with CaptureQueriesContext(connection) as default:
        client.get(reverse("alliances:partner_list"))
    for ordering in ("-fit", "health", "-agreements"):
        with django_assert_num_queries(len(default.captured_queries)):
            client.get(reverse("alliances:partner_list"), {"sort": ordering})


@pytest.fixture
def offers(make_user: Any) -> dict[str, Any]:
    rich = OfferFactory(
        company_name="Antriebstechnik Berg GmbH",
        received_on=dt.date(2026, 3, 1),
        status=OfferStatus.NEW,
        gives=["integration", "expertise", "joint_development", "referrals"],
        asks=[],
    )
    thin = OfferFactory(
        company_name="Zugang Vertrieb AG",
        received_on=dt.date(2026, 6, 1),
        status=OfferStatus.DECLINED,
        gives=["commission"],
        asks=["customer_access", "data"],
    )
    return {"rich": rich, "thin": thin, "triager": make_user(Role.MANAGEMENT, language="en")}


OFFER_EXPECTED_FIRST = {
    "company": ("rich", "thin"),
    "received": ("rich", "thin"),
    "status": ("rich", "thin"),
    "value": ("thin", "rich"),
}


def test_every_offer_ordering_answers_with_the_right_first_row(offers: dict[str, Any], page_as: Any) -> None:
    client = page_as(offers["triager"])
    for key, (ascending, descending) in OFFER_EXPECTED_FIRST.items():
        for ordering, expected in ((key, ascending), (f"-{key}", descending)):
            response = client.get(reverse("alliances:offer_list"), {"sort": ordering})
            assert response.status_code == 200, ordering
            assert response.context["offers"][0][0] == offers[expected], ordering
    response = client.get(reverse("alliances:offer_list"), {"sort": "received_on"})
    assert response.status_code == 200
    assert response.context["ordering"] == "-received"
    assert response.context["offers"][0][0] == offers["thin"]
