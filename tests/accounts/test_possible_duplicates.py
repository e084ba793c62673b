"""Possible duplicates among our own accounts (issue 11, deliverable 2): the engine's groups with evidence and merge
guidance, for those who may edit accounts; nothing merged automatically; partner users 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from handschlag.accounts.duplicates import possible_duplicates
from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.models import Account
from handschlag.core.enums import Role
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    seller = make_user(Role.SELLER, language="de")
    other_seller = make_user(Role.SELLER)
    becker = AccountFactory(
        name="Becker Präzisionstechnik",
        legal_form="GmbH",
        external_id="K-1001",
        domain="becker-praezision.de",
        street="Hauptstraße 5",
        postal_code="70173",
        city="Stuttgart",
        status=AccountStatus.CUSTOMER,
        owner=seller,
    )
    ContactFactory(account=becker)
    OrderFactory(account=becker)
    becker_twin = AccountFactory(
        name="PRÄZISIONSTECHNIK BECKER",
        legal_form="",
        external_id="",
        domain="www.becker-praezision.de",
        street="",
        postal_code="70173",
        city="Stuttgart",
        vat_id="DE136695976",
        status=AccountStatus.PROSPECT,
        owner=None,
    )
    ContactFactory(account=becker_twin)
    alpen = AccountFactory(
        name="Alpen Solar Team",
        legal_form="AG",
        domain="alpen-solar.ch",
        street="Seestrasse 10",
        postal_code="8001",
        city="Zürich",
        country="CH",
        owner=other_seller,
    )
    alpen_twin = AccountFactory(
        name="Alpen Solar Team (Schweiz)",
        legal_form="AG",
        domain="alpen-solar.ch",
        street="Seestrasse 10",
        postal_code="8001",
        city="Zürich",
        country="CH",
        owner=other_seller,
    )
    alone = AccountFactory(
        name="Nordsee Fisch Handels",
        domain="nordsee-fisch.de",
        street="Am Hafen 2",
        postal_code="27568",
        city="Bremerhaven",
    )
    return {
        "seller": seller,
        "other_seller": other_seller,
        "becker": becker,
        "becker_twin": becker_twin,
        "alpen": alpen,
        "alpen_twin": alpen_twin,
        "alone": alone,
    }


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_engine_groups_duplicates_and_says_which_to_keep(world: dict[str, Any]) -> None:
    report = possible_duplicates()
    groups = {frozenset(group.account_ids): group for group in report.groups}
    becker = groups[frozenset({world["becker"].pk, world["becker_twin"].pk})]
    assert frozenset({world["alpen"].pk, world["alpen_twin"].pk}) in groups
    assert all(world["alone"].pk not in ids for ids in groups)
    assert becker.keep.id == world["becker"].pk  # the customer, with contacts and an order
    assert becker.keep_reasons == ["status"]
    assert becker.others[0].missing_in_kept == ("vat_id",)
    (pair,) = becker.pairs
    assert {item["field"] for item in pair.evidence} >= {"name", "domain", "postal_code"}
    with translation.override("en"):
        assert "same domain" in pair.evidence_text.lower()
    assert report.compared == report.total == 5
    assert Account.objects.filter(archived_at__isnull=False).count() == 0  # nothing merged or archived


def test_the_page_shows_groups_evidence_and_merge_guidance_in_german(
    world: dict[str, Any], page_as: Any, make_user: Any
) -> None:
    response = page_as(make_user(Role.MANAGEMENT, language="de")).get("/accounts/duplicates/")
    assert response.status_code == 200
    text = _text(response)
    assert "Mögliche Dubletten" in text
    assert text.count('data-testid="duplicate-group"') == 0  # attributes are stripped from the text
    assert response.content.decode().count('data-testid="duplicate-group"') == 2
    assert "gleiche domain" in text.lower()
    assert f"Behalten Sie „Becker Präzisionstechnik GmbH“ (#{world['becker'].pk})" in text
    assert "Übertragen Sie die Ansprechpartner (1) und Aufträge (0)" in text
    assert "USt-IdNr." in text
    assert f"Archivieren Sie dann „PRÄZISIONSTECHNIK BECKER“ (#{world['becker_twin'].pk})." in text
    assert f'href="/accounts/{world["becker_twin"].pk}/"' in response.content.decode()


def test_a_seller_sees_the_groups_of_his_own_accounts(
    world: dict[str, Any], page_as: Any, api_as: Any
) -> None:
    response = page_as(world["seller"]).get("/accounts/duplicates/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('data-testid="duplicate-group"') == 1
    assert "Becker" in content
    assert "Alpen Solar" not in content
    groups = api_as(world["seller"]).get("/api/v1/account-duplicates").json()["groups"]
    assert [group["keep_account_id"] for group in groups] == [world["becker"].pk]


@pytest.mark.parametrize("role", [Role.MANAGEMENT, Role.ADMIN])
def test_the_api_lists_every_group_for_those_who_edit_all_accounts(
    world: dict[str, Any], api_as: Any, make_user: Any, role: str
) -> None:
    response = api_as(make_user(role, language="en")).get("/api/v1/account-duplicates")
    assert response.status_code == 200
    body = response.json()
    assert (body["compared"], body["total"]) == (5, 5)
    by_keep = {group["keep_account_id"]: group for group in body["groups"]}
    becker = by_keep[world["becker"].pk]
    assert [(account["id"], account["keep"]) for account in becker["accounts"]] == [
        (world["becker"].pk, True),
        (world["becker_twin"].pk, False),
    ]
    assert becker["accounts"][1]["copy_fields"] == ["vat_id"]
    assert becker["guidance"][0].startswith("Keep “Becker Präzisionstechnik GmbH”")
    assert becker["guidance"][-1] == f"Then archive “PRÄZISIONSTECHNIK BECKER” (#{world['becker_twin'].pk})."
    assert "same domain" in becker["pairs"][0]["evidence_text"].lower()
    assert len(body["groups"]) == 2


@pytest.mark.parametrize("role", [Role.PARTNER_MANAGER, Role.PROCESS_OWNER, Role.MARKETING])
def test_who_may_not_edit_accounts_is_refused(
    world: dict[str, Any], page_as: Any, api_as: Any, make_user: Any, role: str
) -> None:
    user = make_user(role)
    assert page_as(user).get("/accounts/duplicates/").status_code == 403
    assert api_as(user).get("/api/v1/account-duplicates").status_code == 403


def test_a_partner_user_gets_404(world: dict[str, Any], page_as: Any, api_as: Any, partner_user: Any) -> None:
    assert page_as(partner_user).get("/accounts/duplicates/").status_code == 404
    response = api_as(partner_user).get("/api/v1/account-duplicates")
    assert response.status_code == 404
    assert "Becker" not in response.content.decode()


def test_an_archived_account_leaves_its_group(world: dict[str, Any], make_user: Any) -> None:
    assert len(possible_duplicates().groups) == 2
    from django.utils import timezone

    Account.objects.filter(pk=world["alpen_twin"].pk).update(
        archived_at=timezone.now(), updated_at=timezone.now()
    )
    groups = possible_duplicates().groups
    assert [group.keep.id for group in groups] == [world["becker"].pk]


def test_the_comparison_is_bounded(world: dict[str, Any], settings: Any) -> None:
    settings.HANDSCHLAG_DUPLICATES_MAX_ACCOUNTS = 3
    report = possible_duplicates()
    assert (report.compared, report.total, report.limited) == (3, 5, True)
    assert all(len(group.account_ids) == 2 for group in report.groups)


def test_the_account_page_points_to_its_possible_duplicates(
    world: dict[str, Any], page_as: Any, make_user: Any
) -> None:
    becker, twin = world["becker"], world["becker_twin"]
    page = page_as(make_user(Role.MANAGEMENT, language="de")).get(f"/accounts/{becker.pk}/").content.decode()
    assert 'data-testid="account-duplicates"' in page
    assert f'href="/accounts/{twin.pk}/"' in page
    assert "Behalten Sie" not in page  # the guidance is on the list, linked from here
    assert 'href="/accounts/duplicates/"' in page
    alone = page_as(make_user(Role.MANAGEMENT)).get(f"/accounts/{world['alone'].pk}/").content.decode()
    assert 'data-testid="account-duplicates"' not in alone
    # who may not see the list gets no hint either
    marketing = page_as(make_user(Role.MARKETING)).get(f"/accounts/{becker.pk}/").content.decode()
    assert 'data-testid="account-duplicates"' not in marketing


def test_the_account_pages_hint_is_kept_until_an_account_changes(
    world: dict[str, Any], page_as: Any, make_user: Any
) -> None:
    # given the hint was computed once
    becker, twin = world["becker"], world["becker_twin"]
    client = page_as(make_user(Role.MANAGEMENT))
    assert f'href="/accounts/{twin.pk}/"' in client.get(f"/accounts/{becker.pk}/").content.decode()
    # when the twin is archived (a write to an account)
    twin.archived_at = twin.updated_at
    twin.save()
    # then the next page view asks again and no longer points to it
    page = client.get(f"/accounts/{becker.pk}/").content.decode()
    assert 'data-testid="account-duplicates"' not in page
