"""Two people doing the same thing at the same moment: one wins, the other gets a clear 409, never a 500, and the
database holds exactly one result.

Runs on PostgreSQL (real row locks and unique indexes under concurrency); skipped on SQLite, which serialises
writers anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from handschlag.alliances import services
from handschlag.alliances.enums import AgreementStatus, OfferStatus
from handschlag.alliances.inputs import AgreementPatch, OfferDecisionInput, PartnerInput
from handschlag.alliances.models import Agreement, Offer, Partner
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict
from handschlag.core.models import AuditEvent, Organisation
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Run the calls in threads released together; their results and the errors they raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_accepting_one_offer_twice_at_once_creates_one_partner(postgres_only: None, make_user: Any) -> None:
    first, second = make_user(Role.PARTNER_MANAGER), make_user(Role.MANAGEMENT)
    offer = OfferFactory(company_name="Brückenbau Software GmbH")
    accept = OfferDecisionInput(decision="accept")
    results, errors = at_once(
        lambda: services.offer_decide(actor=first, offer=offer, data=accept),
        lambda: services.offer_decide(actor=second, offer=offer, data=accept),
    )
    assert len(results) == 1
    assert [(type(error), getattr(error, "code", "")) for error in errors] == [(Conflict, "offer_decided")]
    partner = Partner.objects.get()
    assert partner.name == "Brückenbau Software GmbH"
    assert Organisation.objects.filter(kind="partner").count() == 1
    offer.refresh_from_db()
    assert (offer.status, offer.partner_id) == (OfferStatus.ACCEPTED, partner.pk)
    assert AuditEvent.objects.filter(action="offer.accept").count() == 1


def test_two_offers_of_one_company_accepted_at_once_share_one_partner(
    postgres_only: None, make_user: Any
) -> None:
    first, second = make_user(Role.PARTNER_MANAGER), make_user(Role.MANAGEMENT)
    offers = [
        OfferFactory(company_name="Klickfix Software UG"),
        OfferFactory(company_name="KLICKFIX software ug"),
    ]
    accept = OfferDecisionInput(decision="accept")
    results, errors = at_once(
        lambda: services.offer_decide(actor=first, offer=offers[0], data=accept),
        lambda: services.offer_decide(actor=second, offer=offers[1], data=accept),
    )
    assert (len(results), errors) == (2, [])
    partner = Partner.objects.get()
    assert set(Offer.objects.values_list("partner_id", flat=True)) == {partner.pk}
    assert Organisation.objects.filter(kind="partner").count() == 1


def test_creating_one_name_twice_at_once_creates_one_partner(postgres_only: None, make_user: Any) -> None:
    first, second = make_user(Role.PARTNER_MANAGER), make_user(Role.MANAGEMENT)
    results, errors = at_once(
        lambda: services.partner_create(actor=first, data=PartnerInput(name="Nordlicht Automation GmbH")),
        lambda: services.partner_create(actor=second, data=PartnerInput(name="NORDLICHT automation gmbh")),
    )
    assert len(results) == 1
    assert [(type(error), getattr(error, "code", "")) for error in errors] == [
        (Conflict, "partner_name_taken")
    ]
    assert Partner.objects.count() == 1
    assert Organisation.objects.filter(kind="partner").count() == 1  # the loser's organisation rolled back
    assert AuditEvent.objects.filter(action="partner.create").count() == 1


def test_activating_two_agreements_of_a_partner_at_once_leaves_one_active(
    postgres_only: None, make_user: Any
) -> None:
    first, second = make_user(Role.PARTNER_MANAGER), make_user(Role.MANAGEMENT)
    partner = PartnerFactory()
    drafts = [AgreementFactory(partner=partner, status=AgreementStatus.DRAFT) for _ in range(2)]
    activate = AgreementPatch(status=AgreementStatus.ACTIVE)
    results, errors = at_once(
        lambda: services.agreement_update(actor=first, agreement=drafts[0], patch=activate),
        lambda: services.agreement_update(actor=second, agreement=drafts[1], patch=activate),
    )
    assert len(results) == 1
    assert [(type(error), getattr(error, "code", "")) for error in errors] == [
        (Conflict, "active_agreement_exists")
    ]
    assert Agreement.objects.filter(partner=partner, status=AgreementStatus.ACTIVE).count() == 1
    assert AuditEvent.objects.filter(action="agreement.update").count() == 1
