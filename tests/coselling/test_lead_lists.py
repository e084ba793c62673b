"""Lists of leads and registrations cost the same number of queries for 3 rows as for 30 (pages and API, ours and
the portal's); unknown accounts in a decision are refused with the field named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handschlag.core.errors import InvalidInput
from handschlag.core.models import User
from handschlag.coselling.lead_enums import LeadStatus, RegistrationStatus
from handschlag.coselling.lead_inputs import LeadDecisionInput, RegistrationDecisionInput
from handschlag.coselling.models import ProductLine
from handschlag.coselling.services.leads import lead_decide
from handschlag.coselling.services.registrations import registration_decide
from tests.conftest import ApiClient
from tests.coselling.lead_helpers import (
    World,
    register,
    world_fixture,  # noqa: F401
)
from tests.coselling.lead_helpers import offer as offer_at

pytestmark = pytest.mark.django_db


def _fill(world: World, count: int, start: int) -> None:
    for number in range(start, start + count):
        offer_at(
            world.partner_user, now=timezone.now(), company_name=f"Firma {number} GmbH", company_domain=""
        )
        offer_at(
            world.seller,
            now=timezone.now(),
            partner_id=world.partner.pk,
            company_name=f"Kunde {number} AG",
            company_domain="",
        )
        line = ProductLine.objects.create(name=f"Linie {number}")
        register(world, product_line_id=line.pk, company_name=f"Werk {number} KG", company_domain="")


def _queries(call: Callable[[], Any]) -> int:
    call()  # the first call of a token may record when it was last used (once a minute); count the second
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_rows(
    world: World, page_as: Callable[[User], Client], api_as: Callable[..., ApiClient]
) -> None:
    ours = page_as(world.partner_manager)
    theirs = page_as(world.partner_user)
    our_api = api_as(world.partner_manager)
    their_api = api_as(world.partner_user)
    calls: dict[str, Callable[[], Any]] = {
        "inbox": lambda: ours.get("/coselling/leads/?box=inbox"),
        "outbox": lambda: ours.get("/coselling/leads/?box=outbox"),
        "registrations": lambda: ours.get("/coselling/registrations/?status="),
        "portal leads": lambda: theirs.get("/portal/leads/"),
        "portal registrations": lambda: theirs.get("/portal/registrations/"),
        "api leads": lambda: our_api.get("/api/v1/leads", box="all"),
        "api registrations": lambda: our_api.get("/api/v1/deal-registrations"),
        "api portal leads": lambda: their_api.get("/api/v1/leads", box="outbox"),
        "api portal registrations": lambda: their_api.get("/api/v1/deal-registrations"),
    }
    _fill(world, 3, 0)
    few = {name: _queries(call) for name, call in calls.items()}
    _fill(world, 27, 3)
    many = {name: _queries(call) for name, call in calls.items()}
    assert many == few


def test_accepting_onto_an_unknown_account_is_refused(world: World) -> None:
    lead = offer_at(world.partner_user, now=timezone.now())
    with pytest.raises(InvalidInput) as refused:
        lead_decide(
            actor=world.seller, lead=lead, data=LeadDecisionInput(decision="accept", account_id=999_999)
        )
    assert "account_id" in refused.value.fields
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED


def test_approving_onto_an_unknown_account_is_refused(world: World) -> None:
    registration = register(world)
    with pytest.raises(InvalidInput) as refused:
        registration_decide(
            actor=world.partner_manager,
            registration=registration,
            data=RegistrationDecisionInput(decision="approve", account_id=999_999),
        )
    assert "account_id" in refused.value.fields
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
