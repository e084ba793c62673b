"""The account page's partner section (registered by mapping): which partnerships' latest mapping matched the
account, only to those who may see partnerships and only after the double opt-in; "never share" as an action."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.alliances.models import Agreement
from handschlag.core.enums import Role
from handschlag.mapping.models import ShareExclusion
from tests.factories import AccountFactory
from tests.mapping.helpers import opted_in_agreement, our_accounts, run_mapping

pytestmark = pytest.mark.django_db


def test_the_account_page_names_the_partners_whose_latest_mapping_matched_it(
    make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert run.status == "done"

    html = page_as(manager).get(f"/accounts/{accounts['alpha'].pk}/").content.decode()
    assert 'id="account-overlaps"' in html
    assert agreement.partner.name in html
    assert f'href="/mappings/runs/{run.pk}/"' in html

    only_ours = page_as(manager).get(f"/accounts/{accounts['only_ours'].pk}/").content.decode()
    assert "No partner's latest account mapping found this company." in only_ours

    # the account's seller sees it too (he may see partnerships) and may mark his account never to share
    seller_html = page_as(accounts["alpha"].owner).get(f"/accounts/{accounts['alpha'].pk}/").content.decode()
    assert agreement.partner.name in seller_html
    assert 'value="never_share"' in seller_html


def test_no_overlap_is_shown_before_both_sides_agreed(
    make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    Agreement.objects.filter(pk=agreement.pk).update(partner_opt_in_at=None)

    html = page_as(manager).get(f"/accounts/{accounts['alpha'].pk}/").content.decode()
    assert f'href="/mappings/runs/{run.pk}/"' not in html


def test_never_share_and_share_again_from_the_account_page(make_user: Any, page_as: Any) -> None:
    seller = make_user(Role.SELLER)
    own = AccountFactory(owner=seller)
    foreign = AccountFactory()
    client = page_as(seller)

    marked = client.post(f"/mappings/never-shared/{own.pk}/", {"action": "never_share", "reason": "Wunsch"})
    assert marked.status_code == 302
    assert marked["Location"] == f"/accounts/{own.pk}/#partner-overlaps"
    assert ShareExclusion.objects.get().reason == "Wunsch"
    assert 'data-testid="never-shared"' in client.get(f"/accounts/{own.pk}/").content.decode()

    assert client.post(f"/mappings/never-shared/{foreign.pk}/", {"action": "never_share"}).status_code == 403
    assert ShareExclusion.objects.count() == 1

    client.post(f"/mappings/never-shared/{own.pk}/", {"action": "share_again"})
    assert ShareExclusion.objects.count() == 0


def test_the_exclusion_form_takes_the_crm_id(make_user: Any, page_as: Any) -> None:
    account = AccountFactory(external_id="SF-4711")
    answer = page_as(make_user(Role.PARTNER_MANAGER)).post(
        "/mappings/never-shared/", {"account_id": "SF-4711", "reason": "x"}
    )
    assert answer.status_code == 302
    assert ShareExclusion.objects.get().account_id == account.pk
