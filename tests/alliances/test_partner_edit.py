"""Partners and their portal logins can be edited and deactivated on the pages and in the API (issue 10, 6)."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.alliances.models import Partner
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, User
from tests.alliances.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _partner_with_login(make_user: Any) -> tuple[Partner, User]:
    partner = PartnerFactory(name="Nordlicht GmbH", organisation__name="Nordlicht GmbH")
    person = make_user(
        Role.PARTNER_USER,
        organisation=partner.organisation,
        username="lena",
        first_name="Lena",
        last_name="Vogt",
        email="lena@nordlicht.example",
        language="de",
    )
    person.set_password("geheim-123-geheim")
    person.save()
    return partner, person


def _form(partner: Partner, **changes: str) -> dict[str, str]:
    return {
        "name": partner.name,
        "partner_type": partner.partner_type,
        "tier": partner.tier,
        "website": partner.website,
        "description": partner.description,
        "status": partner.status,
        **changes,
    }


def test_a_partner_manager_edits_a_partner_on_the_page(make_user: Any, page_as: Any) -> None:
    partner, _person = _partner_with_login(make_user)
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    detail = client.get(f"/partners/{partner.pk}/").content.decode()
    assert f'href="/partners/{partner.pk}/edit/"' in detail
    page = client.get(f"/partners/{partner.pk}/edit/").content.decode()
    assert 'value="Nordlicht GmbH"' in page
    answer = client.post(
        f"/partners/{partner.pk}/edit/", _form(partner, name="Nordlicht Systeme GmbH", tier="gold")
    )
    assert answer.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.tier, partner.organisation.name) == (
        "Nordlicht Systeme GmbH",
        "gold",
        "Nordlicht Systeme GmbH",
    )
    assert client.post(f"/partners/{partner.pk}/edit/", _form(partner, name="")).status_code == 400


def test_an_inactive_partner_loses_its_portal_logins(make_user: Any, page_as: Any, api_as: Any) -> None:
    partner, person = _partner_with_login(make_user)
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    client = page_as(manager)
    assert client.post(f"/partners/{partner.pk}/edit/", _form(partner, status="inactive")).status_code == 302
    partner.refresh_from_db()
    person.refresh_from_db()
    assert partner.status == "inactive"
    assert person.is_active is False
    assert 'data-testid="partner-inactive"' in client.get(f"/partners/{partner.pk}/").content.decode()
    assert api_as(manager).get(f"/api/v1/partners/{partner.pk}").json()["status"] == "inactive"
    # a login of an inactive partner is not reactivated
    answer = api_as(manager).patch(
        f"/api/v1/partners/{partner.pk}/portal-users/{person.pk}", {"is_active": True}
    )
    assert answer.status_code == 409
    person.refresh_from_db()
    assert person.is_active is False


def test_a_partner_manager_edits_a_portal_login_on_the_page(make_user: Any, page_as: Any) -> None:
    partner, person = _partner_with_login(make_user)
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    detail = client.get(f"/partners/{partner.pk}/").content.decode()
    assert f'href="/partners/{partner.pk}/portal-logins/{person.pk}/"' in detail
    assert (
        'value="lena@nordlicht.example"'
        in client.get(f"/partners/{partner.pk}/portal-logins/{person.pk}/").content.decode()
    )
    answer = client.post(
        f"/partners/{partner.pk}/portal-logins/{person.pk}/",
        {
            "first_name": "Lena",
            "last_name": "Vogt-Berger",
            "email": "lena.vogt@nordlicht.example",
            "language": "en",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/partners/{partner.pk}/#portal-logins"
    person.refresh_from_db()
    assert (person.last_name, person.email, person.language, person.is_active) == (
        "Vogt-Berger",
        "lena.vogt@nordlicht.example",
        "en",
        True,
    )
    assert AuditEvent.objects.filter(action="user.update", target_id=str(person.pk)).exists()
    bad = client.post(
        f"/partners/{partner.pk}/portal-logins/{person.pk}/", {"email": "kein-mail", "language": "en"}
    )
    assert bad.status_code == 400
    # deactivated and active again on the same page
    client.post(f"/partners/{partner.pk}/portal-logins/{person.pk}/", {"language": "en"})
    person.refresh_from_db()
    assert person.is_active is False
    client.post(f"/partners/{partner.pk}/portal-logins/{person.pk}/", {"language": "en", "is_active": "on"})
    person.refresh_from_db()
    assert person.is_active is True


def test_a_login_of_another_partner_or_one_of_ours_is_not_found(
    make_user: Any, page_as: Any, api_as: Any
) -> None:
    partner, _person = _partner_with_login(make_user)
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    stranger = make_user(Role.PARTNER_USER)
    for target in (stranger, manager):
        assert page_as(manager).get(f"/partners/{partner.pk}/portal-logins/{target.pk}/").status_code == 404
        answer = api_as(manager).patch(
            f"/api/v1/partners/{partner.pk}/portal-users/{target.pk}", {"first_name": "X"}
        )
        assert answer.status_code == 404


def test_a_new_portal_login_gets_the_chosen_language(make_user: Any, api_as: Any) -> None:
    partner, _person = _partner_with_login(make_user)
    answer = api_as(make_user(Role.PARTNER_MANAGER)).post(
        f"/api/v1/partners/{partner.pk}/portal-users", {"username": "tom", "language": "en"}
    )
    assert answer.status_code == 201
    assert answer.json()["language"] == "en"


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.SELLER, 403), (Role.MARKETING, 403), (Role.PROCESS_OWNER, 403), (Role.PARTNER_USER, 404)],
)
def test_refused_roles_change_nothing(
    role: str, status: int, make_user: Any, page_as: Any, api_as: Any
) -> None:
    partner, person = _partner_with_login(make_user)
    user = person if role == Role.PARTNER_USER else make_user(role)
    pages, api = page_as(user), api_as(user)
    events = AuditEvent.objects.count()
    assert pages.get(f"/partners/{partner.pk}/edit/").status_code == status
    assert (
        pages.post(
            f"/partners/{partner.pk}/edit/", _form(partner, name="Anders", status="inactive")
        ).status_code
        == status
    )
    assert pages.get(f"/partners/{partner.pk}/portal-logins/{person.pk}/").status_code == status
    assert (
        pages.post(
            f"/partners/{partner.pk}/portal-logins/{person.pk}/", {"last_name": "X", "language": "en"}
        ).status_code
        == status
    )
    api_status = 404 if role == Role.PARTNER_USER else 403
    assert api.patch(f"/api/v1/partners/{partner.pk}", {"status": "inactive"}).status_code == api_status
    assert (
        api.patch(f"/api/v1/partners/{partner.pk}/portal-users/{person.pk}", {"last_name": "X"}).status_code
        == api_status
    )
    partner.refresh_from_db()
    person.refresh_from_db()
    assert (partner.name, partner.status, person.last_name, person.is_active) == (
        "Nordlicht GmbH",
        "active",
        "Vogt",
        True,
    )
    assert AuditEvent.objects.count() == events


def test_the_edit_pages_read_in_german(make_user: Any, page_as: Any) -> None:
    partner, person = _partner_with_login(make_user)
    client = page_as(make_user(Role.PARTNER_MANAGER, language="de"))
    assert "Partner speichern" in client.get(f"/partners/{partner.pk}/edit/").content.decode()
    page = client.get(f"/partners/{partner.pk}/portal-logins/{person.pk}/").content.decode()
    assert "Portalzugang lena von Nordlicht GmbH" in page
    assert "Darf sich anmelden" in page
