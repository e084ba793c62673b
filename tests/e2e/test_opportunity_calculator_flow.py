"""The seller sees on his opportunity what he earns alone and with the partner (German UI, no JavaScript needed):
the commission in EUR and the expected value from our own win rates with the Wilson interval, or "Zu wenig
Erfahrung (n < 10)" where our history is too thin; he brings the partner in and the deal moves on the board."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.coselling.enums import InvolvementRole
from handschlag.coselling.inputs import IncentivePlanInput
from handschlag.coselling.models import PartnerInvolvement
from handschlag.coselling.services.incentives import incentive_plan_save
from handschlag.coselling.services.opportunities import pipeline_default_ensure
from tests.alliances.factories import AgreementFactory, PartnerFactory
from tests.browser import log_in
from tests.coselling.opportunity_helpers import T0, close, create, days, involve, move
from tests.factories import AccountFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_seller_sees_the_calculator_and_brings_the_partner_in(browser_page: Any):
    pipeline_default_ensure()  # the flush of an earlier transactional test removes migration 0001's pipeline
    seller = UserFactory(username="jonas", role=Role.SELLER, first_name="Jonas", last_name="Albrecht")
    manager = UserFactory(username="clara", role=Role.PARTNER_MANAGER)
    partner = PartnerFactory(name="Nordlicht Automation GmbH", organisation__name="Nordlicht Automation GmbH")
    agreement = AgreementFactory(partner=partner)
    incentive_plan_save(
        actor=manager,
        agreement=agreement,
        data=IncentivePlanInput(seller_commission_percent=Decimal("3"), influenced_multiplier=Decimal("1.5")),
    )
    for index in range(10):  # with Nordlicht coming in at "Bedarfsanalyse": 8 of 10 won
        deal = create(seller, at=T0)
        move(seller, deal, "Bedarfsanalyse", at=T0 + days(1))
        involve(seller, deal, partner.pk, at=T0 + days(2), role=InvolvementRole.INFLUENCED)
        close(seller, deal, won=index < 8, at=T0 + days(20))
    account = AccountFactory(name="Hansa Präzisionsteile", owner=seller)
    deal = create(seller, account_id=account.pk, title="Bearbeitungszentrum Halle 3", amount="200000", at=T0)
    move(seller, deal, "Bedarfsanalyse", at=T0 + days(3))

    page = browser_page
    log_in(page, "jonas", PASSWORD)
    page.goto("/coselling/opportunities/")
    page.click("main a:has-text('Bearbeitungszentrum Halle 3')")
    page.wait_for_url(f"**/coselling/opportunities/{deal.pk}/")
    calculator = page.get_by_test_id("calculator")
    text = calculator.inner_text()
    assert "Was Sie an diesem Deal verdienen" in text
    alone = calculator.locator("tr[data-option=alone]").inner_text()
    assert "6.000,00 €" in alone  # 3 % of 200.000
    assert "Zu wenig Erfahrung (n < 10; n = 0)" in alone
    influenced = calculator.locator("tr[data-option=influenced]").inner_text()
    assert "9.000,00 €" in influenced  # times 1,5 with the partner
    assert "80 %" in influenced
    assert "7.200,00 €" in influenced  # expected: 80 % of 9.000

    # he brings the partner in (a form, no script), then moves the deal on the board
    page.select_option("select[name=partner_id]", str(partner.pk))
    page.select_option("select[name=role]", "influenced")
    page.click("form:has(select[name=role]) button[type=submit]")
    page.wait_for_url(f"**/coselling/opportunities/{deal.pk}/")
    assert "Nordlicht Automation GmbH" in page.get_by_test_id("partners").inner_text()
    assert PartnerInvolvement.objects.get(opportunity=deal).rescue_reason == ""
    page.goto("/coselling/opportunities/board/")
    page.click(f"[data-opportunity='{deal.pk}'] button:has-text('Angebot')")
    page.wait_for_url("**/coselling/opportunities/board/")
    assert "Bearbeitungszentrum Halle 3" in page.locator("[data-stage=Angebot]").inner_text()
