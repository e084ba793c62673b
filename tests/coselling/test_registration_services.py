"""Deal registrations: the engine resolves the account (or proposes a new one), one active registration per
account and product line, conflicts before the decision, approve / reject / duplicate, extension requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.models import AuditEvent, Notification
from handschlag.coselling.lead_enums import (
    AccountResolution,
    ExtensionStatus,
    RegistrationConflictKind,
    RegistrationStatus,
)
from handschlag.coselling.lead_inputs import (
    ExtensionDecisionInput,
    ExtensionRequestInput,
    RegistrationDecisionInput,
)
from handschlag.coselling.models import DealRegistration, ProductLine
from handschlag.coselling.selectors.leads import registration_conflicts
from handschlag.coselling.services.registrations import (
    registration_decide,
    registration_extension_decide,
    registration_extension_request,
)
from tests.coselling.lead_helpers import World, register, world_fixture  # noqa: F401
from tests.coselling.opportunity_helpers import create as opportunity_create_for

pytestmark = pytest.mark.django_db


def approve(world: World, registration: DealRegistration, **values: object) -> DealRegistration:
    return registration_decide(
        actor=world.partner_manager,
        registration=registration,
        data=RegistrationDecisionInput(decision="approve", **values),  # type: ignore[arg-type]
    )


def test_registration_resolves_the_account(world: World) -> None:
    registration = register(world, company_name="HANSA Präzisionsteile")
    assert registration.account_id == world.account.pk
    assert registration.resolution == AccountResolution.MATCHED
    assert registration.status == RegistrationStatus.PENDING
    assert (
        AuditEvent.objects.filter(action="registration.create", target_id=str(registration.pk)).count() == 1
    )
    # the partner manager of the partner is told, and the seller who owns the account
    assert Notification.objects.filter(user=world.partner_manager).count() == 1
    assert Notification.objects.filter(user=world.seller).count() == 1


def test_unknown_company_is_proposed_as_new(world: World) -> None:
    registration = register(world, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    assert registration.account_id is None
    assert registration.resolution == AccountResolution.PROPOSED_NEW


def test_second_active_registration_on_account_and_product_line_is_refused(world: World) -> None:
    register(world)
    with pytest.raises(Conflict) as refused:
        register(world, world.other_partner_user, title="Unser Deal")
    assert refused.value.code == "registration_exists"
    assert DealRegistration.objects.count() == 1
    # another product line is free
    other_line = ProductLine.objects.create(name="Drehmaschinen")
    register(world, world.other_partner_user, product_line_id=other_line.pk)
    assert DealRegistration.objects.count() == 2


def test_after_a_rejection_the_account_is_free_again(world: World) -> None:
    first = register(world)
    registration_decide(
        actor=world.partner_manager,
        registration=first,
        data=RegistrationDecisionInput(decision="reject", reason="Unser Vertrieb ist seit Monaten dran"),
    )
    register(world, world.other_partner_user)
    assert DealRegistration.objects.filter(status=RegistrationStatus.PENDING).count() == 1


def test_conflicts_show_our_opportunity_another_partners_registration_and_seller_activity(
    world: World,
) -> None:
    opportunity_create_for(
        world.seller,
        account_id=world.account.pk,
        title="Ersatzteile und Fräsen",
        product_line_id=world.product_line.pk,
        at=timezone.now() - dt.timedelta(days=3),
    )
    other_line = ProductLine.objects.create(name="Drehmaschinen")
    register(world, world.other_partner_user, product_line_id=other_line.pk, title="Drehzentrum")
    registration = register(world)

    conflicts = registration_conflicts(registration=registration)

    kinds = [conflict.kind for conflict in conflicts]
    assert RegistrationConflictKind.OUR_OPPORTUNITY in kinds
    assert RegistrationConflictKind.OTHER_REGISTRATION in kinds
    assert RegistrationConflictKind.SELLER_ACTIVITY in kinds
    ours = next(c for c in conflicts if c.kind == RegistrationConflictKind.OUR_OPPORTUNITY)
    assert "Ersatzteile und Fräsen" in ours.summary
    other = next(c for c in conflicts if c.kind == RegistrationConflictKind.OTHER_REGISTRATION)
    assert "Sonnenschein Software AG" in other.summary


def test_no_conflicts_on_a_quiet_account(world: World) -> None:
    assert registration_conflicts(registration=register(world)) == []


def test_approve_with_protection_period(world: World) -> None:
    registration = approve(world, register(world), protection_days=60)
    assert registration.status == RegistrationStatus.APPROVED
    assert registration.protected_until == timezone.localdate() + dt.timedelta(days=60)
    assert AuditEvent.objects.filter(action="registration.approve").count() == 1
    assert Notification.objects.filter(user=world.partner_user).count() == 1


def test_default_protection_is_ninety_days(world: World) -> None:
    registration = approve(world, register(world))
    assert registration.protected_until == timezone.localdate() + dt.timedelta(days=90)


def test_reject_needs_a_reason_that_the_partner_sees(world: World) -> None:
    registration = register(world)
    with pytest.raises(InvalidInput):
        registration_decide(
            actor=world.partner_manager,
            registration=registration,
            data=RegistrationDecisionInput(decision="reject"),
        )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_mark_duplicate(world: World) -> None:
    first = register(world)
    approve(world, first)
    other_line = ProductLine.objects.create(name="Drehmaschinen")
    second = register(world, product_line_id=other_line.pk)
    registration_decide(
        actor=world.partner_manager,
        registration=second,
        data=RegistrationDecisionInput(
            decision="duplicate", duplicate_of_id=first.pk, reason="Gleicher Deal"
        ),
    )
    second.refresh_from_db()
    assert (second.status, second.duplicate_of_id) == (RegistrationStatus.DUPLICATE, first.pk)


def test_decided_once(world: World) -> None:
    registration = approve(world, register(world))
    with pytest.raises(Conflict):
        registration_decide(
            actor=world.management,
            registration=registration,
            data=RegistrationDecisionInput(decision="reject", reason="doch nicht"),
        )


def test_proposed_new_company_needs_an_account_from_a_partner_manager(world: World) -> None:
    registration = register(world, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    with pytest.raises(InvalidInput) as refused:
        approve(world, registration)
    assert "account_id" in refused.value.fields
    approved = approve(world, registration, account_id=world.account.pk)
    assert approved.account_id == world.account.pk


def test_management_approving_a_new_company_creates_the_account(world: World) -> None:
    registration = register(world, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    approved = registration_decide(
        actor=world.management, registration=registration, data=RegistrationDecisionInput(decision="approve")
    )
    assert approved.account is not None
    assert approved.account.name == "Gänzlich Unbekannt KG"


def test_approving_onto_an_account_another_registration_holds_is_refused(world: World) -> None:
    register(world, world.other_partner_user)  # holds the account and product line
    proposed = register(world, company_name="Gänzlich Unbekannt KG", company_domain="unbekannt-kg.de")
    with pytest.raises(Conflict) as refused:
        approve(world, proposed, account_id=world.account.pk)
    assert refused.value.code == "registration_exists"
    proposed.refresh_from_db()
    assert (proposed.status, proposed.account_id) == (RegistrationStatus.PENDING, None)


@pytest.mark.parametrize("who", ["seller", "marketing", "process_owner", "admin"])
def test_only_deciders_decide(world: World, who: str) -> None:
    registration = register(world)
    with pytest.raises(Forbidden):
        registration_decide(
            actor=getattr(world, who),
            registration=registration,
            data=RegistrationDecisionInput(decision="approve"),
        )
    with pytest.raises(NotFound):
        registration_decide(
            actor=world.partner_user,
            registration=registration,
            data=RegistrationDecisionInput(decision="approve"),
        )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_our_people_do_not_register_for_a_partner(world: World) -> None:
    with pytest.raises(NotFound):
        register(world, world.partner_manager)


def test_extension_is_a_request_that_needs_approval(world: World) -> None:
    registration = approve(world, register(world), protection_days=30)
    until = registration.protected_until
    assert until is not None
    with pytest.raises(NotFound):
        registration_extension_request(
            actor=world.other_partner_user,
            registration=registration,
            data=ExtensionRequestInput(days=30, reason="Entscheidung verschoben"),
        )
    requested = registration_extension_request(
        actor=world.partner_user,
        registration=registration,
        data=ExtensionRequestInput(days=30, reason="Entscheidung verschoben"),
    )
    assert requested.extension_status == ExtensionStatus.REQUESTED
    assert requested.protected_until == until  # nothing extended yet
    with pytest.raises(Conflict):
        registration_extension_request(
            actor=world.partner_user,
            registration=registration,
            data=ExtensionRequestInput(days=10, reason="noch"),
        )
    with pytest.raises(Forbidden):
        registration_extension_decide(
            actor=world.seller, registration=registration, data=ExtensionDecisionInput(decision="approve")
        )
    decided = registration_extension_decide(
        actor=world.partner_manager,
        registration=registration,
        data=ExtensionDecisionInput(decision="approve"),
    )
    assert decided.extension_status == ExtensionStatus.APPROVED
    assert decided.protected_until == until + dt.timedelta(days=30)
    assert AuditEvent.objects.filter(action="registration.extension_approve").count() == 1


def test_pending_registration_cannot_be_extended(world: World) -> None:
    with pytest.raises(Conflict):
        registration_extension_request(
            actor=world.partner_user,
            registration=register(world),
            data=ExtensionRequestInput(days=10, reason="x"),
        )


def test_approval_opens_a_joint_opportunity_with_the_partner_as_source(world: World) -> None:
    from handschlag.coselling.enums import InvolvementRole, OpportunitySource

    registration = approve(world, register(world))
    opportunity = registration.opportunity
    assert opportunity is not None
    assert (opportunity.account_id, opportunity.product_line_id) == (world.account.pk, world.product_line.pk)
    assert opportunity.source == OpportunitySource.REGISTRATION
    assert opportunity.owner_id == world.seller.pk  # the account's owner
    involvement = opportunity.involvements.get()
    assert (involvement.partner_id, involvement.role) == (world.partner.pk, InvolvementRole.SOURCED)


def test_approval_puts_the_partner_on_our_open_opportunity(world: World) -> None:
    from handschlag.coselling.enums import InvolvementRole

    ours = opportunity_create_for(
        world.seller,
        account_id=world.account.pk,
        title="Ersatzmaschine Halle 2",
        product_line_id=world.product_line.pk,
        at=timezone.now() - dt.timedelta(days=2),
    )
    registration = approve(world, register(world))
    assert registration.opportunity_id == ours.pk
    assert ours.involvements.get().role == InvolvementRole.INFLUENCED
