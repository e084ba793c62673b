"""The home page shows the leads waiting for this user and, to those who decide them, the registrations waiting;
nothing to those who have no such work."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone, translation

from handschlag.core.models import User
from handschlag.coselling.lead_home import leads_digest_lines, leads_home
from tests.coselling.lead_helpers import (
    World,
    register,
    world_fixture,  # noqa: F401
)
from tests.coselling.lead_helpers import offer as offer_at

pytestmark = pytest.mark.django_db


def test_waiting_work_on_the_home_page(world: World, page_as: Callable[[User], Client]) -> None:
    offer_at(
        world.partner_user, now=timezone.now()
    )  # the account's owner (the seller) and the partner's manager
    register(world)
    world.partner_manager.language = "de"
    world.partner_manager.save(update_fields=["language"])
    page = page_as(world.partner_manager).get("/").content.decode()
    assert "1 Lead wartet auf Ihre Entscheidung" in page
    assert "1 Deal-Registrierung wartet auf Entscheidung" in page
    seller = leads_home(world.seller)
    assert seller is not None
    assert seller["lead_count"] == 1
    assert "registrations_pending" not in seller  # sellers do not decide registrations
    with translation.override("en"):
        assert leads_digest_lines(seller) == ["1 lead waits for your decision."]
    assert leads_home(world.process_owner) is None
    assert leads_home(world.partner_user) is None
    assert leads_home(world.management) is not None  # decides registrations


def test_nothing_waiting_no_section(world: World) -> None:
    assert leads_home(world.partner_manager) is None
