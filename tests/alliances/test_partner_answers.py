"""What a partner user receives from the partnership module is allow-listed (docs/partner-portal.md):

- the agreement answers carry exactly the fields the document lists, key by key, and never our targets or the
  sellers' incentive plan;
- every other partnership route, API and page, answers him 404 (as for an id that does not exist) and changes
  nothing. The routes are read from the routers and URL patterns, so a new route is tested without being listed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from handschlag.alliances import urls as alliance_urls
from handschlag.alliances.api import agreements_router, offers_router, partners_router
from handschlag.alliances.models import Agreement, Offer, Partner, PartnerContact
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, User
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "partner-portal.md"
INCENTIVE = "Verkäufer: 1,2-fache Provision auf partnergebrachte Aufträge"


def documented_agreement_fields() -> set[str]:
    line = next(
        line
        for line in DOC.read_text().splitlines()
        if line.startswith("Agreement fields for partner users:")
    )
    return set(re.findall(r"`([a-z_]+)`", line))


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    partner = PartnerFactory()
    agreement = AgreementFactory(
        partner=partner,
        incentive_plan=INCENTIVE,
        joint_pipeline_target=Decimal("2500000.00"),
        joint_wins_target=8,
        leads_to_us_per_quarter=6,
        leads_to_partner_per_quarter=7,
    )
    partner_user = make_user(Role.PARTNER_USER, organisation=partner.organisation)
    colleague = make_user(Role.PARTNER_USER, organisation=partner.organisation)
    return {
        "partner": partner,
        "agreement": agreement,
        "partner_user": partner_user,
        "colleague": colleague,
        "offer": OfferFactory(),
        "manager": make_user(Role.PARTNER_MANAGER),
    }


def test_the_documented_list_is_the_partner_schema() -> None:
    from handschlag.alliances.api import AgreementPartnerOut

    assert documented_agreement_fields() == set(AgreementPartnerOut.model_fields)
    assert {"incentive_plan", "joint_pipeline_target", "leads_to_us_per_quarter"}.isdisjoint(
        documented_agreement_fields()
    )


def test_a_partner_user_receives_exactly_the_documented_fields(world: dict[str, Any], api_as: Any) -> None:
    client = api_as(world["partner_user"])
    agreement = world["agreement"]
    listing = client.get("/api/v1/agreements")
    read = client.get(f"/api/v1/agreements/{agreement.pk}")
    opted_in = client.post(f"/api/v1/agreements/{agreement.pk}/opt-in")
    assert [listing.status_code, read.status_code, opted_in.status_code] == [200, 200, 200]
    expected = documented_agreement_fields()
    assert [set(item) for item in listing.json()["items"]] == [expected]
    assert set(read.json()) == expected
    assert set(opted_in.json()) == expected
    assert opted_in.json()["partner_opted_in"] is True
    assert read.json()["title"] == agreement.title
    assert read.json()["partner_name"] == world["partner"].name
    for answer in (listing, read, opted_in):
        body = answer.content.decode()
        assert INCENTIVE not in body
        assert "2500000" not in body


def test_our_people_receive_the_internal_answer(world: dict[str, Any], api_as: Any) -> None:
    read = api_as(world["manager"]).get(f"/api/v1/agreements/{world['agreement'].pk}").json()
    assert read["incentive_plan"] == INCENTIVE
    assert read["joint_pipeline_target"] == "2500000.00"
    assert documented_agreement_fields() < set(read)


# --- every other route answers 404 ---------------------------------------------------------------------------

PARTNER_USER_MAY = {
    ("GET", "/api/v1/agreements"),
    ("GET", "/api/v1/agreements/{agreement_id}"),
    ("POST", "/api/v1/agreements/{agreement_id}/opt-in"),
}

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/partners"): {"name": "Leck GmbH"},
    ("PUT", "/api/v1/partners/fit-criteria"): {"weights": {}},
    ("PATCH", "/api/v1/partners/{partner_id}"): {"tier": "gold"},
    ("POST", "/api/v1/partners/{partner_id}/contacts"): {"name": "Eindringling"},
    ("POST", "/api/v1/partners/{partner_id}/portal-users"): {"username": "eindringling"},
    ("PUT", "/api/v1/partners/{partner_id}/scorecard"): {"scores": {}},
    ("POST", "/api/v1/agreements"): {"partner_id": 0, "title": "Eigener Vertrag"},
    ("PATCH", "/api/v1/agreements/{agreement_id}"): {"title": "Geändert"},
    ("POST", "/api/v1/offers"): {"company_name": "Leck GmbH"},
    ("POST", "/api/v1/offers/{offer_id}/decision"): {"decision": "accept"},
}


def api_routes() -> list[tuple[str, str]]:
    routes = []
    for prefix, router in (
        ("/api/v1/partners", partners_router),
        ("/api/v1/agreements", agreements_router),
        ("/api/v1/offers", offers_router),
    ):
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    routes.append((method, prefix + path))
    return sorted(routes)


INTERNAL_API_ROUTES = [route for route in api_routes() if route not in PARTNER_USER_MAY]


def _snapshot() -> list[Any]:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Partner, PartnerContact, Agreement, Offer, User, AuditEvent)
    ]


def test_every_route_is_either_internal_or_allowed() -> None:
    assert set(api_routes()) >= PARTNER_USER_MAY
    assert len(INTERNAL_API_ROUTES) == len(api_routes()) - 3
    assert set(BODIES) <= set(INTERNAL_API_ROUTES)


@pytest.mark.parametrize(("method", "route"), INTERNAL_API_ROUTES)
def test_a_partner_user_gets_404_on_every_internal_api_route(
    method: str, route: str, world: dict[str, Any], api_as: Any
) -> None:
    ids = {
        "partner_id": world["partner"].pk,  # his own partner: still none of his business
        "agreement_id": world["agreement"].pk,  # his own agreement: he reads it, nothing more
        "offer_id": world["offer"].pk,
        "user_id": world["colleague"].pk,
    }
    path = route.format(**ids)
    body = dict(BODIES.get((method, route), {}))
    if "partner_id" in body:
        body["partner_id"] = world["partner"].pk
    client = api_as(world["partner_user"])
    before = _snapshot()
    send = {"GET": client.get, "POST": client.post, "PUT": client.put, "PATCH": client.patch}[method]
    answer = send(path) if method == "GET" else send(path, body)
    assert answer.status_code == 404, (method, path, answer.content)
    assert answer.json()["error"]["code"] == "not_found"
    assert _snapshot() == before


POST_ONLY_PAGES = {"agreement_opt_in", "agreement_opt_in_invite", "agreement_remind"}


def page_routes() -> list[str]:
    return sorted(pattern.name for pattern in alliance_urls.urlpatterns if pattern.name)


@pytest.mark.parametrize("name", page_routes())
def test_a_partner_user_gets_404_on_every_internal_page(
    name: str, world: dict[str, Any], page_as: Any
) -> None:
    pattern = next(pattern for pattern in alliance_urls.urlpatterns if pattern.name == name)
    arguments = {
        "partner_id": world["partner"].pk,
        "agreement_id": world["agreement"].pk,
        "offer_id": world["offer"].pk,
        "user_id": world["partner_user"].pk,
    }
    wanted = {key: value for key, value in arguments.items() if f"<int:{key}>" in str(pattern.pattern)}
    path = reverse(f"alliances:{name}", kwargs=wanted)
    client = page_as(world["partner_user"])
    before = _snapshot()
    posted = client.post(path, {"action": "contact", "contact-name": "Eindringling", "agreement_id": "1"})
    assert posted.status_code == 404, path
    if name not in POST_ONLY_PAGES:
        assert client.get(path).status_code == 404, path
    assert _snapshot() == before


def test_the_partner_user_agrees_in_the_portal(world: dict[str, Any], page_as: Any) -> None:
    agreement = world["agreement"]
    answer = page_as(world["partner_user"]).post(f"/portal/agreements/{agreement.pk}/opt-in/")
    assert answer.status_code == 302
    agreement.refresh_from_db()
    assert agreement.partner_opt_in_by == world["partner_user"]
    assert agreement.home_opt_in_at is None
