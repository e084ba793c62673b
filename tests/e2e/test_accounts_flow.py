"""A user logs in (German UI by default, even on an English browser), imports a file, finds an account."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from handschlag.accounts.models import Account
from handschlag.core.enums import Role
from tests.browser import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
CSV = (
    "Firma;PLZ;Ort;Website;Status;Jahresumsatz\n"
    "Elbtal Präzisionstechnik GmbH;01067;Dresden;www.elbtal-praezision.de;Kunde;1.234.567,89\n"
    "Hafenkante Logistik KG;20095;Hamburg;hafenkante.de;Interessent;250.000\n"
    "Kaputte Zeile GmbH;ABCDE;Nirgendwo;;Freund;\n"
)


def test_import_through_the_page_then_find_the_account(browser_page, tmp_path: Path):
    UserFactory(username="ida", role=Role.ADMIN)
    page = browser_page
    upload = tmp_path / "kunden.csv"
    upload.write_bytes(CSV.encode("cp1252"))

    log_in(page, "ida", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "de"

    page.goto("/accounts/imports/")
    page.set_input_files("input[name=file]", str(upload))
    page.check("input[name=mode][value=all_or_nothing]")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url("**/accounts/imports/*/")
    # the detected columns first, with a sample value each; the user could change or ignore any of them
    columns = page.locator("#import-columns tbody tr")
    assert columns.count() == 6
    assert "Elbtal Präzisionstechnik GmbH" in columns.first.inner_text()
    page.select_option("select[name=column-5]", "")  # Jahresumsatz: not wanted
    page.fill("input[name=save_as]", "Kunden-Export Elbtal")
    page.click("form[action$='/columns/'] button[type=submit]")
    page.wait_for_selector("#import-status[data-status=queued], #import-status[data-status=done]")
    from handschlag.core.tasks import run_pending_jobs

    run_pending_jobs()
    page.wait_for_selector("#import-status[data-status=done]", timeout=20_000)
    # line 4 has a bad postal code and status: the company is imported all the same, with two warnings
    assert page.get_by_test_id("created").inner_text() == "3"
    assert page.get_by_test_id("warnings").inner_text() == "2"
    warnings = page.locator("#row-warnings tbody tr")
    assert warnings.count() == 2
    assert "4" in warnings.first.inner_text()
    assert Account.objects.count() == 3
    assert not Account.objects.exclude(annual_revenue=None).exists()

    page.goto("/accounts/")
    page.fill("input[name=q]", "elbtal")
    # a locator, not wait_for_function: the Content-Security-Policy forbids evaluating strings in the page
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.click("#results a:has-text('Elbtal')")
    page.wait_for_url("**/accounts/*/")
    body = page.locator("main").inner_text()
    assert "Elbtal Präzisionstechnik GmbH" in body
    assert "01067 Dresden" in body
    page.screenshot(path=str(tmp_path / "account.png"))
