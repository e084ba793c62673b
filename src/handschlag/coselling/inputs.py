"""Typed inputs of the opportunity and incentive services; the API takes them as bodies, the pages build them
from forms. (Leads and deal registrations keep theirs in lead_inputs.py.)

Shapes live here: lengths, ranges, amounts that are never negative. Rules that need the database (an account the
actor may see, a stage of the pipeline, a stage that does not go backwards) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from handschlag.core.inputs import PatchInput, ServiceInput, refuse_nul
from handschlag.core.money import MAX_DIGITS
from handschlag.coselling.enums import InvolvementReason, InvolvementRole

MAX_ID = 2**63 - 1
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message.replace("{", "(").replace("}", ")"))


def _required(value: str) -> str:
    if not value:
        raise _refuse(_("This field is required."))
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _refuse(_("Enter a date between 1900 and 9998."))
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _refuse(_("Enter a date between 1900 and 9998."))
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise _refuse(_("An amount cannot be negative."))
    return value


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, _text(200), AfterValidator(refuse_nul), AfterValidator(_required)]
Reason = Annotated[str, _text(300), AfterValidator(refuse_nul)]
ExternalId = Annotated[str, _text(100), AfterValidator(refuse_nul)]
Amount = Annotated[Decimal, AfterValidator(_not_negative), Field(max_digits=MAX_DIGITS, decimal_places=2)]
CloseDate = Annotated[dt.date, AfterValidator(_date_in_range)]
Moment = Annotated[dt.datetime, AfterValidator(_aware)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Multiplier = Annotated[Decimal, Field(ge=0, le=10, max_digits=4, decimal_places=2)]
Cap = Annotated[Decimal, AfterValidator(_not_negative), Field(max_digits=MAX_DIGITS, decimal_places=2)]


class OpportunityInput(ServiceInput):
    account_id: Id
    title: Title
    product_line_id: Id | None = None
    amount: Amount = Decimal("0")
    owner_id: Id | None = Field(None, description="an internal user; empty: the one who creates it")
    stage_id: Id | None = Field(None, description="empty: the first stage of the default pipeline")
    expected_close_date: CloseDate | None = None
    at_risk: bool = False
    at_risk_reason: Reason = ""
    lost_reason: Reason = ""
    external_id: ExternalId = Field("", description="the opportunity's id in the CRM, unique when given")


class OpportunityPatch(PatchInput):
    title: Title | None = None
    product_line_id: Id | None = None
    amount: Amount | None = None
    owner_id: Id | None = None
    expected_close_date: CloseDate | None = None
    external_id: ExternalId | None = None


class StageMoveInput(ServiceInput):
    stage_id: Id
    reopen: bool = Field(False, description="move a won or lost opportunity back to an open stage")
    lost_reason: Reason = ""
    note: Reason = ""


class RiskInput(ServiceInput):
    at_risk: bool
    reason: Reason = ""


class InvolvementInput(ServiceInput):
    partner_id: Id
    role: InvolvementRole
    reason: InvolvementReason = InvolvementReason.NEW
    joined_at: Moment | None = Field(None, description="when the partner came in; empty: now")


class IncentivePlanInput(ServiceInput):
    seller_commission_percent: Percent = Decimal("3.00")
    sourced_multiplier: Multiplier = Decimal("1.50")
    influenced_multiplier: Multiplier = Decimal("1.20")
    seller_credit_percent: Percent = Decimal("100.00")
    referral_fee_percent: Percent = Decimal("0.00")
    seller_referral_share_percent: Percent = Decimal("50.00")
    commission_cap: Cap | None = None
    referral_fee_cap: Cap | None = None
