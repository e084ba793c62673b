"""Every partnership endpoint against every role; a denied request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.alliances.models import Agreement, Offer, Partner
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

MANAGERS = {Role.PARTNER_MANAGER, Role.MANAGEMENT}
VIEWERS = {role for role in ALL_ROLES if role != Role.PARTNER_USER}


def _snapshot() -> tuple[int, int, int, int]:
    return (
        Partner.objects.count(),
        Agreement.objects.count(),
        Offer.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_partner_endpoints_per_role(role: str, make_user: Any, api_as: Any) -> None:
    partner = PartnerFactory()
    client = api_as(make_user(role))
    listing = client.get("/api/v1/partners")
    assert listing.status_code == (200 if role in VIEWERS else 404)
    assert client.get(f"/api/v1/partners/{partner.pk}").status_code == (200 if role in VIEWERS else 404)
    assert client.get(f"/api/v1/partners/{partner.pk}/scorecard").status_code == (
        200 if role in VIEWERS else 404
    )
    assert client.get(f"/api/v1/partners/{partner.pk}/health").status_code == (
        200 if role in VIEWERS else 404
    )
    before = _snapshot()
    created = client.post("/api/v1/partners", {"name": "Neue Allianz GmbH", "partner_type": "technology"})
    if role in MANAGERS:
        assert created.status_code == 201
        assert created.json()["name"] == "Neue Allianz GmbH"
    else:
        assert created.status_code == (403 if role in VIEWERS else 404)
        assert _snapshot() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_agreement_endpoints_per_role(role: str, make_user: Any, api_as: Any) -> None:
    agreement = AgreementFactory()
    client = api_as(make_user(role))
    assert client.get(f"/api/v1/agreements/{agreement.pk}").status_code == (200 if role in VIEWERS else 404)
    before = _snapshot()
    created = client.post(
        "/api/v1/agreements",
        {"partner_id": agreement.partner_id, "title": "Zweiter Vertrag", "leads_to_us_per_quarter": 3},
    )
    patched = client.patch(f"/api/v1/agreements/{agreement.pk}", {"title": "Geändert"})
    if role in MANAGERS:
        assert created.status_code == 201
        assert patched.status_code == 200
    else:
        assert created.status_code == (403 if role in VIEWERS else 404)
        assert patched.status_code == (403 if role in VIEWERS else 404)
        assert _snapshot() == before
        agreement.refresh_from_db()
        assert agreement.title != "Geändert"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_offer_endpoints_per_role(role: str, make_user: Any, api_as: Any) -> None:
    offer = OfferFactory()
    client = api_as(make_user(role))
    expected = 200 if role in MANAGERS else 404
    assert client.get("/api/v1/offers").status_code == (expected if role not in VIEWERS - MANAGERS else 403)
    assert client.get(f"/api/v1/offers/{offer.pk}").status_code == expected
    before = _snapshot()
    decided = client.post(f"/api/v1/offers/{offer.pk}/decision", {"decision": "decline", "note": "Einseitig"})
    assert decided.status_code == expected
    if role not in MANAGERS:
        assert _snapshot() == before


def test_one_sided_offer_is_flagged_and_the_decision_audited(make_user: Any, api_as: Any) -> None:
    client = api_as(make_user(Role.PARTNER_MANAGER, language="en"))
    created = client.post(
        "/api/v1/offers",
        {
            "company_name": "Kleinsoft GmbH",
            "gives": ["commission", "free_trial"],
            "asks": ["customer_access"],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["one_sided"] is True
    assert "commission for access to our customers" in body["reasons"][0]
    missing_reason = client.post(f"/api/v1/offers/{body['id']}/decision", {"decision": "decline"})
    assert missing_reason.status_code == 400
    assert missing_reason.json()["error"]["fields"] == {"note": [missing_reason.json()["error"]["message"]]}
    declined = client.post(
        f"/api/v1/offers/{body['id']}/decision", {"decision": "decline", "note": "Nur Provision"}
    )
    assert declined.json()["status"] == "declined"
    assert AuditEvent.objects.filter(action="offer.decline", target_id=str(body["id"])).count() == 1
    again = client.post(f"/api/v1/offers/{body['id']}/decision", {"decision": "accept"})
    assert again.status_code == 409


def test_accepting_an_offer_creates_the_partner(make_user: Any, api_as: Any) -> None:
    client = api_as(make_user(Role.PARTNER_MANAGER))
    offer = OfferFactory(company_name="Brückenbau Software GmbH", gives=["integration"], asks=["referrals"])
    accepted = client.post(f"/api/v1/offers/{offer.pk}/decision", {"decision": "accept"})
    assert accepted.status_code == 200
    partner = Partner.objects.get(pk=accepted.json()["partner_id"])
    assert partner.name == "Brückenbau Software GmbH"


def test_scorecard_flags_and_weights(make_user: Any, api_as: Any) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    client = api_as(manager)
    agreement = AgreementFactory(leads_to_us_per_quarter=10, leads_to_partner_per_quarter=0)
    scorecard = client.get(f"/api/v1/partners/{agreement.partner_id}/scorecard").json()
    assert [flag["code"] for flag in scorecard["red_flags"]] == ["one_way_value", "nobody_enabled"]
    criteria = client.get("/api/v1/partners/fit-criteria").json()
    first, second = criteria[0]["id"], criteria[1]["id"]
    rated = client.put(
        f"/api/v1/partners/{agreement.partner_id}/scorecard", {"scores": {first: 5, second: 0}}
    )
    assert rated.status_code == 200
    assert rated.json()["score"] == 50  # weights 3 and 3
    weights = client.put("/api/v1/partners/fit-criteria", {"weights": {first: 9}})
    assert weights.status_code == 200
    assert client.get(f"/api/v1/partners/{agreement.partner_id}/scorecard").json()["score"] == 75
    too_heavy = client.put("/api/v1/partners/fit-criteria", {"weights": {first: 11}})
    assert too_heavy.status_code == 400


def test_enablement_coverage_acknowledgement_and_reminder(
    make_user: Any, api_as: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    seller = make_user(Role.SELLER)
    make_user(Role.MARKETING)  # not customer-facing: not counted
    agreement = AgreementFactory()
    coverage = api_as(manager).get(f"/api/v1/agreements/{agreement.pk}/enablement").json()
    assert coverage["percent"] == 0
    assert sorted(coverage["missing"]) == sorted([manager.username, seller.username])
    assert api_as(seller).post(f"/api/v1/agreements/{agreement.pk}/acknowledge").status_code == 204
    assert api_as(manager).get(f"/api/v1/agreements/{agreement.pk}/enablement").json()["percent"] == 50
    with django_capture_on_commit_callbacks(execute=True):
        reminded = api_as(manager).post(f"/api/v1/agreements/{agreement.pk}/remind")
    assert reminded.json() == {"reminded": 1}
    assert [message.to for message in mailoutbox] == [[manager.email]]
    # a new text must be read again
    api_as(manager).patch(f"/api/v1/agreements/{agreement.pk}", {"value_proposition": "Neuer Text"})
    assert api_as(manager).get(f"/api/v1/agreements/{agreement.pk}/enablement").json()["percent"] == 0


def test_a_second_active_agreement_is_refused(make_user: Any, api_as: Any) -> None:
    agreement = AgreementFactory()
    answer = api_as(make_user(Role.PARTNER_MANAGER)).post(
        "/api/v1/agreements", {"partner_id": agreement.partner_id, "title": "Doppelt", "status": "active"}
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "active_agreement_exists"
    assert Agreement.objects.filter(partner=agreement.partner).count() == 1


def test_activating_a_second_agreement_is_a_409_and_changes_nothing(make_user: Any, api_as: Any) -> None:
    active = AgreementFactory()
    draft = AgreementFactory(partner=active.partner, status="draft", title="Entwurf")
    client = api_as(make_user(Role.PARTNER_MANAGER))
    events = AuditEvent.objects.count()
    answer = client.patch(f"/api/v1/agreements/{draft.pk}", {"status": "active", "title": "Zweiter"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "active_agreement_exists"
    draft.refresh_from_db()
    assert (draft.status, draft.title) == ("draft", "Entwurf")
    assert AuditEvent.objects.count() == events
    assert client.patch(f"/api/v1/agreements/{active.pk}", {"status": "ended"}).status_code == 200
    assert client.patch(f"/api/v1/agreements/{draft.pk}", {"status": "active"}).status_code == 200


def test_an_inactive_partner_gets_no_running_agreement(make_user: Any, api_as: Any) -> None:
    draft = AgreementFactory(status="draft", title="Entwurf")
    draft.partner.status = "inactive"
    draft.partner.save(update_fields=["status"])
    client = api_as(make_user(Role.PARTNER_MANAGER))
    events = AuditEvent.objects.count()
    created = client.post(
        "/api/v1/agreements", {"partner_id": draft.partner_id, "title": "Neu", "status": "active"}
    )
    assert created.status_code == 409
    assert created.json()["error"]["code"] == "partner_inactive"
    activated = client.patch(f"/api/v1/agreements/{draft.pk}", {"status": "active"})
    assert activated.status_code == 409
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert AuditEvent.objects.count() == events
    # a draft may still be prepared, and the partner made active again first
    assert client.patch(f"/api/v1/agreements/{draft.pk}", {"title": "Entwurf 2"}).status_code == 200
    assert client.patch(f"/api/v1/partners/{draft.partner_id}", {"status": "active"}).status_code == 200
    assert client.patch(f"/api/v1/agreements/{draft.pk}", {"status": "active"}).status_code == 200
