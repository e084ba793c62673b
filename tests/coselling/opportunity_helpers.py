"""Builders for the opportunity tests (the leads' tests have their own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from handschlag.core.models import User
from handschlag.coselling.enums import InvolvementRole, StageKind
from handschlag.coselling.inputs import InvolvementInput, OpportunityInput, RiskInput, StageMoveInput
from handschlag.coselling.models import Opportunity, PartnerInvolvement, PipelineStage
from handschlag.coselling.services.opportunities import (
    involvement_add,
    opportunity_create,
    opportunity_mark_risk,
    opportunity_move,
    pipeline_default_ensure,
)
from tests.factories import AccountFactory

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def stage(name: str) -> PipelineStage:
    pipeline_default_ensure()  # a transactional test (browser, PostgreSQL) flushes migration 0001's pipeline
    return PipelineStage.objects.get(pipeline__is_default=True, name=name)


def won_stage() -> PipelineStage:
    return PipelineStage.objects.get(pipeline__is_default=True, kind=StageKind.WON)


def lost_stage() -> PipelineStage:
    return PipelineStage.objects.get(pipeline__is_default=True, kind=StageKind.LOST)


def create(actor: User, *, amount: str = "10000", at: dt.datetime = T0, **values: Any) -> Opportunity:
    account_id = values.pop("account_id", None) or AccountFactory(owner=actor).pk
    data = OpportunityInput(
        account_id=account_id, title=values.pop("title", "Anlage"), amount=Decimal(amount), **values
    )
    return opportunity_create(actor=actor, data=data, now=at)


def move(actor: User, opportunity: Opportunity, name: str, *, at: dt.datetime, **values: Any) -> Opportunity:
    return opportunity_move(
        actor=actor, opportunity=opportunity, data=StageMoveInput(stage_id=stage(name).pk, **values), now=at
    )


def risk(
    actor: User, opportunity: Opportunity, *, at: dt.datetime, reason: str = "Wettbewerber billiger"
) -> Opportunity:
    return opportunity_mark_risk(
        actor=actor, opportunity=opportunity, data=RiskInput(at_risk=True, reason=reason), now=at
    )


def involve(
    actor: User,
    opportunity: Opportunity,
    partner_id: int,
    *,
    at: dt.datetime,
    role: InvolvementRole = InvolvementRole.INFLUENCED,
) -> PartnerInvolvement:
    return involvement_add(
        actor=actor,
        opportunity=opportunity,
        data=InvolvementInput(partner_id=partner_id, role=role, joined_at=at),
        now=at + dt.timedelta(seconds=1),
    )


def close(actor: User, opportunity: Opportunity, *, won: bool, at: dt.datetime) -> Opportunity:
    target = won_stage() if won else lost_stage()
    return opportunity_move(
        actor=actor,
        opportunity=opportunity,
        data=StageMoveInput(stage_id=target.pk, lost_reason="" if won else "Preis"),
        now=at,
    )


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def now() -> dt.datetime:
    return timezone.now()
