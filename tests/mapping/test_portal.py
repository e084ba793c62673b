"""The partner portal: a partner user sees his own partnership through the sharing rules, and nothing else.

Tested with a user of another partner and with a partner user poking at our ids: 404, nothing leaked or
changed."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from handschlag.mapping.models import MappingRun
from tests.alliances.factories import OfferFactory
from tests.mapping.helpers import opted_in_agreement, our_accounts, rules_patch, run_mapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER, language="en")
    other_partner_user = make_user(Role.PARTNER_USER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    other_agreement = opted_in_agreement(manager=manager, partner_user=other_partner_user)
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    other_run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=other_agreement)
    return {
        "manager": manager,
        "partner_user": partner_user,
        "other": other_partner_user,
        "agreement": agreement,
        "other_agreement": other_agreement,
        "run": run,
        "other_run": other_run,
        "offer": OfferFactory(),
        **accounts,
    }


def test_the_partner_user_sees_his_overlap_through_the_api(world: dict[str, Any], api_as: Any) -> None:
    client = api_as(world["partner_user"])
    run = world["run"]
    assert [item["id"] for item in client.get("/api/v1/agreements").json()["items"]] == [
        world["agreement"].pk
    ]
    read = client.get(f"/api/v1/mappings/{run.pk}").json()
    assert set(read) == {"id", "agreement_id", "status", "counts_shown", "created_at", "finished_at"}
    cells = {
        (c["our_population"], c["partner_population"]): (c["count"], c["count_from"], c["count_to"])
        for c in client.get(f"/api/v1/mappings/{run.pk}/matrix").json()
    }
    assert cells[("customer", "customer")] == (1, 1, 1)  # overlapping accounts: the names are listed anyway
    assert cells[("open_opportunity", "prospect")] == (None, 0, 4)  # counts only: "fewer than 5"
    assert cells[("prospect", "open_opportunity")] == (None, None, None)  # hidden
    rows = client.get(f"/api/v1/mappings/{run.pk}/overlap").json()["items"]
    assert [(row["name"], row["city"], row["owner"], row["domain"]) for row in rows] == [
        ("Alpha Antriebe GmbH", "Stuttgart", "Olga Owner", None)  # the domain is not shared
    ]
    assert "account_id" not in rows[0]  # our ids never reach the partner
    assert [item["id"] for item in client.get("/api/v1/mappings/portal").json()] == [run.pk]


def test_a_partner_user_cannot_opt_in_for_another_partner(make_user: Any, api_as: Any) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER)
    agreement = opted_in_agreement(manager=manager)
    answer = api_as(partner_user).post(f"/api/v1/agreements/{agreement.pk}/opt-in")
    assert answer.status_code == 404
    agreement.refresh_from_db()
    assert agreement.partner_opt_in_at is None


OUR_ENDPOINTS = [
    ("get", "/api/v1/partners"),
    ("get", "/api/v1/partners/{partner}"),
    ("get", "/api/v1/partners/{partner}/scorecard"),
    ("get", "/api/v1/partners/{partner}/health"),
    ("get", "/api/v1/partners/fit-criteria"),
    ("get", "/api/v1/offers"),
    ("get", "/api/v1/offers/{offer}"),
    ("post", "/api/v1/offers/{offer}/decision"),
    ("get", "/api/v1/agreements/{other_agreement}"),
    ("post", "/api/v1/agreements/{other_agreement}/opt-in"),
    ("patch", "/api/v1/agreements/{agreement}"),
    ("get", "/api/v1/agreements/{agreement}/enablement"),
    ("post", "/api/v1/agreements/{agreement}/remind"),
    ("get", "/api/v1/mappings"),
    ("get", "/api/v1/mappings/{other_run}"),
    ("get", "/api/v1/mappings/{other_run}/matrix"),
    ("get", "/api/v1/mappings/{other_run}/overlap"),
    ("get", "/api/v1/mappings/{other_run}/changes"),
    ("get", "/api/v1/mappings/{run}/errors"),
    ("delete", "/api/v1/mappings/{run}"),
    ("get", "/api/v1/mappings/sharing-rules/{other_agreement}"),
    ("put", "/api/v1/mappings/sharing-rules/{agreement}"),
    ("get", "/api/v1/mappings/exclusions"),
    ("post", "/api/v1/mappings/exclusions"),
    ("get", "/api/v1/accounts/{alpha}"),
]


@pytest.mark.parametrize(("method", "path"), OUR_ENDPOINTS)
def test_a_partner_user_poking_at_our_ids_gets_404_and_changes_nothing(
    world: dict[str, Any], api_as: Any, method: str, path: str
) -> None:
    ids = {
        key: getattr(world[key], "pk", None)
        for key in ("agreement", "other_agreement", "run", "other_run", "offer", "alpha")
    }
    ids["partner"] = world["agreement"].partner_id
    url = path.format(**ids)
    client = api_as(world["partner_user"])
    before = (AuditEvent.objects.count(), MappingRun.objects.count())
    bodies = {  # a valid body for each write, so that the request reaches the access check
        "/api/v1/offers/{offer}/decision": {"decision": "accept"},
        "/api/v1/agreements/{agreement}": {"title": "x"},
        "/api/v1/mappings/sharing-rules/{agreement}": {"rules": {"customer": {"level": "accounts"}}},
        "/api/v1/mappings/exclusions": {"account_id": world["alpha"].pk},
    }
    answer = (
        getattr(client, method)(url, bodies.get(path, {}))
        if method in {"post", "patch", "put"}
        else getattr(client, method)(url)
    )
    assert answer.status_code == 404, url  # as for an id that does not exist (docs/partner-portal.md)
    assert "Alpha" not in answer.content.decode()
    assert (AuditEvent.objects.count(), MappingRun.objects.count()) == before


def test_a_run_is_invisible_to_the_partner_until_both_opted_in(world: dict[str, Any], api_as: Any) -> None:
    from handschlag.mapping.services import sharing_rules_set

    sharing_rules_set(
        actor=world["manager"],
        agreement=world["agreement"],
        patch=rules_patch({"prospect": {"level": "counts"}}),
    )
    assert api_as(world["partner_user"]).get(f"/api/v1/mappings/{world['run'].pk}").status_code == 404


PAGES = [
    "/partners/",
    "/partners/{partner}/",
    "/partners/agreements/{agreement}/",
    "/partners/offers/",
    "/partners/offers/{offer}/",
    "/partners/to-read/",
    "/partners/fit-criteria/",
    "/mappings/runs/{run}/",
    "/mappings/runs/{run}/export.csv",
    "/mappings/never-shared/",
    "/portal/mappings/{other_run}/",
    "/portal/mappings/{other_run}/export.csv",
    "/accounts/{alpha}/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_of_ours_and_of_the_other_partner_are_404_in_the_portal(
    world: dict[str, Any], page_as: Any, path: str
) -> None:
    url = path.format(
        partner=world["agreement"].partner_id,
        agreement=world["agreement"].pk,
        offer=world["offer"].pk,
        run=world["run"].pk,
        other_run=world["other_run"].pk,
        alpha=world["alpha"].pk,
    )
    answer = page_as(world["partner_user"]).get(url)
    assert answer.status_code == 404, url


def test_the_portal_pages_show_the_allowed_overlap_and_nothing_else(
    world: dict[str, Any], page_as: Any
) -> None:
    client = page_as(world["partner_user"])
    assert client.get("/").url == "/portal/"
    home = client.get("/portal/").content.decode()
    assert world["agreement"].title in home
    assert world["other_agreement"].title not in home
    page = client.get(f"/portal/mappings/{world['run'].pk}/?our=customer&theirs=customer").content.decode()
    assert "Alpha Antriebe GmbH" in page
    for hidden in ("Beta Blech", "Gamma Guss", "Nur Bei Uns", "Nur Beim Partner"):
        assert hidden not in page
    export = b"".join(client.get(f"/portal/mappings/{world['run'].pk}/export.csv").streaming_content).decode()
    assert "Alpha Antriebe GmbH" in export
    for hidden in ("Beta Blech", "Gamma Guss", "Nur Bei Uns", "Nur Beim Partner"):
        assert hidden not in export
    # drill-down into a counts-only or hidden cell lists nothing
    counts_only = client.get(
        f"/portal/mappings/{world['run'].pk}/?our=open_opportunity&theirs=prospect"
    ).content.decode()
    assert "Beta Blech" not in counts_only


def test_the_other_partner_sees_only_his_own(world: dict[str, Any], page_as: Any) -> None:
    client = page_as(world["other"])
    assert client.get(f"/portal/mappings/{world['run'].pk}/").status_code == 404
    assert client.get(f"/portal/mappings/{world['other_run'].pk}/").status_code == 200


def test_internal_pages_render_for_the_partner_manager(world: dict[str, Any], page_as: Any) -> None:
    client = page_as(world["manager"])
    for url in (
        "/partners/",
        f"/partners/{world['agreement'].partner_id}/",
        f"/partners/agreements/{world['agreement'].pk}/",
        "/partners/offers/",
        f"/partners/offers/{world['offer'].pk}/",
        "/partners/to-read/",
        "/partners/fit-criteria/",
        f"/mappings/runs/{world['run'].pk}/?our=prospect&theirs=open_opportunity",
        "/mappings/never-shared/",
    ):
        assert client.get(url).status_code == 200, url
    export = b"".join(client.get(f"/mappings/runs/{world['run'].pk}/export.csv").streaming_content).decode()
    assert "Gamma Guss" in export
    assert "Nur Bei Uns" not in export
