"""/api/v1/leads and /api/v1/deal-registrations per role: our people's answers, the partner's allow-listed ones,
404 for everything not his, 403 for our people without the capability, nothing changed by a refused request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from handschlag.core.models import User
from handschlag.coselling.models import DealRegistration, Lead
from tests.conftest import ApiClient
from tests.coselling.lead_helpers import (
    World,
    offer_values,
    register,
    registration_values,
    world_fixture,  # noqa: F401
)
from tests.coselling.lead_helpers import offer as offer_at

pytestmark = pytest.mark.django_db


def offer(actor: User, **values: Any) -> Lead:
    return offer_at(actor, now=timezone.now(), **values)


LEAD_PARTNER_KEYS = {
    "id", "box", "status", "company_name", "company_domain", "company_street", "company_postal_code",
    "company_city", "company_country", "product_line", "need", "estimated_amount", "contact", "offered_at",
    "respond_by", "decided_at", "decline_reason", "decision_note",
}  # fmt: skip
REGISTRATION_PARTNER_KEYS = {
    "id", "company_name", "company_domain", "company_street", "company_postal_code", "company_city",
    "company_country", "product_line", "title", "amount", "expected_close_date", "description", "status",
    "decision_reason", "decided_at", "protected_until", "extension_status", "extension_days", "extension_reason",
    "extension_decision_reason", "created_at",
}  # fmt: skip


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) if not isinstance(value, int) else value for key, value in values.items()}


def test_partner_offers_a_lead_and_sees_only_allowed_fields(
    world: World, api_as: Callable[..., ApiClient]
) -> None:
    api = api_as(world.partner_user)
    response = api.post("/api/v1/leads", _json(offer_values()))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == LEAD_PARTNER_KEYS
    assert body["box"] == "sent"
    assert body["contact"]["name"] == "Erika Beispiel"  # his own lead: he knows the contact
    listed = api.get("/api/v1/leads", box="outbox").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert set(listed["items"][0]) == LEAD_PARTNER_KEYS


def test_second_offer_of_the_same_company_is_409(world: World, api_as: Callable[..., ApiClient]) -> None:
    api = api_as(world.partner_user)
    assert api.post("/api/v1/leads", _json(offer_values())).status_code == 201
    again = api.post("/api/v1/leads", _json(offer_values(contact_name="Zweiter Versuch")))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "lead_offered_twice"
    assert Lead.objects.count() == 1


def test_our_view_shows_the_resolution_and_hides_the_contact_until_accepted(
    world: World, api_as: Callable[..., ApiClient]
) -> None:
    lead = offer(world.partner_user)
    api = api_as(world.seller)
    body = api.get(f"/api/v1/leads/{lead.pk}").json()
    assert body["contact"] is None
    assert body["resolution"]["account_id"] == world.account.pk
    assert body["resolution"]["is_customer"] is True
    assert body["resolution"]["owner_name"] == world.seller.get_full_name()
    accepted = api.post(f"/api/v1/leads/{lead.pk}/decision", {"decision": "accept"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["contact"]["email"] == "erika@hansa-praezision.de"
    assert accepted.json()["opportunity_id"] is not None


def test_partner_receives_our_lead_and_sees_the_contact_after_accepting(
    world: World, api_as: Callable[..., ApiClient]
) -> None:
    lead = offer(world.seller, partner_id=world.partner.pk, company_name="Weserwerft AG")
    api = api_as(world.partner_user)
    body = api.get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["box"], body["contact"]) == ("received", None)
    decided = api.post(f"/api/v1/leads/{lead.pk}/decision", {"decision": "accept"})
    assert decided.status_code == 200
    assert decided.json()["contact"]["name"] == "Erika Beispiel"


def test_bad_input_is_400_with_fields(world: World, api_as: Callable[..., ApiClient]) -> None:
    api = api_as(world.partner_user)
    response = api.post(
        "/api/v1/leads", _json(offer_values(estimated_amount="-5", company_country="Deutschland"))
    )
    assert response.status_code == 400
    assert {"estimated_amount", "company_country"} <= set(response.json()["error"]["fields"])
    negative = api.post("/api/v1/deal-registrations", _json(registration_values(world, amount="-1")))
    assert negative.status_code == 400
    assert Lead.objects.count() == 0
    assert DealRegistration.objects.count() == 0


def test_registration_by_api_and_what_the_partner_sees(
    world: World, api_as: Callable[..., ApiClient]
) -> None:
    api = api_as(world.partner_user)
    response = api.post("/api/v1/deal-registrations", _json(registration_values(world)))
    assert response.status_code == 201, response.content
    assert set(response.json()) == REGISTRATION_PARTNER_KEYS
    registration_id = response.json()["id"]
    ours = api_as(world.partner_manager)
    conflicts = ours.get(f"/api/v1/deal-registrations/{registration_id}/conflicts")
    assert conflicts.status_code == 200
    decided = ours.post(
        f"/api/v1/deal-registrations/{registration_id}/decision",
        {"decision": "reject", "reason": "Unser Vertrieb führt den Kunden seit Jahren"},
    )
    assert decided.status_code == 200
    seen = api.get(f"/api/v1/deal-registrations/{registration_id}").json()
    assert (seen["status"], seen["decision_reason"]) == (
        "rejected",
        "Unser Vertrieb führt den Kunden seit Jahren",
    )
    assert "account_id" not in seen
    assert "partner_name" not in seen


def test_partner_user_poking_at_ids_gets_404_and_changes_nothing(
    world: World, api_as: Callable[..., ApiClient]
) -> None:
    others_lead = offer(world.other_partner_user)
    our_lead_to_other = offer(world.seller, partner_id=world.other_partner.pk, company_name="Weserwerft AG")
    others_registration = register(world, world.other_partner_user)
    api = api_as(world.partner_user)
    for path in (
        f"/api/v1/leads/{others_lead.pk}",
        f"/api/v1/leads/{our_lead_to_other.pk}",
        f"/api/v1/deal-registrations/{others_registration.pk}",
        f"/api/v1/deal-registrations/{others_registration.pk}/conflicts",
        "/api/v1/deal-registrations/expiring-soon",
        "/api/v1/leads/999999",
    ):
        assert api.get(path).status_code == 404, path
    for path, body in (
        (f"/api/v1/leads/{our_lead_to_other.pk}/decision", {"decision": "accept"}),
        (f"/api/v1/leads/{others_lead.pk}/decision", {"decision": "accept"}),
        (f"/api/v1/deal-registrations/{others_registration.pk}/decision", {"decision": "approve"}),
        (f"/api/v1/deal-registrations/{others_registration.pk}/extension", {"days": 10, "reason": "x"}),
        (f"/api/v1/deal-registrations/{others_registration.pk}/extension/decision", {"decision": "approve"}),
    ):
        assert api.post(path, body).status_code == 404, path
    assert (
        api.post("/api/v1/leads", _json(offer_values(partner_id=world.other_partner.pk))).status_code == 404
    )
    assert api.get("/api/v1/leads").json()["items"] == []
    assert api.get("/api/v1/deal-registrations").json()["items"] == []
    assert set(Lead.objects.values_list("status", flat=True)) == {"offered"}
    others_registration.refresh_from_db()
    assert others_registration.status == "pending"


@pytest.mark.parametrize("who", ["marketing", "process_owner", "admin"])
def test_our_people_without_leads_work_get_403(
    world: World, who: str, api_as: Callable[..., ApiClient]
) -> None:
    lead = offer(world.partner_user)
    api = api_as(getattr(world, who))
    assert api.get("/api/v1/leads").status_code == 403
    assert api.get(f"/api/v1/leads/{lead.pk}").status_code == 403
    assert api.post(f"/api/v1/leads/{lead.pk}/decision", {"decision": "accept"}).status_code == 403
    lead.refresh_from_db()
    assert lead.status == "offered"


@pytest.mark.parametrize("who", ["seller", "marketing", "admin"])
def test_only_deciders_decide_registrations(world: World, who: str, api_as: Callable[..., ApiClient]) -> None:
    registration = register(world)
    api = api_as(getattr(world, who))
    assert api.get(f"/api/v1/deal-registrations/{registration.pk}").status_code == 200  # they may read
    response = api.post(f"/api/v1/deal-registrations/{registration.pk}/decision", {"decision": "approve"})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "pending"


def test_process_owner_sees_no_registrations(world: World, api_as: Callable[..., ApiClient]) -> None:
    registration = register(world)
    api = api_as(world.process_owner)
    assert api.get("/api/v1/deal-registrations").status_code == 403
    assert api.get(f"/api/v1/deal-registrations/{registration.pk}").status_code == 403


def test_our_people_cannot_register_for_a_partner(world: World, api_as: Callable[..., ApiClient]) -> None:
    response = api_as(world.partner_manager).post(
        "/api/v1/deal-registrations", _json(registration_values(world))
    )
    assert response.status_code == 404
    assert DealRegistration.objects.count() == 0


def test_anonymous_is_401(world: World, api_as: Callable[..., ApiClient]) -> None:
    assert api_as(None).get("/api/v1/leads").status_code == 401
    assert api_as(None).get("/api/v1/deal-registrations").status_code == 401
