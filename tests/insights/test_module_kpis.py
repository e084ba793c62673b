"""The co-selling, concession and alignment figures reach insights through their modules' kpis.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.core.figures import FigureScope, kpi_get, kpis_measure
from handschlag.core.models import User
from handschlag.coselling.enums import InvolvementRole
from tests.alliances.factories import PartnerFactory
from tests.coselling.opportunity_helpers import T0, close, create, involve

pytestmark = pytest.mark.django_db


def test_every_module_has_its_section_for_management(
    management_user: User, api_as: Callable[..., Any]
) -> None:
    body = api_as(management_user).get("/api/v1/insights").json()
    modules = {section["module"] for section in body["sections"]}
    assert {"partnerships", "coselling", "complaints", "concessions", "alignment"} <= modules


def test_coselling_figures_over_a_period(make_user: Callable[..., User]) -> None:
    seller = make_user(Role.SELLER)
    management = make_user(Role.MANAGEMENT)
    partner = PartnerFactory()
    sourced = create(seller, amount="50000", at=T0)
    involve(seller, sourced, partner.pk, at=T0 + dt.timedelta(hours=1), role=InvolvementRole.SOURCED)
    close(seller, sourced, won=True, at=T0 + dt.timedelta(days=20))
    alone = create(seller, amount="8000", at=T0)
    close(seller, alone, won=False, at=T0 + dt.timedelta(days=10))
    scope = FigureScope(start=T0.date(), end=T0.date() + dt.timedelta(days=60))
    keys = ["coselling.sourced_pipeline", "coselling.won_with_partner", "coselling.win_rate_with_partner"]
    selected = [kpi for kpi in (kpi_get(key) for key in keys) if kpi is not None]
    measured = kpis_measure(management, scope, selected)
    assert measured["coselling.sourced_pipeline"].value == 50000.0
    assert measured["coselling.won_with_partner"].value == 50000.0
    win_rate = measured["coselling.win_rate_with_partner"]
    assert win_rate.status == "below_threshold"  # one closed deal is no win rate
    assert win_rate.n == 1
    other_partner = FigureScope(start=scope.start, end=scope.end, partner_id=PartnerFactory().pk)
    assert kpis_measure(management, other_partner, selected)["coselling.sourced_pipeline"].value == 0.0
