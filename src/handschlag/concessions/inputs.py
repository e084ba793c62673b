"""Typed inputs of the concession services; the API takes them as bodies, the pages build them from forms.

The rules between fields live here, each on the field it concerns (pydantic validates the fields in order, so a
field's validator sees the ones above it): a percent only for a percent discount and at most 100, extra payment
days only for payment terms, an amount for the other kinds, no negative values, "nothing in return" needs a
reason, a return is not due before the concession. Rules that need the database or the actor (an account the
actor may see, an order of that account) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from handschlag.concessions.enums import (
    AMOUNT_KINDS,
    ConcessionKind,
    ConcessionReason,
    Decision,
    GetKind,
    GetStatus,
)
from handschlag.core.inputs import PatchInput, ServiceInput, refuse_nul

MAX_ID = 2**63 - 1
MAX_MONEY = Decimal("999999999999.99")  # 14 digits, two of them decimal places
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message.replace("{", "(").replace("}", ")"))


def _in_range(value: dt.date | None) -> dt.date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _refuse(_("Enter a date between 1900 and 9998."))
    return value


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=14, decimal_places=2)]
Text = Annotated[str, _text(5_000), AfterValidator(refuse_nul)]
Day = Annotated[dt.date, AfterValidator(_in_range)]


class ConcessionInput(ServiceInput):
    """One ledger entry. `value` is not sent: the service computes it in EUR from the kind's figures."""

    account_id: Id
    order_id: Id | None = None
    opportunity_id: Id | None = Field(None, description="an opportunity of the same account (co-selling)")
    granted_on: Day
    kind: ConcessionKind
    list_value: Annotated[Decimal, Field(gt=0, le=MAX_MONEY, max_digits=14, decimal_places=2)] = Field(
        description="list value (EUR) of the business the concession applies to"
    )
    percent: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = Field(
        None, validate_default=True, description="discount_percent only: 0 < percent ≤ 100"
    )
    amount: Money | None = Field(
        None,
        validate_default=True,
        description="the value in EUR for every kind but discount_percent and payment_terms",
    )
    extra_days: int | None = Field(
        None, validate_default=True, description="payment_terms only: extra days granted (1 to 365)"
    )
    reason: ConcessionReason
    note: Text = ""
    get_kind: GetKind
    get_description: Text = ""
    get_value: Money | None = Field(None, validate_default=True)
    get_due_on: Day | None = Field(None, validate_default=True)
    nothing_reason: Text = Field("", validate_default=True, description="required when get_kind is nothing")

    @field_validator("percent")
    @classmethod
    def _percent_for_percent_discount(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        kind = info.data.get("kind")
        if kind == ConcessionKind.DISCOUNT_PERCENT:
            if value is None:
                raise _refuse(_("A percent discount needs its percent."))
            if value <= 0:
                raise _refuse(_("The percent must be greater than 0."))
            if value > 100:
                raise _refuse(_("A discount cannot be more than 100 %."))
        elif value is not None:
            raise _refuse(_("A percent only goes with a percent discount."))
        return value

    @field_validator("amount")
    @classmethod
    def _amount_for_amount_kinds(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        kind = info.data.get("kind")
        if kind in AMOUNT_KINDS:
            if value is None or value <= 0:
                raise _refuse(_("Enter the value in EUR (greater than 0)."))
        elif value is not None and kind is not None:
            raise _refuse(_("The value of this kind is computed; leave the amount empty."))
        return value

    @field_validator("extra_days")
    @classmethod
    def _days_for_payment_terms(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        if kind == ConcessionKind.PAYMENT_TERMS:
            if value is None or not 1 <= value <= 365:
                raise _refuse(_("Enter the extra payment days (1 to 365)."))
        elif value is not None:
            raise _refuse(_("Extra payment days only go with payment terms."))
        return value

    @field_validator("get_value")
    @classmethod
    def _no_value_for_nothing(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is not None and info.data.get("get_kind") == GetKind.NOTHING:
            raise _refuse(_("Nothing in return has no value."))
        return value

    @field_validator("get_due_on")
    @classmethod
    def _due_after_concession(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is None:
            return value
        if info.data.get("get_kind") == GetKind.NOTHING:
            raise _refuse(_("Nothing in return has no due date."))
        granted_on = info.data.get("granted_on")
        if granted_on is not None and value < granted_on:
            raise _refuse(_("The return cannot be due before the concession was granted."))
        return value

    @field_validator("nothing_reason")
    @classmethod
    def _nothing_needs_reason(cls, value: str, info: ValidationInfo) -> str:
        get_kind = info.data.get("get_kind")
        if get_kind == GetKind.NOTHING and not value:
            raise _refuse(_("Say why we get nothing in return."))
        if get_kind is not None and get_kind != GetKind.NOTHING:
            return ""
        return value


class ConcessionPatch(PatchInput):
    """A change: only the fields sent; the service merges them into the entry and checks the whole again."""

    order_id: Id | None = None
    opportunity_id: Id | None = None
    granted_on: Day | None = None
    kind: ConcessionKind | None = None
    list_value: Decimal | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None
    extra_days: int | None = None
    reason: ConcessionReason | None = None
    note: Text | None = None
    get_kind: GetKind | None = None
    get_description: Text | None = None
    get_value: Decimal | None = None
    get_due_on: Day | None = None
    nothing_reason: Text | None = None


class DecisionInput(ServiceInput):
    decision: Decision
    reason: Text = ""
    revision: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="the entry's revision the approver saw; a newer one is refused (409)",
    )

    @field_validator("reason")
    @classmethod
    def _reject_needs_reason(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == Decision.REJECT and not value:
            raise _refuse(_("Say why you reject it."))
        return value


class GetStatusInput(ServiceInput):
    """Whether the customer delivered his return (overdue is computed from the due date, not set)."""

    status: GetStatus

    @field_validator("status")
    @classmethod
    def _settable(cls, value: GetStatus) -> GetStatus:
        if value not in {GetStatus.PENDING, GetStatus.DELIVERED, GetStatus.FAILED}:
            raise _refuse(_("Choose pending, delivered or failed."))
        return value


Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class SettingsInput(ServiceInput):
    interest_rate_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
    period_days: int = Field(ge=1, le=3650)
    edit_tolerance_percent: Percent
    trap_min_years: int = Field(ge=0, le=100)
    trap_max_complaints: int = Field(ge=0, le=1000)
    trap_max_coverage_percent: Percent


class LimitInput(ServiceInput):
    role: str = Field(min_length=1, max_length=20)
    max_value: Money | None = None
    max_percent: Percent | None = None


class DelegationInput(ServiceInput):
    delegate_id: Id
    starts_on: Day
    ends_on: Day

    @field_validator("ends_on")
    @classmethod
    def _after_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and value < starts_on:
            raise _refuse(_("The end cannot be before the start."))
        return value
