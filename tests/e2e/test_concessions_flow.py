"""A seller records a concession without a return; the manager opens the approval, sees the account's history
(the concession rate of the last quarters, the gives without gets, the customer's goals) and rejects it with a
reason; the seller reads the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from handschlag.accounts.enums import InsightKind
from handschlag.accounts.models import CustomerInsight
from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.models import Concession
from handschlag.core.enums import Role
from tests.browser import log_in
from tests.factories import AccountFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_seller_records_a_give_without_get_and_the_manager_rejects_it(browser_page):
    seller = UserFactory(username="jonas", role=Role.SELLER)
    UserFactory(username="hanna", role=Role.MANAGEMENT)
    account = AccountFactory(
        owner=seller, name="Hohenlohe Antriebstechnik", customer_since=dt.date(2014, 2, 1)
    )
    CustomerInsight.objects.create(
        account=account, kind=InsightKind.GOAL, text="Neue Verpackungslinie in Serie"
    )
    page = browser_page

    log_in(page, "jonas", PASSWORD)
    page.goto(f"/accounts/{account.pk}/")
    page.click("#concessions a.button")
    page.wait_for_url("**/concessions/new/**")
    page.select_option("select[name=kind]", "discount_percent")
    page.fill("input[name=list_value]", "80.000")
    page.fill("input[name=percent]", "7,5")
    page.select_option("select[name=reason]", "threatened_to_leave")
    page.select_option("select[name=get_kind]", "nothing")
    page.fill("textarea[name=nothing_reason]", "Der Einkauf droht mit dem Wettbewerb.")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/concessions/*/")
    expect(page.locator("#approval-status")).to_have_attribute("data-status", "pending")
    expect(page.locator("#concession-value")).to_have_text("6.000,00 €")
    entry = Concession.objects.get()

    page.context.clear_cookies()
    log_in(page, "hanna", PASSWORD)
    page.goto("/concessions/approvals/")
    page.click(f"#approvals tr[data-concession='{entry.pk}'] a")
    page.wait_for_url(f"**/concessions/{entry.pk}/")
    history = page.locator("#account-history")
    expect(history).to_contain_text("Zugeständnisquote der letzten vier Quartale")
    expect(history).to_contain_text("Neue Verpackungslinie in Serie")
    expect(page.locator("#gives-without-gets li")).to_have_count(1)
    expect(page.locator("#trend")).to_be_visible()
    page.check("input[name=decision][value=reject]")
    page.fill("textarea[name=reason]", "Ohne Gegenleistung nicht: bitte Abnahmezusage verhandeln.")
    page.click("#decision button[type=submit]")
    page.wait_for_url(f"**/concessions/{entry.pk}/")
    expect(page.locator("#approval-status")).to_have_attribute("data-status", "rejected")
    expect(page.locator("#decision-reason")).to_have_text(
        "Ohne Gegenleistung nicht: bitte Abnahmezusage verhandeln."
    )
    entry.refresh_from_db()
    assert entry.approval_status == ApprovalStatus.REJECTED

    page.context.clear_cookies()
    log_in(page, "jonas", PASSWORD)
    page.goto(f"/concessions/{entry.pk}/")
    expect(page.locator("#decision-reason")).to_contain_text("Abnahmezusage")
    expect(page.locator("#decision")).to_have_count(0)
