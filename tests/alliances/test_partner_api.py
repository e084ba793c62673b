"""The partner endpoints that had no test: PATCH of a partner, its contacts and its portal logins, as the roles
that may and as those that may not (a refused request changes nothing); partner names unique ignoring case."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.alliances.models import Partner, PartnerContact
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, Organisation, User
from tests.alliances.factories import PartnerFactory
from tests.conftest import ALL_ROLES
from tests.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db

MANAGERS = {Role.PARTNER_MANAGER, Role.MANAGEMENT}
INTERNAL = {role for role in ALL_ROLES if role != Role.PARTNER_USER}


def _refused(role: str) -> int:
    """Our people without the capability are told no (403); a partner user is told nothing exists (404)."""
    return 403 if role in INTERNAL else 404


def _snapshot() -> list[Any]:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Partner, Organisation, PartnerContact, User, AuditEvent)
    ]


def _partner(name: str = "Nordlicht Automation GmbH") -> Partner:
    return PartnerFactory(organisation=PartnerOrganisationFactory(name=name))


# --- PATCH /partners/{id} ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_partner_patch_per_role(role: str, make_user: Any, api_as: Any) -> None:
    partner = _partner()
    client = api_as(make_user(role))
    before = _snapshot()
    answer = client.patch(
        f"/api/v1/partners/{partner.pk}", {"tier": "gold", "website": " nordlicht.example "}
    )
    if role in MANAGERS:
        assert answer.status_code == 200
        assert (answer.json()["tier"], answer.json()["website"]) == ("gold", "nordlicht.example")
        event = AuditEvent.objects.get(action="partner.update")
        assert event.changes == {"tier": ["registered", "gold"], "website": ["", "nordlicht.example"]}
    else:
        assert answer.status_code == _refused(role)
        assert _snapshot() == before


def test_a_rename_changes_the_partner_and_its_organisation(make_user: Any, api_as: Any) -> None:
    partner = _partner()
    answer = api_as(make_user(Role.PARTNER_MANAGER)).patch(
        f"/api/v1/partners/{partner.pk}", {"name": "Nordlicht Steuerungen GmbH"}
    )
    assert answer.status_code == 200
    assert answer.json()["name"] == "Nordlicht Steuerungen GmbH"
    partner.refresh_from_db()
    partner.organisation.refresh_from_db()
    assert (partner.name, partner.organisation.name) == ("Nordlicht Steuerungen GmbH",) * 2


def test_a_rename_to_a_taken_name_in_another_case_is_a_409(make_user: Any, api_as: Any) -> None:
    _partner("Glanzwerk Industrie AG")
    partner = _partner()
    client = api_as(make_user(Role.PARTNER_MANAGER))
    before = _snapshot()
    answer = client.patch(
        f"/api/v1/partners/{partner.pk}", {"name": "GLANZWERK industrie ag", "tier": "gold"}
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "partner_name_taken"
    assert _snapshot() == before
    # its own name in another case is fine
    assert (
        client.patch(f"/api/v1/partners/{partner.pk}", {"name": "NORDLICHT Automation GmbH"}).status_code
        == 200
    )


def test_patch_sends_only_what_changes_and_refuses_nonsense(make_user: Any, api_as: Any) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    partner = _partner()
    client = api_as(manager)
    before = _snapshot()
    for body, field in (
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"tier": "platinum"}, "tier"),
        ({"website": "x" * 254}, "website"),
        ({"colour": "blue"}, "colour"),
    ):
        answer = client.patch(f"/api/v1/partners/{partner.pk}", body)
        assert answer.status_code == 400, body
        assert list(answer.json()["error"]["fields"]) == [field], body
    assert client.patch(f"/api/v1/partners/{partner.pk}", {"description": "a\x00b"}).status_code == 400
    assert _snapshot() == before
    assert client.patch(f"/api/v1/partners/{partner.pk}", {}).json()["name"] == partner.name
    assert _snapshot() == before  # nothing sent, nothing changed, nothing audited


def test_the_partner_manager_is_one_of_our_partner_managers(make_user: Any, api_as: Any) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    partner = _partner()
    client = api_as(manager)
    for person in (make_user(Role.SELLER), make_user(Role.PARTNER_USER, organisation=partner.organisation)):
        answer = client.patch(f"/api/v1/partners/{partner.pk}", {"manager_id": person.pk})
        assert answer.status_code == 400
        assert list(answer.json()["error"]["fields"]) == ["manager_id"]
    assert client.patch(f"/api/v1/partners/{partner.pk}", {"manager_id": manager.pk}).json()[
        "manager_id"
    ] == (manager.pk)
    assert client.patch(f"/api/v1/partners/{partner.pk}", {"manager_id": None}).json()["manager_id"] is None


# --- POST /partners: one name, one partner -----------------------------------------------------------------------


def test_creating_a_partner_whose_name_exists_in_another_case_is_a_409(make_user: Any, api_as: Any) -> None:
    _partner()
    client = api_as(make_user(Role.PARTNER_MANAGER))
    before = _snapshot()
    answer = client.post("/api/v1/partners", {"name": "  nordlicht AUTOMATION gmbh "})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "partner_name_taken"
    assert _snapshot() == before


def test_the_page_shows_a_taken_name_at_the_field(make_user: Any, page_as: Any) -> None:
    _partner()
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    before = _snapshot()
    answer = client.post(
        "/partners/", {"name": "NORDLICHT Automation GmbH", "partner_type": "technology", "tier": "gold"}
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors == {"name": ["A partner of this name exists already."]}
    assert _snapshot() == before


# --- contacts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_contacts_per_role(role: str, make_user: Any, api_as: Any) -> None:
    partner = _partner()
    PartnerContact.objects.create(
        partner=partner, name="Frieda Nordmann", email="f.nordmann@nordlicht.example"
    )
    client = api_as(make_user(role))
    listing = client.get(f"/api/v1/partners/{partner.pk}/contacts")
    assert listing.status_code == (200 if role in INTERNAL else 404)
    if role in INTERNAL:
        assert [(c["name"], c["email"]) for c in listing.json()] == [
            ("Frieda Nordmann", "f.nordmann@nordlicht.example")
        ]
    before = _snapshot()
    created = client.post(
        f"/api/v1/partners/{partner.pk}/contacts",
        {"name": " Nils Nord ", "position": "Vertrieb", "email": "n.nord@nordlicht.example"},
    )
    if role in MANAGERS:
        assert created.status_code == 201
        body = created.json()
        assert {key: body[key] for key in ("name", "position", "email", "phone")} == {
            "name": "Nils Nord",
            "position": "Vertrieb",
            "email": "n.nord@nordlicht.example",
            "phone": "",
        }
        assert (
            AuditEvent.objects.filter(action="partner_contact.create", target_id=str(body["id"])).count() == 1
        )
    else:
        assert created.status_code == _refused(role)
        assert _snapshot() == before


def test_a_contact_with_an_invalid_email_is_a_400_not_a_500(make_user: Any, api_as: Any) -> None:
    partner = _partner()
    client = api_as(make_user(Role.PARTNER_MANAGER, language="en"))
    before = _snapshot()
    answer = client.post(f"/api/v1/partners/{partner.pk}/contacts", {"name": "Nils", "email": "nils@"})
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"email": ["Enter a valid e-mail address."]}
    assert client.post(f"/api/v1/partners/{partner.pk}/contacts", {"email": "a@b.de"}).status_code == 400
    assert _snapshot() == before


# --- portal logins --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_portal_logins_per_role(role: str, make_user: Any, api_as: Any) -> None:
    partner = _partner()
    existing = make_user(Role.PARTNER_USER, organisation=partner.organisation, username="nils")
    # a partner user of this very partner asks: still an internal route
    actor = (
        make_user(role, organisation=partner.organisation) if role == Role.PARTNER_USER else make_user(role)
    )
    client = api_as(actor)
    listing = client.get(f"/api/v1/partners/{partner.pk}/portal-users")
    assert listing.status_code == (200 if role in INTERNAL else 404)
    before = _snapshot()
    created = client.post(
        f"/api/v1/partners/{partner.pk}/portal-users",
        {"username": "frieda", "email": "f.nordmann@nordlicht.example", "first_name": "Frieda"},
    )
    deactivated = client.post(f"/api/v1/partners/{partner.pk}/portal-users/{existing.pk}/deactivate")
    if role in MANAGERS:
        assert created.status_code == 201
        assert deactivated.status_code == 200
        assert deactivated.json()["is_active"] is False
        person = User.objects.get(pk=created.json()["id"])
        assert (person.role, person.organisation_id, person.is_active) == (
            Role.PARTNER_USER,
            partner.organisation_id,
            True,
        )
        assert not person.has_usable_password()
        listed = client.get(f"/api/v1/partners/{partner.pk}/portal-users").json()
        assert [(p["username"], p["is_active"]) for p in listed] == [("frieda", True), ("nils", False)]
    else:
        assert created.status_code == _refused(role)
        assert deactivated.status_code == _refused(role)
        assert _snapshot() == before


def test_deactivating_stops_the_login_and_is_audited_once(make_user: Any, api_as: Any) -> None:
    partner = _partner()
    person = make_user(Role.PARTNER_USER, organisation=partner.organisation)
    his_client = api_as(person)
    assert his_client.get("/api/v1/agreements").status_code == 200
    manager = api_as(make_user(Role.PARTNER_MANAGER))
    assert (
        manager.post(f"/api/v1/partners/{partner.pk}/portal-users/{person.pk}/deactivate").status_code == 200
    )
    assert (
        manager.post(f"/api/v1/partners/{partner.pk}/portal-users/{person.pk}/deactivate").status_code == 200
    )
    assert AuditEvent.objects.filter(action="user.update", target_id=str(person.pk)).count() == 1
    assert his_client.get("/api/v1/agreements").status_code == 401


def test_only_the_partners_own_logins_can_be_deactivated(make_user: Any, api_as: Any) -> None:
    partner = _partner()
    other = make_user(Role.PARTNER_USER)  # a login of another partner
    seller = make_user(Role.SELLER)
    client = api_as(make_user(Role.PARTNER_MANAGER))
    before = _snapshot()
    for person in (other, seller):
        answer = client.post(f"/api/v1/partners/{partner.pk}/portal-users/{person.pk}/deactivate")
        assert answer.status_code == 404
    assert _snapshot() == before


def test_a_taken_user_name_is_a_field_error(make_user: Any, api_as: Any) -> None:
    partner = _partner()
    make_user(Role.SELLER, username="frieda")
    client = api_as(make_user(Role.PARTNER_MANAGER))
    before = _snapshot()
    answer = client.post(f"/api/v1/partners/{partner.pk}/portal-users", {"username": "Frieda"})
    assert answer.status_code == 400
    assert list(answer.json()["error"]["fields"]) == ["username"]
    assert _snapshot() == before
