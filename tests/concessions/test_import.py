"""Importing existing discount lines: German CSV (semicolon, decimal comma, dotted dates, Windows-1252), all or
nothing with every bad line reported, each line through the same service (limits, audit)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.concessions.enums import ApprovalStatus, ConcessionKind, GetKind
from handschlag.concessions.models import Concession
from handschlag.core.models import AuditEvent
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(seller):
    return AccountFactory(owner=seller, external_id="CRM-4711", name="Hohenlohe Antriebstechnik")


GOOD = (
    "Kunde;Datum;Art;Listenwert;Prozent;Betrag;Grund;Auftrag;Gegenleistung\n"
    "CRM-4711;03.02.2026;Nachlass (Prozent);80.000,00;3,5;;Preis des Wettbewerbs;AB-1;\n"
    "CRM-4711;15.05.2026;Kostenlose Leistung;20.000;;1.250,00;;;Abnahmezusage\n"
    "CRM-4711;20.08.2026;;50.000;8 %;;Kunde drohte mit Abwanderung;;\n"
)


def upload(text: str, name: str = "nachlaesse.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("cp1252"), content_type="text/csv")


def test_a_german_file_is_imported_line_by_line(page_as, seller, account):
    OrderFactory(account=account, number="AB-1", value=Decimal("80000.00"))
    response = page_as(seller).post("/concessions/import/", {"file": upload(GOOD)})
    assert response.status_code == 302
    entries = list(Concession.objects.order_by("granted_on"))
    assert [(entry.kind, entry.value) for entry in entries] == [
        (ConcessionKind.DISCOUNT_PERCENT, Decimal("2800.00")),
        (ConcessionKind.FREE_SERVICE, Decimal("1250.00")),
        (ConcessionKind.DISCOUNT_PERCENT, Decimal("4000.00")),
    ]
    assert entries[0].order.number == "AB-1"
    assert entries[1].get_kind == GetKind.VOLUME_COMMITMENT
    assert entries[2].get_kind == GetKind.NOTHING
    assert entries[2].nothing_reason == "Vor dem Import keine Gegenleistung erfasst."
    assert entries[2].approval_status == ApprovalStatus.PENDING  # 8 % is above the seller's limit
    assert AuditEvent.objects.filter(action="concession.create").count() == 3


def test_a_bad_line_imports_nothing_and_every_bad_line_is_listed(page_as, seller, account):
    text = GOOD + "CRM-4711;31.02.2026;;1000;;;;;\nUNBEKANNT;01.03.2026;;1000;150;;;;\n"
    response = page_as(seller).post("/concessions/import/", {"file": upload(text)})
    body = response.content.decode()
    assert response.status_code == 400
    assert not Concession.objects.exists()
    assert not AuditEvent.objects.filter(action="concession.create").exists()
    problems = body.split('id="import-problems"')[1]
    assert '<td class="number">5</td>' in problems
    assert '<td class="number">6</td>' in problems
    assert "Kein solcher Kunde: UNBEKANNT." in problems


def test_a_file_without_the_required_columns_is_refused(api_as, seller):
    response = api_as(seller).post("/api/v1/concessions/import", files={"file": upload("Name;Wert\nA;1\n")})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_import_through_the_api(api_as, seller, account):
    response = api_as(seller).post(
        "/api/v1/concessions/import", files={"file": upload(GOOD.replace(";AB-1;", ";;"))}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "problems": []}


def test_partner_users_and_marketing_may_not_import(api_as, page_as, partner_user, make_user, account):
    from handschlag.core.enums import Role

    assert (
        api_as(partner_user).post("/api/v1/concessions/import", files={"file": upload(GOOD)}).status_code
        == 404
    )
    assert page_as(make_user(Role.MARKETING)).get("/concessions/import/").status_code == 403
    assert not Concession.objects.exists()
