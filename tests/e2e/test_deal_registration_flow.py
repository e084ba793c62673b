"""A partner registers a deal in the portal (German UI); the partner manager sees the conflict — our own open
opportunity on that account and product line — before he decides, and approves it; the partner sees the status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from handschlag.core.enums import Role
from handschlag.coselling.lead_enums import RegistrationStatus
from handschlag.coselling.models import DealRegistration, ProductLine
from tests.alliances.factories import AgreementFactory, PartnerFactory
from tests.browser import log_in
from tests.coselling.lead_helpers import ensure_default_pipeline
from tests.coselling.opportunity_helpers import create as opportunity_create_for
from tests.factories import AccountFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_partner_registers_manager_sees_conflict_and_approves(
    browser_page: Any, chromium: Any, live_server: Any
):
    ensure_default_pipeline()
    manager = UserFactory(username="clara", role=Role.PARTNER_MANAGER, first_name="Clara", last_name="Winter")
    seller = UserFactory(username="jonas", role=Role.SELLER, first_name="Jonas", last_name="Albrecht")
    partner = PartnerFactory(name="Nordlicht Automation GmbH", organisation__name="Nordlicht Automation GmbH")
    partner.manager = manager
    partner.save()
    AgreementFactory(partner=partner)
    UserFactory(username="nils", role=Role.PARTNER_USER, organisation=partner.organisation)
    line = ProductLine.objects.get_or_create(name="Fräsmaschinen")[0]
    account = AccountFactory(
        name="Hansa Präzisionsteile",
        legal_form="GmbH",
        domain="hansa-praezision.de",
        city="Bremen",
        owner=seller,
    )
    opportunity_create_for(
        seller,
        account_id=account.pk,
        title="Ersatzmaschine Halle 2",
        product_line_id=line.pk,
        at=timezone.now(),
    )

    # the partner registers the deal in the portal
    page = browser_page
    log_in(page, "nils", PASSWORD)
    page.goto("/portal/registrations/")
    assert "Deal registrieren" in page.locator("main").inner_text()
    page.fill("input[name=company_name]", "Hansa Präzisionsteile GmbH")
    page.fill("input[name=company_domain]", "hansa-praezision.de")
    page.fill("input[name=company_city]", "Bremen")
    page.select_option("select[name=product_line_id]", str(line.pk))
    page.fill("input[name=title]", "Fräszentren Halle 3")
    page.fill("input[name=amount]", "180000")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/registrations/*/")
    assert page.get_by_test_id("registration-status").inner_text() == "Wartet auf Genehmigung"
    registration = DealRegistration.objects.get()
    assert registration.account_id == account.pk

    # the partner manager sees the conflict before he decides, and approves
    context = chromium.new_context(base_url=live_server.url, locale="de-DE")
    manager_page = context.new_page()
    log_in(manager_page, "clara", PASSWORD)
    manager_page.goto("/coselling/registrations/")
    manager_page.click("main a:has-text('Fräszentren Halle 3')")
    manager_page.wait_for_url(f"**/coselling/registrations/{registration.pk}/")
    conflicts = manager_page.get_by_test_id("conflicts").inner_text()
    assert "Unsere offene Verkaufschance bei diesem Kunden in dieser Produktlinie" in conflicts
    assert "Ersatzmaschine Halle 2" in conflicts
    manager_page.check("input[name=decision][value=approve]")
    manager_page.fill("input[name=protection_days]", "60")
    manager_page.click("form:has(input[name=form][value=decision]) button[type=submit]")
    manager_page.wait_for_url(f"**/coselling/registrations/{registration.pk}/")
    assert manager_page.get_by_test_id("registration-status").inner_text() == "Genehmigt"
    context.close()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    assert registration.amount == Decimal("180000")

    # the partner sees the status
    page.reload()
    assert page.get_by_test_id("registration-status").inner_text() == "Genehmigt"
