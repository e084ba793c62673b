"""The partners list: health verdict and fit score per partner, filter by verdict, CSV export, and a query
count that does not grow with the number of partners."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from handschlag.alliances.models import FitCriterion, FitRating, Partner
from handschlag.alliances.selectors import partner_health, partner_overview_list, partner_scorecard
from handschlag.alliances.services import value_proposition_acknowledge
from handschlag.core.enums import Role
from tests.alliances.factories import AgreementFactory, PartnerFactory
from tests.alliances.health_signals import register_lived
from tests.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


LIVED_AGREEMENTS: list[int] = []


def _rated_partner(name: str, *, score: int, lived: bool, readers: list[Any]) -> Partner:
    partner = PartnerFactory(organisation=PartnerOrganisationFactory(name=name))
    for criterion in FitCriterion.objects.all():
        FitRating.objects.create(partner=partner, criterion=criterion, score=score)
    if lived:
        agreement = AgreementFactory(partner=partner)
        LIVED_AGREEMENTS.append(agreement.pk)
        for reader in readers:
            value_proposition_acknowledge(actor=reader, agreement=agreement)
    return partner


@pytest.fixture
def partners(make_user: Any, monkeypatch: Any) -> dict[str, Any]:
    # Health v2: targets and a read value proposition no longer make a partnership lived; leads both ways and
    # joint deals do (the co-selling module's figures, stood in for here by register_lived).
    LIVED_AGREEMENTS.clear()
    register_lived(monkeypatch, LIVED_AGREEMENTS)
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    sellers = [make_user(Role.SELLER) for _ in range(2)]
    lived = _rated_partner("Nordlicht Automation GmbH", score=5, lived=True, readers=sellers)
    paper = _rated_partner("Glanzwerk Industrie AG", score=2, lived=False, readers=[])
    unrated = PartnerFactory(organisation=PartnerOrganisationFactory(name="Zeta Neu GmbH"))
    return {"manager": manager, "lived": lived, "paper": paper, "unrated": unrated}


def test_the_overview_says_the_same_as_each_partners_page(partners: dict[str, Any]) -> None:
    overviews = {overview.partner.pk: overview for overview in partner_overview_list()}
    for key in ("lived", "paper", "unrated"):
        partner = partners[key]
        health = partner_health(partner=partner)
        scorecard = partner_scorecard(partner=partner)
        overview = overviews[partner.pk]
        assert (overview.health.verdict, overview.health.points, overview.health.reasons) == (
            health.verdict,
            health.points,
            health.reasons,
        )
        assert overview.fit_score == scorecard.score
        assert overview.red_flag_count == len(scorecard.red_flags)
    assert overviews[partners["lived"].pk].fit_score == 100
    assert overviews[partners["paper"].pk].health.verdict == "paper_only"
    assert overviews[partners["unrated"].pk].fit_score is None


def test_the_list_shows_verdict_and_fit_and_filters_by_verdict(
    partners: dict[str, Any], page_as: Any
) -> None:
    client = page_as(partners["manager"])
    page = client.get("/partners/").content.decode()
    assert "Paper only" in page
    assert "100 / 100" in page
    assert "40 / 100" in page
    paper_only = client.get("/partners/?verdict=paper_only").content.decode()
    assert "Glanzwerk Industrie AG" in paper_only
    assert "Zeta Neu GmbH" in paper_only
    assert "Nordlicht Automation GmbH" not in paper_only
    assert "Glanzwerk" not in client.get("/partners/?verdict=lived").content.decode()
    nothing = client.get("/partners/?verdict=lived&q=Glanzwerk").content.decode()
    assert "No partner matches these filters." in nothing
    assert client.get("/partners/?verdict=bogus").status_code == 200  # unknown verdict: no filter


def test_the_csv_export_follows_the_filters(partners: dict[str, Any], page_as: Any) -> None:
    answer = page_as(partners["manager"]).get("/partners/export.csv?verdict=paper_only")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Partner",
        "Type",
        "Tier",
        "Partner manager",
        "Active agreements",
        "Agreements",
        "Health",
        "Health points",
        "Fit score",
        "Red flags",
    ]
    assert [(row[0], row[6], row[8]) for row in rows[1:]] == [
        ("Glanzwerk Industrie AG", "Paper only", "40"),
        ("Zeta Neu GmbH", "Paper only", ""),
    ]


@pytest.mark.parametrize("role", [Role.PARTNER_USER])
def test_a_partner_user_gets_404_for_the_list_and_its_export(role: str, make_user: Any, page_as: Any) -> None:
    PartnerFactory()
    client = page_as(make_user(role))
    assert client.get("/partners/").status_code == 404
    assert client.get("/partners/export.csv").status_code == 404


def test_the_query_count_does_not_grow_with_the_number_of_partners(
    partners: dict[str, Any], page_as: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = page_as(partners["manager"])
    with django_assert_max_num_queries(40) as few:
        assert client.get("/partners/").status_code == 200
    with django_assert_max_num_queries(40) as few_export:
        b"".join(client.get("/partners/export.csv").streaming_content)
    sellers = [make_user(Role.SELLER) for _ in range(2)]
    for index in range(12):
        _rated_partner(f"Mehr Partner {index} GmbH", score=index % 6, lived=index % 2 == 0, readers=sellers)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/partners/").content.decode()
    assert "Mehr Partner 11 GmbH" in page
    with django_assert_max_num_queries(len(few_export.captured_queries)):
        b"".join(client.get("/partners/export.csv").streaming_content)
