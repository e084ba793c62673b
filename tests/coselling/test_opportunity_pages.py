from __future__ import annotations

from decimal import Decimal

import pytest

from handschlag.core.enums import Role
from handschlag.coselling.enums import InvolvementRole
from handschlag.coselling.inputs import IncentivePlanInput
from handschlag.coselling.models import Opportunity, StageChange
from handschlag.coselling.services.incentives import incentive_plan_save
from tests.alliances.factories import AgreementFactory
from tests.conftest import INTERNAL_ROLES
from tests.coselling.opportunity_helpers import T0, close, create, days, involve, move, stage
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

READERS = [Role.SELLER, Role.PARTNER_MANAGER, Role.MANAGEMENT, Role.MARKETING, Role.ADMIN]


@pytest.fixture
def deal(seller):
    return create(seller, amount="100000")


def _pages(deal, agreement_id):
    return [
        "/coselling/opportunities/",
        "/coselling/opportunities/export.csv",
        "/coselling/opportunities/board/",
        f"/coselling/opportunities/{deal.pk}/",
        "/coselling/figures/",
        "/coselling/figures/export.csv?chart=win_rate",
        f"/coselling/agreements/{agreement_id}/incentives/",
    ]


@pytest.mark.parametrize("role", INTERNAL_ROLES)
def test_every_page_by_role(role, make_user, page_as, deal):
    agreement = AgreementFactory()
    client = page_as(make_user(role, language="en"))
    expected = 200 if role in READERS else 404
    for url in _pages(deal, agreement.pk):
        assert client.get(url).status_code == expected, url
    new = client.get("/coselling/opportunities/new/")
    assert new.status_code == expected


def test_partner_user_gets_404_everywhere_and_changes_nothing(partner_user, page_as, deal):
    agreement = AgreementFactory(partner__organisation=partner_user.organisation)
    client = page_as(partner_user)
    for url in _pages(deal, agreement.pk):
        assert client.get(url).status_code == 404, url
    answer = client.post(f"/coselling/opportunities/{deal.pk}/move/", {"stage_id": stage("Angebot").pk})
    assert answer.status_code == 404
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "Qualifizierung"


def test_marketing_reads_but_cannot_move(make_user, page_as, deal):
    client = page_as(make_user(Role.MARKETING))
    answer = client.post(f"/coselling/opportunities/{deal.pk}/move/", {"stage_id": stage("Angebot").pk})
    assert answer.status_code == 403


def test_seller_creates_moves_and_is_refused_backwards_in_german(seller, page_as):
    account = AccountFactory(owner=seller)
    client = page_as(seller)
    answer = client.post(
        "/coselling/opportunities/new/",
        {
            "account": str(account.pk),
            "title": "Presse 12",
            "amount": "80000",
            "stage_id": stage("Qualifizierung").pk,
        },
    )
    assert answer.status_code == 302
    deal = Opportunity.objects.get(title="Presse 12")
    assert (
        client.post(
            f"/coselling/opportunities/{deal.pk}/move/", {"stage_id": stage("Angebot").pk}
        ).status_code
        == 302
    )
    refused = client.post(
        f"/coselling/opportunities/{deal.pk}/move/", {"stage_id": stage("Bedarfsanalyse").pk}
    )
    assert refused.status_code == 400
    assert "geht nicht von Angebot zurück nach Bedarfsanalyse" in refused.content.decode()
    assert StageChange.objects.filter(opportunity=deal).count() == 2
    bad = client.post(
        "/coselling/opportunities/new/",
        {
            "account": str(account.pk),
            "title": "Minus",
            "amount": "-5",
            "stage_id": stage("Qualifizierung").pk,
        },
    )
    assert bad.status_code == 200
    assert not Opportunity.objects.filter(title="Minus").exists()


def test_board_moves_a_card_without_javascript(seller, page_as, deal):
    client = page_as(seller)
    board = client.get("/coselling/opportunities/board/").content.decode()
    assert 'data-stage="Qualifizierung"' in board
    assert "→ Bedarfsanalyse" in board
    answer = client.post(
        f"/coselling/opportunities/{deal.pk}/move/", {"stage_id": stage("Bedarfsanalyse").pk, "next": "board"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/coselling/opportunities/board/"
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "Bedarfsanalyse"


def test_seller_sees_the_calculator_in_german(seller, make_user, page_as, deal):
    agreement = AgreementFactory()
    incentive_plan_save(
        actor=make_user(Role.PARTNER_MANAGER),
        agreement=agreement,
        data=IncentivePlanInput(seller_commission_percent=Decimal("2"), influenced_multiplier=Decimal("1.5")),
    )
    for index in range(10):
        other = create(seller, at=T0)
        involve(seller, other, agreement.partner_id, at=T0 + days(1), role=InvolvementRole.INFLUENCED)
        close(seller, other, won=index < 7, at=T0 + days(10))
    page = page_as(seller).get(f"/coselling/opportunities/{deal.pk}/").content.decode()
    assert 'data-testid="calculator"' in page
    assert "2.000,00 €" in page  # alone: 2 % of 100.000
    assert "3.000,00 €" in page  # with the partner: times 1,5
    assert "2.100,00 €" in page  # expected with the partner: 70 % of 3.000
    assert "Zu wenig Erfahrung (n < 10; n = 0)" in page  # alone: no closed deal without a partner
    assert "95-%-Intervall 40\u201389 %, n = 10" in page  # Wilson interval of 7 won of 10


def test_list_filters_and_csv(seller, page_as):
    first = create(seller, title="Fräsmaschine A")
    create(seller, title="Drehmaschine B")
    move(seller, first, "Angebot", at=T0 + days(1))
    client = page_as(seller)
    page = client.get("/coselling/opportunities/", {"stage": stage("Angebot").pk}).content.decode()
    assert "Fräsmaschine A" in page
    assert "Drehmaschine B" not in page
    answer = client.get("/coselling/opportunities/export.csv", {"q": "Dreh"})
    content = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert "Drehmaschine B" in content
    assert "Fräsmaschine A" not in content
