"""In Chromium: the partner manager creates an agreement and runs a mapping with an uploaded file; a partner
user logs in and sees the allowed overlap and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handschlag.core.enums import Role
from tests.alliances.factories import PartnerFactory
from tests.browser import log_in
from tests.factories import UserFactory
from tests.mapping.helpers import PARTNER_CSV, our_accounts

PASSWORD = "correct-horse-battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agreement_mapping_and_portal(browser_page: Any, settings: Any, tmp_path: Path) -> None:
    settings.HANDSCHLAG_TASKS_EAGER = True  # the job runs when the upload commits
    page = browser_page
    UserFactory(username="clara", role=Role.PARTNER_MANAGER, language="en")
    partner = PartnerFactory(organisation__name="Nordlicht Automation GmbH")
    UserFactory(username="nils", role=Role.PARTNER_USER, organisation=partner.organisation, language="en")
    our_accounts()
    partner_list = tmp_path / "nordlicht.csv"
    partner_list.write_text(PARTNER_CSV, encoding="utf-8")

    # the partner manager: agreement, sharing rules, opt-in, mapping run
    log_in(page, "clara", PASSWORD)
    page.goto(f"/partners/{partner.pk}/agreements/new/")
    page.fill("input[name=title]", "Strategische Allianz")
    page.select_option("select[name=status]", "active")
    page.fill("input[name=leads_to_us_per_quarter]", "5")
    page.fill("input[name=leads_to_partner_per_quarter]", "5")
    page.fill("textarea[name=value_proposition]", "Maschine und Steuerung aus einer Hand.")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/partners/agreements/*/")
    page.select_option("select[name=level_customer]", "accounts")
    page.check("input[name=fields_customer][value=city]")
    page.select_option("select[name=level_open_opportunity]", "counts")
    page.click("form[action$='/rules/'] button[type=submit]")
    page.click("form[action$='/opt-in/'] button[type=submit]")
    page.set_input_files("input[name=file]", str(partner_list))
    page.click("form[action$='/runs/'] button[type=submit]")
    # the detected columns with a sample value each, to check before the run starts (docs/adr/0106, 7)
    page.wait_for_url("**/mappings/runs/*/columns/")
    assert page.input_value("tr[data-column=Firma] select") == "name"
    assert "Alpha Antriebe GmbH" in page.inner_text("tr[data-column=Firma]")
    page.click("form[method=post][action$='/columns/'] button[type=submit]")
    page.wait_for_url("**/mappings/runs/*/")
    page.wait_for_selector("#run-status[data-status=done]")
    assert "Both sides must agree" in page.content()  # the partner has not agreed yet: no overlap shown
    page.context.clear_cookies()

    # the partner user: agrees, then sees the allowed overlap and nothing else
    log_in(page, "nils", PASSWORD)
    page.wait_for_url("**/portal/")
    page.click("form[action$='/opt-in/'] button[type=submit]")
    page.click("a[href*='/portal/mappings/']")
    page.wait_for_selector("[data-testid=matrix]")
    assert page.inner_text("[data-cell=customer-customer]").strip() == "1"
    # counts only: a band, never the number (docs/adr/0305)
    assert page.inner_text("[data-cell=open_opportunity-prospect]").strip() == "fewer than 5"
    assert page.inner_text("[data-cell=prospect-open_opportunity]").strip() == "—"
    page.click("[data-cell=customer-customer] a")
    page.wait_for_selector("[data-testid=overlap-rows]")
    content = page.content()
    assert "Alpha Antriebe GmbH" in content
    assert "Stuttgart" in content
    for hidden in ("Beta Blech", "Gamma Guss", "Nur Bei Uns", "Olga Owner"):
        assert hidden not in content
    assert page.goto("/partners/").status == 404
    assert page.goto(f"/partners/{partner.pk}/").status == 404
