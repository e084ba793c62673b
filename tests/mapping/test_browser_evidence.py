"""In Chromium: a partner manager opens a pair from the drill-down, reads why it matched and rejects it; the pair
page is not there for the partner user."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.core.tasks import run_pending_jobs
from handschlag.mapping.models import MappingMatch, MatchDecision
from handschlag.mapping.services import mapping_run_create
from tests.browser import log_in
from tests.factories import UserFactory
from tests.mapping.helpers import PARTNER_CSV, opted_in_agreement, our_accounts, upload

PASSWORD = "correct-horse-battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_read_the_evidence_and_reject_a_pair(browser_page: Any) -> None:
    page = browser_page
    manager = UserFactory(username="clara", role=Role.PARTNER_MANAGER, language="en")
    partner_user = UserFactory(username="nils", role=Role.PARTNER_USER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    run = mapping_run_create(actor=manager, agreement=agreement, upload=upload(PARTNER_CSV))
    run_pending_jobs()
    match = MappingMatch.objects.get(run=run, account=accounts["alpha"])

    log_in(page, "clara", PASSWORD)
    page.goto(f"/mappings/runs/{run.pk}/?our=customer")
    page.wait_for_selector("[data-testid=evidence-cell]")
    assert "same postal code" in page.inner_text("[data-testid=evidence-cell]")
    page.click("[data-testid=evidence-cell] a")
    page.wait_for_selector("[data-testid=evidence]")
    assert "same domain" in page.inner_text("[data-testid=evidence-text]").lower()
    page.fill("input[name=note]", "sister company")
    page.click("button[name=verdict][value=rejected]")
    page.wait_for_selector("[data-testid=decision-state]")
    assert "Later runs of this partnership leave this pair out." in page.inner_text(
        "[data-testid=decision-state]"
    )
    assert MatchDecision.objects.get().verdict == "rejected"
    page.context.clear_cookies()

    log_in(page, "nils", PASSWORD)
    assert page.goto(f"/mappings/runs/{run.pk}/pairs/{match.pk}/").status == 404
