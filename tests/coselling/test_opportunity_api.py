from __future__ import annotations

from decimal import Decimal

import pytest

from handschlag.core.enums import Role
from handschlag.coselling.inputs import IncentivePlanInput
from handschlag.coselling.models import Opportunity, StageChange
from handschlag.coselling.services.incentives import incentive_plan_save
from tests.alliances.factories import AgreementFactory
from tests.conftest import ALL_ROLES
from tests.coselling.opportunity_helpers import create, stage
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

READERS = {Role.SELLER, Role.PARTNER_MANAGER, Role.MANAGEMENT, Role.MARKETING, Role.ADMIN}
EDITORS = {Role.SELLER, Role.PARTNER_MANAGER, Role.MANAGEMENT}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reads_and_writes_by_role(role, make_user, api_as, seller):
    deal = create(seller, amount="50000")
    api = api_as(make_user(role))
    reads = [
        "/api/v1/opportunities",
        f"/api/v1/opportunities/{deal.pk}",
        f"/api/v1/opportunities/{deal.pk}/history",
        f"/api/v1/opportunities/{deal.pk}/partners",
        "/api/v1/opportunities/stages",
        "/api/v1/incentives",
    ]
    for url in reads:
        assert api.get(url).status_code == (200 if role in READERS else 404), url
    account = AccountFactory()
    created = api.post(
        "/api/v1/opportunities", {"account_id": account.pk, "title": "Linie 4", "amount": "1200.50"}
    )
    moved = api.post(f"/api/v1/opportunities/{deal.pk}/stage", {"stage_id": stage("Angebot").pk})
    if role in EDITORS:
        assert created.status_code == 201
        assert created.json()["stage"]["name"] == "Qualifizierung"
        assert moved.status_code == 200
        assert moved.json()["stage"]["name"] == "Angebot"
    else:
        expected = 403 if role in READERS else 404
        assert (created.status_code, moved.status_code) == (expected, expected)
        assert not Opportunity.objects.filter(title="Linie 4").exists()
        assert Opportunity.objects.get(pk=deal.pk).stage.name == "Qualifizierung"


def test_bad_input_answers_with_the_error_shape(seller, api_as):
    api = api_as(seller)
    negative = api.post(
        "/api/v1/opportunities", {"account_id": AccountFactory().pk, "title": "x", "amount": "-1"}
    )
    assert negative.status_code == 400
    assert "amount" in negative.json()["error"]["fields"]
    unknown = api.post("/api/v1/opportunities", {"account_id": 987654, "title": "x"})
    assert unknown.status_code == 400
    assert "account_id" in unknown.json()["error"]["fields"]
    deal = create(seller)
    api.post(f"/api/v1/opportunities/{deal.pk}/stage", {"stage_id": stage("Verhandlung").pk})
    back = api.post(f"/api/v1/opportunities/{deal.pk}/stage", {"stage_id": stage("Angebot").pk})
    assert back.status_code == 400
    assert back.json()["error"]["code"] == "stage_backwards"
    assert StageChange.objects.filter(opportunity=deal).count() == 2


def test_partner_rescue_and_calculator(seller, make_user, api_as):
    agreement = AgreementFactory()
    incentive_plan_save(
        actor=make_user(Role.PARTNER_MANAGER),
        agreement=agreement,
        data=IncentivePlanInput(seller_commission_percent=Decimal("3"), referral_fee_percent=Decimal("10")),
    )
    api = api_as(seller)
    deal = create(seller, amount="200000")
    lost = api.post(
        f"/api/v1/opportunities/{deal.pk}/stage", {"stage_id": stage("Verloren").pk, "lost_reason": "Preis"}
    )
    assert lost.status_code == 200
    api.post(f"/api/v1/opportunities/{deal.pk}/stage", {"stage_id": stage("Angebot").pk, "reopen": True})
    added = api.post(
        f"/api/v1/opportunities/{deal.pk}/partners",
        {"partner_id": agreement.partner_id, "role": "influenced", "reason": "reopened"},
    )
    assert added.status_code == 201
    assert (added.json()["rescue"], added.json()["rescue_reason"], added.json()["stage_at_entry"]) == (
        True,
        "lost",
        "Angebot",
    )
    calculation = api.get(f"/api/v1/opportunities/{deal.pk}/calculator", partner_id=agreement.partner_id)
    assert calculation.status_code == 200
    options = {option["way"]: option for option in calculation.json()["options"]}
    assert Decimal(options["alone"]["commission"]) == Decimal("6000.00")
    assert Decimal(options["sourced"]["commission"]) == Decimal("9000.00")
    assert Decimal(options["referral"]["commission"]) == Decimal("10000.00")  # half of the 10 % fee
    assert options["alone"]["expected_value"] is None
    assert options["alone"]["note"].startswith("Zu wenig Erfahrung (n < 10)")


def test_incentive_plan_put_only_for_partner_managers(make_user, api_as):
    agreement = AgreementFactory()
    body = {"seller_commission_percent": "4", "referral_fee_percent": "12.5"}
    assert api_as(make_user(Role.SELLER)).put(f"/api/v1/incentives/{agreement.pk}", body).status_code == 403
    partner_user = make_user(Role.PARTNER_USER, organisation=agreement.partner.organisation)
    assert api_as(partner_user).put(f"/api/v1/incentives/{agreement.pk}", body).status_code == 404
    assert api_as(partner_user).get(f"/api/v1/incentives/{agreement.pk}").status_code == 404
    answer = api_as(make_user(Role.PARTNER_MANAGER)).put(f"/api/v1/incentives/{agreement.pk}", body)
    assert answer.status_code == 200
    assert Decimal(answer.json()["referral_fee_percent"]) == Decimal("12.5")
    bad = api_as(make_user(Role.MANAGEMENT)).put(
        f"/api/v1/incentives/{agreement.pk}", {"commission_cap": "-1"}
    )
    assert bad.status_code == 400
