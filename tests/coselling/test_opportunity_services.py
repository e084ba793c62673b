from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from pydantic import ValidationError

from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, InvalidInput, NotFound
from handschlag.coselling.enums import OpportunityStatus, RescueReason
from handschlag.coselling.inputs import OpportunityInput, StageMoveInput
from handschlag.coselling.models import StageChange
from handschlag.coselling.selectors.opportunities import open_opportunities_for
from handschlag.coselling.services.opportunities import opportunity_create, opportunity_move
from tests.alliances.factories import PartnerFactory
from tests.coselling.opportunity_helpers import T0, close, create, days, involve, move, risk, stage
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_create_starts_history_in_first_stage(seller):
    opportunity = create(seller)
    assert opportunity.stage.name == "Qualifizierung"
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.owner == seller
    change = StageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage.name, change.changed_by, change.changed_at) == (
        None,
        "Qualifizierung",
        seller,
        T0,
    )


def test_negative_amount_refused(seller):
    with pytest.raises(ValidationError) as error:
        OpportunityInput(account_id=1, title="x", amount=Decimal("-1"))
    assert "negative" in str(error.value)


def test_unknown_account_refused(seller):
    with pytest.raises(InvalidInput) as error:
        opportunity_create(actor=seller, data=OpportunityInput(account_id=999999, title="x"))
    assert error.value.fields == {"account_id": ["No such account."]}


def test_partner_user_and_readers_cannot_create(make_user):
    account = AccountFactory()
    with pytest.raises(NotFound):
        opportunity_create(
            actor=make_user(Role.PARTNER_USER), data=OpportunityInput(account_id=account.pk, title="x")
        )
    with pytest.raises(Forbidden):
        opportunity_create(
            actor=make_user(Role.MARKETING), data=OpportunityInput(account_id=account.pk, title="x")
        )


def test_each_move_is_kept_and_backwards_refused(seller):
    opportunity = create(seller)
    move(seller, opportunity, "Angebot", at=T0 + days(3))
    with pytest.raises(InvalidInput) as error:
        move(seller, opportunity, "Bedarfsanalyse", at=T0 + days(4))
    assert error.value.code == "stage_backwards"
    assert "does not go back from Angebot to Bedarfsanalyse" in error.value.message
    close(seller, opportunity, won=False, at=T0 + days(5))
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.lost_reason == "Preis"
    assert opportunity.closed_at == T0 + days(5)
    with pytest.raises(InvalidInput) as error:
        move(seller, opportunity, "Verhandlung", at=T0 + days(6))
    assert "reopen" in error.value.message
    move(seller, opportunity, "Verhandlung", at=T0 + days(6), reopen=True)
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.closed_at is None
    history = list(
        StageChange.objects.filter(opportunity=opportunity).values_list(
            "from_stage__name", "to_stage__name", "reopened"
        )
    )
    assert history == [
        (None, "Qualifizierung", False),
        ("Qualifizierung", "Angebot", False),
        ("Angebot", "Verloren", False),
        ("Verloren", "Verhandlung", True),
    ]


def test_lost_needs_reason(seller):
    opportunity = create(seller)
    with pytest.raises(InvalidInput) as error:
        opportunity_move(
            actor=seller, opportunity=opportunity, data=StageMoveInput(stage_id=stage("Verloren").pk)
        )
    assert "lost_reason" in error.value.fields


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ("early", RescueReason.NONE),
        ("late_stage", RescueReason.LATE_STAGE),
        ("at_risk", RescueReason.AT_RISK),
        ("lost", RescueReason.LOST),
    ],
)
def test_rescue_is_computed_from_history(seller, steps, expected):
    partner = PartnerFactory()
    opportunity = create(seller)
    if steps == "late_stage":
        move(seller, opportunity, "Verhandlung", at=T0 + days(2))
    if steps == "at_risk":
        risk(seller, opportunity, at=T0 + days(2))
    if steps == "lost":
        close(seller, opportunity, won=False, at=T0 + days(2))
        move(seller, opportunity, "Angebot", at=T0 + days(3), reopen=True)
    involvement = involve(seller, opportunity, partner.pk, at=T0 + days(4))
    assert involvement.rescue_reason == expected
    opportunity.refresh_from_db()
    assert involvement.stage_at_entry == opportunity.stage


def test_partner_entry_stage_read_from_history_at_that_moment(seller):
    partner = PartnerFactory()
    opportunity = create(seller)
    move(seller, opportunity, "Bedarfsanalyse", at=T0 + days(2))
    move(seller, opportunity, "Verhandlung", at=T0 + days(10))
    involvement = involve(seller, opportunity, partner.pk, at=T0 + days(5))
    assert involvement.stage_at_entry.name == "Bedarfsanalyse"
    assert involvement.rescue_reason == RescueReason.NONE
    with pytest.raises(InvalidInput):
        involve(seller, opportunity, partner.pk, at=T0 + days(6))


def test_open_opportunities_of_an_account(seller):
    account = AccountFactory()
    first = create(seller, account_id=account.pk)
    second = create(seller, account_id=account.pk)
    close(seller, second, won=True, at=T0 + days(1))
    create(seller)
    assert list(open_opportunities_for(account_id=account.pk)) == [first]


def test_without_any_pipeline_the_default_one_is_set_up_again(seller):
    from handschlag.coselling.models import Pipeline

    Pipeline.objects.all().delete()
    opportunity = create(seller)
    assert opportunity.stage.name == "Qualifizierung"
    assert opportunity.stage.pipeline.rescue_after_stage.name == "Angebot"
