"""Opportunities from CRM exports: presets, account resolution by CRM id, then domain, then the engine; updates by
the opportunity's CRM id (a stage never goes backwards); bad rows reported, the others kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden
from handschlag.coselling.enums import OpportunitySource
from handschlag.coselling.models import Opportunity, StageChange
from handschlag.coselling.services.imports import opportunity_import
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

SALESFORCE = (
    "Opportunity ID,Opportunity Name,Account ID,Account Name,Website,Amount,Stage,Close Date\n"
    '006A1,Fräszentrum Nord,001X9,,,"120000",Needs Analysis,2026-03-31\n'
    "006A2,Roboterzelle,,Irgendwas,https://www.beta-blech.de/kontakt,80000,Proposal/Price Quote,31.03.2026\n"
    "006A3,Retrofit,,Gamma Guss KG,,45000,Closed Won,2026-02-01\n"
    "006A4,Unbekannt,,Niemand Bekanntes,,1000,Prospecting,2026-02-01\n"
    "006A5,Minus,001X9,,,-5,Prospecting,2026-02-01\n"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def accounts():
    return {
        "alpha": AccountFactory(name="Alpha Anlagen", external_id="001X9"),
        "beta": AccountFactory(name="Beta Blech", domain="beta-blech.de"),
        "gamma": AccountFactory(name="Gamma Guss", legal_form="KG", city="Köln", domain="gamma-guss.de"),
    }


def _run(actor, text, tmp_path, preset="salesforce", name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return opportunity_import(actor=actor, path=path, source=name, preset=preset)


def test_salesforce_export_resolves_accounts_three_ways(accounts, make_user, tmp_path):
    manager = make_user(Role.MANAGEMENT)
    outcome = _run(manager, SALESFORCE, tmp_path)
    assert (outcome.created, outcome.updated) == (3, 0)
    assert outcome.resolved_by == {"crm_id": 2, "domain": 1, "engine": 1}
    by_id = {
        opportunity.external_id: opportunity for opportunity in Opportunity.objects.select_related("stage")
    }
    assert by_id["006A1"].account == accounts["alpha"]
    assert by_id["006A1"].stage.name == "Bedarfsanalyse"
    assert by_id["006A1"].source == OpportunitySource.IMPORT
    assert by_id["006A2"].account == accounts["beta"]
    assert by_id["006A3"].account == accounts["gamma"]
    assert by_id["006A3"].status == "won"
    assert by_id["006A2"].amount == Decimal("80000")
    errors = {(problem.line, problem.field) for problem in outcome.errors}
    assert (5, "account") in errors  # nobody we know
    assert any(line == 6 for line, _field in errors)  # negative amount
    assert "006A5" not in by_id


def test_a_second_import_updates_and_never_moves_back(accounts, make_user, tmp_path):
    manager = make_user(Role.MANAGEMENT)
    _run(manager, SALESFORCE, tmp_path)
    again = (
        "Opportunity ID,Opportunity Name,Account ID,Amount,Stage\n"
        "006A1,Fräszentrum Nord II,001X9,150000,Negotiation/Review\n"
        "006A2,Roboterzelle,,80000,Prospecting\n"
    )
    outcome = _run(manager, again, tmp_path, name="again.csv")
    assert (outcome.created, outcome.updated) == (0, 2)
    first = Opportunity.objects.get(external_id="006A1")
    assert (first.title, first.amount, first.stage.name) == (
        "Fräszentrum Nord II",
        Decimal("150000"),
        "Verhandlung",
    )
    assert StageChange.objects.filter(opportunity=first).count() == 2
    assert Opportunity.objects.get(external_id="006A2").stage.name == "Angebot"
    assert [problem.reason for problem in outcome.problems if problem.warning] == [
        "The stage would go backwards; kept as it was."
    ]


def test_hubspot_and_pipedrive_presets(accounts, make_user, tmp_path):
    manager = make_user(Role.MANAGEMENT)
    hubspot = "Record ID,Deal Name,Amount,Deal Stage,Close Date,Associated Company IDs\n901,Deal HS,1000,closedlost,2026-01-01,001X9\n"
    pipedrive = "Deal - ID,Deal - Title,Deal - Value,Deal - Stage,Organization - Website\n77,Deal PD,2000,Proposal Made,gamma-guss.de\n"
    assert _run(manager, hubspot, tmp_path, preset="hubspot", name="hs.csv").created == 1
    assert _run(manager, pipedrive, tmp_path, preset="pipedrive", name="pd.csv").created == 1
    assert Opportunity.objects.get(external_id="901").status == "lost"
    assert Opportunity.objects.get(external_id="77").stage.name == "Angebot"


def test_only_importers_may_import(accounts, seller, tmp_path):
    with pytest.raises(Forbidden):
        _run(seller, SALESFORCE, tmp_path)


def test_import_page(accounts, make_user, page_as, partner_user):
    client = page_as(make_user(Role.MANAGEMENT, language="en"))
    upload = SimpleUploadedFile("export.csv", SALESFORCE.encode(), content_type="text/csv")
    answer = client.post("/coselling/opportunities/import/", {"file": upload, "preset": "salesforce"})
    assert answer.status_code == 200
    assert "3 created, 0 updated." in answer.content.decode()
    assert page_as(make_user(Role.SELLER)).get("/coselling/opportunities/import/").status_code == 403
    assert page_as(make_user(Role.ADMIN)).get("/coselling/opportunities/import/").status_code == 403
    assert page_as(partner_user).get("/coselling/opportunities/import/").status_code == 404


def test_import_through_the_api(accounts, make_user, api_as, partner_user):
    upload = SimpleUploadedFile("export.csv", SALESFORCE.encode(), content_type="text/csv")
    answer = api_as(make_user(Role.MANAGEMENT)).post(
        "/api/v1/opportunities/import?preset=salesforce", files={"file": upload}
    )
    assert answer.status_code == 200
    assert answer.json()["created"] == 3
    assert answer.json()["resolved_by"] == {"crm_id": 2, "domain": 1, "engine": 1}
    again = SimpleUploadedFile("export.csv", SALESFORCE.encode(), content_type="text/csv")
    assert (
        api_as(make_user(Role.SELLER)).post("/api/v1/opportunities/import", files={"file": again}).status_code
        == 403
    )
    again = SimpleUploadedFile("export.csv", SALESFORCE.encode(), content_type="text/csv")
    assert api_as(partner_user).post("/api/v1/opportunities/import", files={"file": again}).status_code == 404
