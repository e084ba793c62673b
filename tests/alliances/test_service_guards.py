"""Every write service of the partnership module guards itself: called directly (no page, no endpoint in front)
by a user without the capability — a seller, marketing, an administrator, a partner user of the partner, a
partner user of another partner — it raises and changes nothing: every row as before, no audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from handschlag.alliances import services
from handschlag.alliances.inputs import (
    AgreementInput,
    AgreementPatch,
    FitRatingsInput,
    FitWeightsInput,
    OfferDecisionInput,
    OfferInput,
    OfferPatch,
    PartnerContactInput,
    PartnerInput,
    PartnerPatch,
    PortalUserInput,
)
from handschlag.alliances.models import (
    Agreement,
    EnablementReminder,
    FitCriterion,
    FitRating,
    Offer,
    Partner,
    PartnerContact,
    ValuePropositionAcknowledgement,
)
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import AuditEvent, Organisation, User
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory

pytestmark = pytest.mark.django_db

WATCHED = [
    Partner,
    Organisation,
    PartnerContact,
    Agreement,
    FitCriterion,
    FitRating,
    Offer,
    ValuePropositionAcknowledgement,
    EnablementReminder,
    User,
    AuditEvent,
]


def _database() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table these services write, field by field."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner = PartnerFactory()
    other_partner = PartnerFactory()
    agreement = AgreementFactory(
        partner=partner,
        home_opt_in_at=timezone.now(),
        partner_opt_in_at=timezone.now(),
    )
    portal_login = make_user(Role.PARTNER_USER, organisation=partner.organisation)
    make_user(Role.SELLER)  # somebody to remind
    return {
        "manager": manager,
        "partner": partner,
        "agreement": agreement,
        "draft": AgreementFactory(partner=partner, status="draft"),
        "contact": PartnerContact.objects.create(partner=partner, name="Frieda Nordmann"),
        "portal_login": portal_login,
        "offer": OfferFactory(),
        "criterion": FitCriterion.objects.order_by("pk").first(),
        "actors": {
            "seller": make_user(Role.SELLER),
            "marketing": make_user(Role.MARKETING),
            "admin": make_user(Role.ADMIN),
            "partner user": make_user(Role.PARTNER_USER, organisation=partner.organisation),
            "partner user of another partner": make_user(
                Role.PARTNER_USER, organisation=other_partner.organisation
            ),
        },
    }


WRITES: dict[str, Callable[[User, dict[str, Any]], object]] = {
    "partner_create": lambda actor, w: services.partner_create(
        actor=actor, data=PartnerInput(name="Neu GmbH")
    ),
    "partner_update": lambda actor, w: services.partner_update(
        actor=actor, partner=w["partner"], patch=PartnerPatch(name="Umbenannt GmbH", tier="gold")
    ),
    "partner_contact_create": lambda actor, w: services.partner_contact_create(
        actor=actor, partner=w["partner"], data=PartnerContactInput(name="Max Muster")
    ),
    "partner_contact_delete": lambda actor, w: services.partner_contact_delete(
        actor=actor, contact=w["contact"]
    ),
    "portal_user_create": lambda actor, w: services.portal_user_create(
        actor=actor, partner=w["partner"], data=PortalUserInput(username="neu-im-portal")
    ),
    "portal_user_deactivate": lambda actor, w: services.portal_user_deactivate(
        actor=actor, partner=w["partner"], user_id=w["portal_login"].pk
    ),
    "agreement_create": lambda actor, w: services.agreement_create(
        actor=actor, data=AgreementInput(partner_id=w["partner"].pk, title="Noch ein Vertrag")
    ),
    "agreement_update": lambda actor, w: services.agreement_update(
        actor=actor, agreement=w["agreement"], patch=AgreementPatch(incentive_plan="Doppelte Provision")
    ),
    "agreement_withdraw_opt_ins": lambda actor, w: services.agreement_withdraw_opt_ins(
        actor=actor, agreement=w["agreement"], reason="test"
    ),
    "fit_weights_update": lambda actor, w: services.fit_weights_update(
        actor=actor, data=FitWeightsInput(weights={w["criterion"].pk: 9})
    ),
    "fit_ratings_set": lambda actor, w: services.fit_ratings_set(
        actor=actor, partner=w["partner"], data=FitRatingsInput(scores={w["criterion"].pk: 5})
    ),
    "offer_create": lambda actor, w: services.offer_create(
        actor=actor, data=OfferInput(company_name="X GmbH")
    ),
    "offer_update": lambda actor, w: services.offer_update(
        actor=actor, offer=w["offer"], patch=OfferPatch(summary="anders")
    ),
    "offer_decide": lambda actor, w: services.offer_decide(
        actor=actor, offer=w["offer"], data=OfferDecisionInput(decision="accept")
    ),
    "enablement_remind": lambda actor, w: services.enablement_remind(actor=actor, agreement=w["agreement"]),
}

DENIED = ["seller", "marketing", "admin", "partner user", "partner user of another partner"]


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("who", DENIED)
def test_a_user_without_the_capability_changes_nothing(write: str, who: str, world: dict[str, Any]) -> None:
    before = _database()
    with pytest.raises((Forbidden, NotFound)):
        WRITES[write](world["actors"][who], world)
    assert _database() == before


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_partner_manager_may(write: str, world: dict[str, Any]) -> None:
    """The other side of each refusal: the same call by a partner manager writes and is audited."""
    events = AuditEvent.objects.count()
    WRITES[write](world["manager"], world)
    assert AuditEvent.objects.count() > events


@pytest.mark.parametrize("who", ["seller", "marketing", "admin", "partner user of another partner"])
def test_the_opt_in_is_refused_to_everybody_but_managers_and_the_partners_own_users(
    who: str, world: dict[str, Any]
) -> None:
    draft = world["draft"]
    before = _database()
    with pytest.raises((Forbidden, NotFound)):
        services.agreement_opt_in(actor=world["actors"][who], agreement=draft)
    assert _database() == before


def test_a_partner_user_of_another_partner_is_told_the_agreement_does_not_exist(
    world: dict[str, Any],
) -> None:
    with pytest.raises(NotFound):
        services.agreement_opt_in(
            actor=world["actors"]["partner user of another partner"], agreement=world["draft"]
        )


def test_the_partners_own_user_agrees_for_his_side_only(world: dict[str, Any]) -> None:
    draft = world["draft"]
    services.agreement_opt_in(actor=world["actors"]["partner user"], agreement=draft)
    draft.refresh_from_db()
    assert draft.partner_opt_in_by == world["actors"]["partner user"]
    assert draft.home_opt_in_at is None


@pytest.mark.parametrize("who", ["partner user", "partner user of another partner"])
def test_partner_users_cannot_acknowledge_a_value_proposition(who: str, world: dict[str, Any]) -> None:
    before = _database()
    with pytest.raises(Forbidden):
        services.value_proposition_acknowledge(actor=world["actors"][who], agreement=world["agreement"])
    assert _database() == before


def test_a_portal_login_of_another_partner_or_of_ours_is_not_found(
    world: dict[str, Any], make_user: Any
) -> None:
    stranger = make_user(Role.PARTNER_USER)
    before = _database()
    for person in (stranger, world["actors"]["seller"], world["manager"]):
        with pytest.raises(NotFound):
            services.portal_user_deactivate(
                actor=world["manager"], partner=world["partner"], user_id=person.pk
            )
    assert _database() == before


def test_the_partner_manager_must_be_one_of_our_partner_managers(world: dict[str, Any]) -> None:
    """The service refuses what no caller should ask for: a partner user (or a seller) managing the partner."""
    from handschlag.core.errors import InvalidInput

    before = _database()
    for person in (world["actors"]["partner user"], world["actors"]["seller"]):
        with pytest.raises(InvalidInput):
            services.partner_update(
                actor=world["manager"], partner=world["partner"], patch=PartnerPatch(manager_id=person.pk)
            )
    assert _database() == before


def test_remind_reaches_only_those_who_have_not_read(world: dict[str, Any]) -> None:
    agreement = world["agreement"]
    services.value_proposition_acknowledge(actor=world["manager"], agreement=agreement)
    reminded = services.enablement_remind(actor=world["manager"], agreement=agreement)
    assert set(EnablementReminder.objects.values_list("user__role", flat=True)) == {Role.SELLER}
    assert reminded == EnablementReminder.objects.count()
    assert not EnablementReminder.objects.filter(user=world["manager"]).exists()
    assert dt.date.today()  # the reminders are dated by the database
