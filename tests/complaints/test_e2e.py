"""Source 001 played in the browser: the seller records the complaint with the threat, production's process
owner finds it in his queue and works D3, management sees the threat and the revenue at risk."""

from __future__ import annotations

import os

import pytest

from handschlag.complaints.models import Complaint
from tests.browser import log_in
from tests.complaints.conftest import Organisation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_seller_records_owner_contains_management_sees_the_threat(browser_page, org: Organisation):
    for user in (org.seller, org.owner, org.management):
        user.language = "en"
        user.save(update_fields=["language"])
    page = browser_page

    log_in(page, "verkauf", PASSWORD)
    page.goto("/complaints/new/")
    with page.expect_response("**/complaints/new/accounts/**"):  # htmx suggestions while typing
        page.fill("input[name=account_q]", "Hydraulik")
    page.check(f"#account-matches input[name=account][value='{org.account.pk}']")
    page.fill("input[name=title]", "Cracks again, worse than last time")
    page.select_option("select[name=category]", "quality")
    page.select_option("select[name=severity]", "critical")
    page.fill(
        "textarea[name=description]", "Photos show cracks on every slide. Cancel all open orders today!"
    )
    page.fill("input[name=order_numbers]", "AB-1, AB-2")
    page.check("input[name=cancellation_threat]")
    page.fill("input[name=cancellation_deadline]", "2030-03-02T18:00")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get()
    assert page.locator("#owner").inner_text() == str(org.owner)
    assert "200,000.00" in page.locator("#threat").inner_text()
    assert complaint.watchers.filter(user=org.seller).exists()
    page.context.clear_cookies()

    log_in(page, "prodmeister", PASSWORD)
    page.goto("/complaints/?queue=mine")
    page.click(f"#complaint-table tr[data-complaint='{complaint.pk}'] a")
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    page.click("#step-D3 summary")
    page.fill("#step-D3 textarea[name=D3-notes]", "Stock blocked, 100 % inspection")
    page.check("#step-D3 input[name=D3-done]")
    page.click("#step-D3 button")
    page.wait_for_selector("#step-D3[data-done='1']")
    complaint.refresh_from_db()
    assert complaint.contained_at is not None
    assert complaint.first_response_at is not None
    page.context.clear_cookies()

    log_in(page, "chefin", PASSWORD)
    page.goto("/complaints/management/")
    row = page.locator(f"#threatened tr[data-complaint='{complaint.pk}']")
    assert row.count() == 1
    assert "200,000.00" in row.inner_text()
    assert "200,000.00" in page.locator("#revenue-at-risk").inner_text()
