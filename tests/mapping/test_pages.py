"""Mapping pages for our people: the overlap in labels, clear errors on the never-share form."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.mapping.models import ShareExclusion
from tests.mapping.helpers import opted_in_agreement, our_accounts, run_mapping

pytestmark = pytest.mark.django_db


def test_the_overlap_lists_populations_and_fields_as_labels(
    make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    page = page_as(manager).get(f"/mappings/runs/{run.pk}/?our=open_opportunity").content.decode()
    text = re.sub(r"<[^>]+>", " ", page[page.index("<main") :])  # the page, not the menu's entries
    assert "Overlapping accounts: Open opportunity \u00d7 all" in text
    assert "Our account owner" in text
    match = re.search(r"(?<!Former )\bcustomer\b|\bprospect\b|open_opportunity|former_customer", text)
    assert match is None, text[max(0, match.start() - 80) : match.end() + 40]
    rules = page_as(manager).get(f"/partners/agreements/{agreement.pk}/").content.decode()
    assert 'data-testid="sharing-rules"' in rules


def test_an_unknown_account_number_is_a_form_error_and_nothing_is_marked(
    make_user: Any, page_as: Any
) -> None:
    answer = page_as(make_user(Role.PARTNER_MANAGER, language="en")).post(
        "/mappings/never-shared/", {"account_id": 999999, "reason": "x"}
    )
    assert answer.status_code == 400
    assert "There is no account with this CRM id or number." in answer.content.decode()
    assert ShareExclusion.objects.count() == 0
