"""Typed inputs of the complaint services; the API takes them as bodies, the pages build them from forms.

Field shapes live here: lengths, choices, ranges, ids that fit a database column, texts without NUL characters,
deadlines that are aware. Rules that need the database or the actor (an account the actor may see, orders of
that account, a process owner who may own cases, one active rule per category, product line and plant, targets
in order) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from handschlag.complaints.enums import ComplaintCategory, Severity, ThreatScope
from handschlag.core.inputs import PatchInput, ServiceInput, refuse_nul

MAX_ID = 2**63 - 1  # the largest value of a 64-bit id column
SLA_MAX_HOURS = 9 * 250  # a year of business days; PositiveSmallIntegerField holds it with room
MAX_ORDERS = 200
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998  # aware datetimes near year 1 or 9999 overflow on conversion


def _refuse(message: str) -> PydanticCustomError:
    """A validation error whose message is exactly `message` (a ValueError would get "Value error, " before)."""
    return PydanticCustomError("invalid", message.replace("{", "(").replace("}", ")"))


def _required(value: str) -> str:
    if not value:
        raise _refuse(_("This field is required."))
    return value


def _not_null(value: Any) -> Any:
    """For patches: a field that was sent must not be null when the case has no empty value for it."""
    if value is None:
        raise _refuse(_("This field cannot be null."))
    return value


def _null_is_empty_text(value: Any) -> Any:
    return "" if value is None else value


def _null_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _aware(value: dt.datetime) -> dt.datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _refuse(_("Enter a date between 1900 and 9998."))
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _refuse(_("Enter a date between 1900 and 9998."))
    return value


def _unique_sorted(values: list[int]) -> list[int]:
    return sorted(set(values))


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, _text(200), AfterValidator(refuse_nul), AfterValidator(_required)]
Description = Annotated[str, _text(20_000), AfterValidator(refuse_nul), AfterValidator(_required)]
ProductLine = Annotated[str, _text(100), AfterValidator(refuse_nul)]
Plant = Annotated[str, _text(100), AfterValidator(refuse_nul)]
Product = Annotated[str, _text(200), AfterValidator(refuse_nul)]
Notes = Annotated[str, _text(10_000), AfterValidator(refuse_nul)]
Reason = Annotated[str, _text(500), AfterValidator(refuse_nul)]
Deadline = Annotated[dt.datetime, AfterValidator(_aware)]
DueDate = Annotated[dt.date, AfterValidator(_in_range)]
OrderIds = Annotated[list[Id], Field(max_length=MAX_ORDERS), AfterValidator(_unique_sorted)]
Priority = Annotated[int, Field(ge=0, le=32_000)]
Hours = Annotated[int, Field(ge=1, le=SLA_MAX_HOURS)]


# --- cases -------------------------------------------------------------------------------------------------------


class ComplaintInput(ServiceInput):
    """A new case. It is routed on creation; the account's seller becomes a watcher."""

    account_id: Id
    title: Title
    description: Description
    category: ComplaintCategory
    severity: Severity
    product_line: ProductLine = ""
    plant: Plant = ""
    product: Product = ""
    order_ids: OrderIds = Field(default_factory=list, description="orders of the account this is about")
    cancellation_threat: bool = False
    cancellation_deadline: Deadline | None = Field(
        default=None, description="only with a cancellation threat"
    )
    threat_scope: ThreatScope = ThreatScope.ALL_OPEN_ORDERS


class ComplaintPatch(PatchInput):
    """The facts of a case; only the fields sent change. Null empties a text, the orders or the deadline."""

    title: Title | None = None
    description: Description | None = None
    severity: Severity | None = None
    product_line: ProductLine | None = None
    plant: Plant | None = None
    product: Product | None = None
    order_ids: OrderIds | None = None
    cancellation_threat: bool | None = None
    cancellation_deadline: Deadline | None = None
    threat_scope: ThreatScope | None = None

    _refuse_null = field_validator(
        "title", "description", "severity", "threat_scope", "cancellation_threat", mode="before"
    )(_not_null)
    _empty_text = field_validator("product_line", "plant", "product", mode="before")(_null_is_empty_text)
    _empty_orders = field_validator("order_ids", mode="before")(_null_is_empty_list)


class StepPatch(PatchInput):
    """One 8D step: owner, due date, notes, done. D3 done is the containment."""

    owner_id: Id | None = Field(default=None, description="null: nobody")
    due_date: DueDate | None = None
    notes: Notes | None = None
    done: bool | None = None
    reason: Reason | None = Field(
        default=None, description="why the step is done before an earlier one (required then; D3 excepted)"
    )

    _empty_notes = field_validator("notes", "reason", mode="before")(_null_is_empty_text)


# --- configuration -----------------------------------------------------------------------------------------------


class RoutingRuleInput(ServiceInput):
    """Category (and optionally product line and plant) → department → process owner (empty: the head)."""

    category: ComplaintCategory
    product_line: ProductLine = ""
    plant: Plant = ""
    department_id: Id
    process_owner_id: Id | None = None
    priority: Priority = 100
    is_active: bool = True


class RoutingRulePatch(PatchInput):
    category: ComplaintCategory | None = None
    product_line: ProductLine | None = None
    plant: Plant | None = None
    department_id: Id | None = None
    process_owner_id: Id | None = Field(default=None, description="null: the department head")
    priority: Priority | None = None
    is_active: bool | None = None

    _refuse_null = field_validator("category", "department_id", "priority", "is_active", mode="before")(
        _not_null
    )
    _empty_text = field_validator("product_line", "plant", mode="before")(_null_is_empty_text)


class SlaPolicyInput(ServiceInput):
    """The targets of one severity in whole business hours; first response ≤ containment ≤ resolution."""

    first_response_hours: Hours
    containment_hours: Hours
    resolution_hours: Hours
    escalation_step_hours: Hours
