"""Bulk actions on the account list: reassign the owner, add a tag. Each account through `account_update`, so a
seller changes only his own; the result counts changed and refused; every change is audited; refused ones stay."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from handschlag.accounts.models import Account
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "seller": make_user(Role.SELLER, language="en"),
        "other": make_user(Role.SELLER, language="en"),
        "manager": make_user(Role.MANAGEMENT, language="en"),
    }


def _post(client: Any, accounts: list[Account], **data: Any) -> Any:
    return client.post(reverse("accounts:bulk"), {"account": [a.pk for a in accounts], **data}, follow=True)


def _message(response: Any) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_a_manager_reassigns_several_accounts_in_one_go(people: dict[str, Any], page_as: Any) -> None:
    accounts = [AccountFactory(owner=people["seller"]) for _ in range(3)]
    response = _post(page_as(people["manager"]), accounts, action="owner", owner=people["other"].pk)
    assert response.status_code == 200
    assert "3 accounts changed." in _message(response)
    assert {account.owner_id for account in Account.objects.all()} == {people["other"].pk}
    assert AuditEvent.objects.filter(action="account.update", actor=people["manager"]).count() == 3


def test_a_seller_tags_only_his_own_accounts(people: dict[str, Any], page_as: Any) -> None:
    own = AccountFactory(owner=people["seller"], tags="wartung")
    foreign = AccountFactory(owner=people["other"], tags="")
    response = _post(page_as(people["seller"]), [own, foreign], action="tag", tag="Messe 2026")
    assert "1 account changed." in _message(response)
    assert "1 refused" in _message(response)
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.tag_list == ["wartung", "Messe 2026"]
    assert foreign.tags == ""
    assert AuditEvent.objects.filter(action="account.update", target_id=str(foreign.pk)).count() == 0


def test_a_seller_cannot_give_accounts_to_someone_else(people: dict[str, Any], page_as: Any) -> None:
    own = AccountFactory(owner=people["seller"])
    response = _post(page_as(people["seller"]), [own], action="owner", owner=people["other"].pk)
    assert "0 accounts changed." in _message(response)
    assert "1 refused" in _message(response)
    own.refresh_from_db()
    assert own.owner == people["seller"]
    assert not AuditEvent.objects.filter(action="account.update").exists()


def test_adding_a_tag_twice_changes_nothing_and_unknown_ids_are_refused(
    people: dict[str, Any], page_as: Any
) -> None:
    account = AccountFactory(owner=people["seller"], tags="messe")
    client = page_as(people["manager"])
    response = client.post(
        reverse("accounts:bulk"),
        {"account": [account.pk, 999999, "abc"], "action": "tag", "tag": "Messe"},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 refused" in _message(response)
    account.refresh_from_db()
    assert account.tags == "messe"


@pytest.mark.parametrize(
    "data",
    [{}, {"action": "owner"}, {"action": "tag", "tag": "  "}, {"action": "delete", "owner": "1"}],
)
def test_an_incomplete_form_changes_nothing(
    people: dict[str, Any], page_as: Any, data: dict[str, str]
) -> None:
    account = AccountFactory(owner=people["seller"])
    response = page_as(people["manager"]).post(reverse("accounts:bulk"), {"account": [account.pk], **data})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="account.update").exists()


def test_partner_users_get_404_and_get_is_refused(
    people: dict[str, Any], page_as: Any, partner_user: Any
) -> None:
    account = AccountFactory(owner=people["seller"])
    response = page_as(partner_user).post(
        reverse("accounts:bulk"), {"account": [account.pk], "action": "tag", "tag": "x"}
    )
    assert response.status_code == 404
    assert page_as(people["manager"]).get(reverse("accounts:bulk")).status_code == 405
    account.refresh_from_db()
    assert account.tags == ""


def test_the_list_shows_checkboxes_and_the_action_bar(people: dict[str, Any], page_as: Any) -> None:
    account = AccountFactory(owner=people["seller"])
    html = page_as(people["seller"]).get(reverse("accounts:list"), {"sort": "city"}).content.decode()
    assert f'name="account" value="{account.pk}"' in html
    assert 'data-select-all="account"' in html
    assert 'name="query" value="sort=city"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_redirect_keeps_the_list_query(people: dict[str, Any], page_as: Any) -> None:
    account = AccountFactory(owner=people["seller"])
    response = page_as(people["manager"]).post(
        reverse("accounts:bulk"),
        {"account": [account.pk], "action": "tag", "tag": "a", "query": "sort=-city&q=x"},
    )
    assert response["Location"] == reverse("accounts:list") + "?sort=-city&q=x"


def test_the_result_reads_in_german(make_user: Any, page_as: Any) -> None:
    seller = make_user(Role.SELLER, language="de")
    own = AccountFactory(owner=seller)
    foreign = AccountFactory(owner=make_user(Role.SELLER))
    response = _post(page_as(seller), [own, foreign], action="tag", tag="Messe")
    assert "1 Kunde geändert. 1 abgelehnt: Diese Änderung dürfen Sie dort nicht vornehmen." in _message(
        response
    )
    assert "Mit den angekreuzten Kunden" in response.content.decode()


def test_never_share_and_share_again_as_bulk_actions(people: dict[str, Any], page_as: Any) -> None:
    """Registered by mapping (accounts imports nothing of it); each account through mapping's services."""
    from handschlag.mapping.models import ShareExclusion

    own = [AccountFactory(owner=people["seller"]) for _ in range(2)]
    foreign = AccountFactory(owner=people["other"])
    client = page_as(people["seller"])
    assert "Never share with partners" in client.get(reverse("accounts:list")).content.decode()

    response = _post(client, [*own, foreign], action="never_share")

    assert "2 accounts changed." in _message(response)
    assert "1 refused" in _message(response)
    assert set(ShareExclusion.objects.values_list("account_id", flat=True)) == {account.pk for account in own}
    response = _post(client, own, action="share_again")
    assert "2 accounts changed." in _message(response)
    assert not ShareExclusion.objects.exists()
