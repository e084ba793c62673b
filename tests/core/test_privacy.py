"""Data protection (issue 15, deliverable 4): find a person, export, erase or anonymise, retention, processing record;
the audit log says that it happened but not what; every role but the administrator is kept out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from handschlag.accounts.models import Contact
from handschlag.alliances.models import PartnerContact
from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus, Severity
from handschlag.complaints.models import Complaint, ComplaintComment
from handschlag.core.enums import Role
from handschlag.core.models import ApiToken, AuditEvent, Notification, RetentionSetting, User
from handschlag.core.privacy import retention_enforce
from tests.alliances.factories import PartnerFactory
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

EMAIL = "erika.beispiel@kunde.example"


@pytest.fixture
def contact() -> Contact:
    account = AccountFactory(name="Beispielwerk")
    return ContactFactory(
        account=account, first_name="Erika", last_name="Beispiel", email=EMAIL, phone="0711 123"
    )


@pytest.fixture
def partner_contact() -> PartnerContact:
    partner = PartnerFactory(name="Glanzwerk")
    return PartnerContact.objects.create(
        partner=partner, name="Erika Beispiel", email="e.beispiel@glanzwerk.example"
    )


def _complaint(
    reporter: User, *, status: str = ComplaintStatus.OPEN, closed_at: dt.datetime | None = None
) -> Complaint:
    return Complaint.objects.create(
        account=AccountFactory(),
        reporter=reporter,
        title="Ventil undicht",
        description="Leckage an der Dichtung",
        category=ComplaintCategory.choices[0][0],
        severity=Severity.choices[0][0],
        status=status,
        closed_at=closed_at,
        first_response_due=timezone.now(),
        containment_due=timezone.now(),
        resolution_due=timezone.now(),
    )


def test_search_finds_contacts_of_customers_and_partners(
    admin_user: User, page_as: Callable[..., Any], contact: Contact, partner_contact: PartnerContact
) -> None:
    response = page_as(admin_user).get("/settings/privacy/", {"q": "beispiel"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Beispielwerk" in text
    assert "Glanzwerk" in text
    assert "Kundenkontakt" in text
    assert "Ansprechpartner beim Partner" in text


def test_search_by_full_name_finds_the_person(
    admin_user: User, api_as: Callable[..., Any], contact: Contact, partner_contact: PartnerContact
) -> None:
    # given a customer contact and a partner contact both called Erika Beispiel
    # when the administrator types the full name, as a person's request states it
    found = api_as(admin_user).get("/api/v1/privacy/subjects", q="Erika  beispiel").json()
    # then both are found (the name is in no single field), and a different first name finds neither
    assert {(row["kind"], row["id"]) for row in found} == {
        ("accounts.contact", contact.pk),
        ("alliances.partnercontact", partner_contact.pk),
    }
    assert api_as(admin_user).get("/api/v1/privacy/subjects", q="Anna Beispiel").json() == []


def test_search_needs_three_characters(admin_user: User, api_as: Callable[..., Any]) -> None:
    assert api_as(admin_user).get("/api/v1/privacy/subjects", q="ab").status_code in {400, 422}


def test_export_holds_the_data_and_the_audit_log_only_that_it_happened(
    admin_user: User, page_as: Callable[..., Any], contact: Contact
) -> None:
    response = page_as(admin_user).post(f"/settings/privacy/accounts.contact/{contact.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["data"]["accounts.contacts"][0]["email"] == EMAIL
    event = AuditEvent.objects.get(action="privacy.export")
    logged = json.dumps(event.changes) + event.summary
    assert "Beispiel" not in logged
    assert EMAIL not in logged
    assert event.changes["sources"] == {"accounts.contacts": 1}


def test_erasing_a_contact_deletes_it_and_is_audited_without_the_name(
    admin_user: User, page_as: Callable[..., Any], contact: Contact
) -> None:
    client = page_as(admin_user)
    unconfirmed = client.post(f"/settings/privacy/accounts.contact/{contact.pk}/erase/")
    assert unconfirmed.status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = client.post(f"/settings/privacy/accounts.contact/{contact.pk}/erase/", {"confirm": "yes"})
    assert response.status_code == 200
    assert "1 Eintrag gelöscht, 0 anonymisiert." in response.content.decode()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    event = AuditEvent.objects.get(action="privacy.erase")
    assert "Beispiel" not in json.dumps(event.changes) + event.summary
    log = client.get("/audit/").content.decode()
    assert f"accounts.contact:{contact.pk}" in log


def test_erasing_a_user_anonymises_him_and_says_what_stays(
    admin_user: User, api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    person = make_user(
        Role.SELLER, username="mmuster", first_name="Max", last_name="Muster", email="max@firma.example"
    )
    complaint = _complaint(person)
    ComplaintComment.objects.create(complaint=complaint, author=person, text="Kunde angerufen")
    Notification.objects.create(user=person, title="Neue Reklamation")
    api_as(person)  # creates an API token for him
    answer = api_as(admin_user).post(f"/api/v1/privacy/subjects/core.user/{person.pk}/erase")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["anonymised"] == 1
    assert body["erased"] >= 2
    assert any("Reklamation" in reason or "complaint" in reason.lower() for reason in body["kept"])
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email, person.is_active) == ("", "", "", False)
    assert person.username == f"geloescht-{person.pk}"
    assert not person.has_usable_password()
    assert not ApiToken.objects.filter(user=person).exists()
    assert Complaint.objects.filter(
        pk=complaint.pk
    ).exists()  # the case stays, now with an anonymous reporter


def test_an_administrator_cannot_erase_himself(admin_user: User, api_as: Callable[..., Any]) -> None:
    answer = api_as(admin_user).post(f"/api/v1/privacy/subjects/core.user/{admin_user.pk}/erase")
    assert answer.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_unknown_subject_is_404(admin_user: User, api_as: Callable[..., Any]) -> None:
    assert (
        api_as(admin_user).post("/api/v1/privacy/subjects/accounts.contact/999999/export").status_code == 404
    )
    assert api_as(admin_user).post("/api/v1/privacy/subjects/nonsense/1/erase").status_code == 404


@pytest.mark.parametrize("role", [Role.SELLER, Role.MANAGEMENT, Role.MARKETING, Role.PROCESS_OWNER])
def test_other_roles_are_refused(
    role: str,
    make_user: Callable[..., User],
    page_as: Callable[..., Any],
    api_as: Callable[..., Any],
    contact: Contact,
) -> None:
    user = make_user(role)
    for path in ("/settings/privacy/", "/settings/privacy/retention/", "/settings/privacy/records/"):
        assert page_as(user).get(path).status_code == 403
    assert (
        page_as(user)
        .post(f"/settings/privacy/accounts.contact/{contact.pk}/erase/", {"confirm": "yes"})
        .status_code
        == 403
    )
    assert api_as(user).get("/api/v1/privacy/subjects", q="beispiel").status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_partner_users_get_404(
    partner_user: User, page_as: Callable[..., Any], api_as: Callable[..., Any], contact: Contact
) -> None:
    assert page_as(partner_user).get("/settings/privacy/").status_code == 404
    assert (
        page_as(partner_user).post(f"/settings/privacy/accounts.contact/{contact.pk}/export.json").status_code
        == 404
    )
    assert (
        api_as(partner_user).post(f"/api/v1/privacy/subjects/accounts.contact/{contact.pk}/erase").status_code
        == 404
    )
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_retention_of_closed_complaints_is_enforced(admin_user: User, page_as: Callable[..., Any]) -> None:
    now = timezone.now()
    old_closed = _complaint(admin_user, status=ComplaintStatus.CLOSED, closed_at=now - dt.timedelta(days=800))
    new_closed = _complaint(admin_user, status=ComplaintStatus.CLOSED, closed_at=now - dt.timedelta(days=10))
    still_open = _complaint(admin_user)
    assert retention_enforce(now=now).get("complaints.closed") is None  # no period set: kept
    client = page_as(admin_user)
    refused = client.post("/settings/privacy/retention/", {"kind": "complaints.closed", "days": "0"})
    assert "zwischen 1 und" in refused.content.decode()
    assert (
        client.post("/settings/privacy/retention/", {"kind": "complaints.closed", "days": "730"}).status_code
        == 302
    )
    assert retention_enforce(now=now)["complaints.closed"] == 1
    assert set(Complaint.objects.values_list("pk", flat=True)) == {new_closed.pk, still_open.pk}
    assert not Complaint.objects.filter(pk=old_closed.pk).exists()
    setting = RetentionSetting.objects.get(kind="complaints.closed")
    assert setting.last_deleted == 1
    assert AuditEvent.objects.filter(action="privacy.retention_set").count() == 1


def test_read_notifications_go_after_a_year_by_default(admin_user: User) -> None:
    now = timezone.now()
    old = Notification.objects.create(
        user=admin_user, title="alt", created_at=now - dt.timedelta(days=400), read_at=now
    )
    unread = Notification.objects.create(
        user=admin_user, title="ungelesen", created_at=now - dt.timedelta(days=400)
    )
    retention_enforce(now=now)
    assert not Notification.objects.filter(pk=old.pk).exists()
    assert Notification.objects.filter(pk=unread.pk).exists()


def test_record_of_processing_activities(
    admin_user: User, page_as: Callable[..., Any], api_as: Callable[..., Any]
) -> None:
    text = page_as(admin_user).get("/settings/privacy/records/").content.decode()
    assert "Verzeichnis von Verarbeitungstätigkeiten" in text
    assert "Kundenkontakte" in text
    assert "Reklamationen" in text
    assert (
        "Benutzername, Rolle, Abteilung, Sprache, Anmeldezeiten" in text
    )  # no English left in the German page
    names = {row["name"] for row in api_as(admin_user).get("/api/v1/privacy/records").json()}
    assert {
        "Benutzerkonten",
        "Kundenkontakte",
        "Partnerkontakte",
        "Reklamationen",
    } <= names  # the user's language


def test_a_leads_contact_is_found_exported_and_erased_but_the_lead_stays(
    admin_user: User, api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    from handschlag.coselling.lead_enums import LeadDirection, LeadSource
    from handschlag.coselling.models import Lead

    lead = Lead.objects.create(
        direction=LeadDirection.TO_US,
        source=LeadSource.MARKETING,
        status="declined",
        company_name="Beispielwerk",
        company_key="beispielwerk",
        contact_name="Erika Beispiel",
        contact_email=EMAIL,
        offered_by=make_user(Role.MARKETING),
        offered_at=timezone.now(),
        respond_by=timezone.now(),
    )
    client = api_as(admin_user)
    found = client.get("/api/v1/privacy/subjects", q="erika").json()
    assert {"kind": "coselling.lead", "id": lead.pk} in [{"kind": s["kind"], "id": s["id"]} for s in found]
    exported = client.post(f"/api/v1/privacy/subjects/coselling.lead/{lead.pk}/export").json()
    assert exported["data"]["coselling.lead_contacts"][0]["email"] == EMAIL
    assert client.post(f"/api/v1/privacy/subjects/coselling.lead/{lead.pk}/erase").status_code == 200
    lead.refresh_from_db()
    assert lead.contact_email == ""
    assert lead.company_name == "Beispielwerk"
