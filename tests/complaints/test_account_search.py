"""The account of a new complaint is searched, not picked from a select of every account (100k in the large
demo): htmx suggestions, a no-JavaScript search that posts back, only accounts the user may see."""

from __future__ import annotations

import pytest

from handschlag.complaints.models import Complaint
from handschlag.core.enums import Role
from handschlag.core.models import User
from tests.conftest import ALL_ROLES
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(org):
    """These tests read English texts; the pages speak each user's language (German by default)."""
    User.objects.update(language="en")


@pytest.fixture
def many_accounts(org):
    # CRM ids and domains without digits: the search looks at them too, and "07" must only match the name
    letters = [*"abcdefghijklmnopqrstuvwxyz", "aa", "bb", "cc", "dd"]
    return [
        AccountFactory(
            name=f"Müller Maschinenbau {number:02d}",
            external_id=f"MM-{letters[number]}",
            domain=f"mueller-{letters[number]}.example",
        )
        for number in range(30)
    ]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_search_endpoint_per_role(page_as, make_user, org, role):
    response = page_as(make_user(role)).get("/complaints/new/accounts/", {"account_q": "Schlüssel"})

    if role == Role.PARTNER_USER:
        assert response.status_code == 404
    elif role == Role.MARKETING:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert f'value="{org.account.pk}"' in response.content.decode()


def test_suggestions_are_limited_and_fold_umlauts(page_as, org, many_accounts):
    content = (
        page_as(org.management).get("/complaints/new/accounts/", {"account_q": "mueller"}).content.decode()
    )

    assert content.count('type="radio"') == 20
    assert "type more to narrow the search down" in content


def test_the_chosen_account_stays_in_the_suggestions(page_as, org, many_accounts):
    content = (
        page_as(org.management)
        .get("/complaints/new/accounts/", {"account_q": "zzz", "account": org.account.pk})
        .content.decode()
    )

    assert f'value="{org.account.pk}" checked' in content
    assert "No account matches “zzz”." in content


def test_a_seller_sees_his_own_accounts_first_without_searching(page_as, org, many_accounts):
    content = page_as(org.seller).get("/complaints/new/").content.decode()

    assert '<select name="account"' not in content
    assert content.count('type="radio" name="account"') == 1
    assert f'value="{org.account.pk}"' in content
    assert "Your accounts. Search to find any other." in content
    assert '<noscript><button type="submit" name="search_account"' in content  # the search without JavaScript


def test_create_page_does_not_list_every_account(page_as, org, many_accounts, django_assert_max_num_queries):
    client = page_as(org.management)
    with django_assert_max_num_queries(20) as small:
        content = client.get("/complaints/new/").content.decode()
    assert 'type="radio" name="account"' not in content  # management owns no accounts: nothing until searched
    for number in range(30):
        AccountFactory(name=f"Weitere {number}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/complaints/new/")


def test_preset_account_from_the_account_page_is_chosen(page_as, org):
    content = page_as(org.management).get(f"/complaints/new/?account={org.account.pk}").content.decode()

    assert f'value="{org.account.pk}" checked' in content


def test_no_javascript_search_posts_back_and_records_nothing(page_as, org, many_accounts):
    response = page_as(org.management).post(
        "/complaints/new/",
        {
            "account_q": "Müller Maschinenbau 07",
            "search_account": "1",
            "title": "Risse",
            "category": "quality",
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert content.count('type="radio" name="account"') == 1
    assert "Müller Maschinenbau 07" in content
    assert 'value="Risse"' in content  # what was typed is kept
    assert "This field is required." not in content


def test_then_choosing_and_submitting_records_the_case(page_as, org, many_accounts):
    chosen = many_accounts[7]

    response = page_as(org.management).post(
        "/complaints/new/",
        {
            "account_q": "Müller Maschinenbau 07",
            "account": chosen.pk,
            "title": "Risse",
            "category": "quality",
            "severity": "high",
            "description": "x",
            "threat_scope": "all_open_orders",
        },
    )

    assert response.status_code == 302
    assert Complaint.objects.get().account == chosen


def test_submitting_without_an_account_says_what_to_do(page_as, org):
    content = (
        page_as(org.seller)
        .post(
            "/complaints/new/",
            {"title": "Risse", "category": "quality", "severity": "high", "description": "x"},
        )
        .content.decode()
    )

    assert "Search for the account and choose it." in content
    assert Complaint.objects.count() == 0


def test_an_unknown_account_id_is_refused(page_as, org):
    response = page_as(org.seller).post(
        "/complaints/new/",
        {"account": 999_999, "title": "Risse", "category": "quality", "severity": "high", "description": "x"},
    )

    assert response.status_code == 200
    assert Complaint.objects.count() == 0
