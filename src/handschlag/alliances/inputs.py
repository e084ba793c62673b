"""Typed inputs of the partnership services; the API takes them as bodies, the pages build them from forms.

Field shapes (length, range, choices) live here; rules that need the database or the actor (a unique partner
name, a manager who manages partners, one active agreement per partner) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, StringConstraints, field_validator

from handschlag.alliances.enums import (
    AgreementStatus,
    OfferAsk,
    OfferDecision,
    OfferGive,
    PartnerStatus,
    PartnerTier,
    PartnerType,
)
from handschlag.core.inputs import PatchInput, ServiceInput, email_or_empty, refuse_nul
from handschlag.core.money import MAX_DIGITS


def _refuse_null(value: Any) -> Any:
    """For patches: a field that was sent must not be null unless the record allows an empty value."""
    if value is None:
        raise ValueError(_("This field cannot be null."))
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(refuse_nul)
]
UserName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150), AfterValidator(refuse_nul)
]
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=150), AfterValidator(refuse_nul)
]
Position = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(refuse_nul)
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(refuse_nul)]
ContactName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(refuse_nul)
]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=253), AfterValidator(refuse_nul)]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=10_000), AfterValidator(refuse_nul)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(refuse_nul)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(refuse_nul),
    AfterValidator(email_or_empty),
]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=MAX_DIGITS, decimal_places=2)]
Weight = Annotated[int, Field(ge=0, le=10)]
Score = Annotated[int, Field(ge=0, le=5)]


# --- partners -------------------------------------------------------------------------------------------------


class PartnerInput(ServiceInput):
    name: Name
    partner_type: PartnerType = PartnerType.STRATEGIC_ALLIANCE
    tier: PartnerTier = PartnerTier.REGISTERED
    website: Website = ""
    description: LongText = ""
    manager_id: Annotated[int | None, Field(description="one of our users who manages partners")] = None


class PartnerPatch(PatchInput):
    name: Name | None = None
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    website: Website | None = None
    description: LongText | None = None
    status: Annotated[
        PartnerStatus | None, Field(description="inactive: the partnership has ended; its portal logins stop")
    ] = None
    manager_id: Annotated[int | None, Field(description="null removes the partner manager")] = None

    _not_null = field_validator(
        "name", "partner_type", "tier", "website", "description", "status", mode="before"
    )(_refuse_null)


class PartnerContactInput(ServiceInput):
    name: Name
    position: Position = ""
    email: Email = ""
    phone: Phone = ""


class PortalUserInput(ServiceInput):
    username: UserName
    email: Email = ""
    first_name: PersonName = ""
    last_name: PersonName = ""
    password: Annotated[str | None, Field(max_length=128, description="empty: no password yet")] = None
    language: Literal["de", "en"] = "de"


class PortalUserPatch(PatchInput):
    """What a partner manager changes on a portal login (the user name stays; the password is the person's own)."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Email | None = None
    language: Literal["de", "en"] | None = None
    is_active: bool | None = None

    _not_null = field_validator("first_name", "last_name", "email", "language", "is_active", mode="before")(
        _refuse_null
    )


# --- agreements -------------------------------------------------------------------------------------------------


class AgreementInput(ServiceInput):
    partner_id: int
    title: Name
    status: AgreementStatus = AgreementStatus.DRAFT
    scope: LongText = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    leads_to_us_per_quarter: Count = 0
    leads_to_partner_per_quarter: Count = 0
    joint_pipeline_target: Amount = Decimal("0")
    joint_wins_target: Count = 0
    incentive_plan: LongText = ""
    value_proposition: LongText = ""


class AgreementPatch(PatchInput):
    title: Name | None = None
    status: AgreementStatus | None = None
    scope: LongText | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    leads_to_us_per_quarter: Count | None = None
    leads_to_partner_per_quarter: Count | None = None
    joint_pipeline_target: Amount | None = None
    joint_wins_target: Count | None = None
    incentive_plan: LongText | None = None
    value_proposition: LongText | None = None

    _not_null = field_validator(
        "title",
        "status",
        "scope",
        "leads_to_us_per_quarter",
        "leads_to_partner_per_quarter",
        "joint_pipeline_target",
        "joint_wins_target",
        "incentive_plan",
        "value_proposition",
        mode="before",
    )(_refuse_null)


# --- fit scorecard ------------------------------------------------------------------------------------------------


class FitWeightsInput(ServiceInput):
    weights: dict[int, Weight] = Field(description="criterion id → weight 0-10")


class FitRatingsInput(ServiceInput):
    scores: dict[int, Score | None] = Field(description="criterion id → score 0-5 (null removes the rating)")


# --- offers -------------------------------------------------------------------------------------------------------


def _choices_sorted(items: list[Any]) -> list[Any]:
    return sorted(set(items))


class OfferInput(ServiceInput):
    company_name: Name
    contact_name: ContactName = ""
    contact_email: Email = ""
    received_on: Annotated[dt.date | None, Field(description="empty: today")] = None
    summary: LongText = ""
    gives: Annotated[list[OfferGive], Field(max_length=20), AfterValidator(_choices_sorted)] = []
    asks: Annotated[list[OfferAsk], Field(max_length=20), AfterValidator(_choices_sorted)] = []


class OfferPatch(PatchInput):
    company_name: Name | None = None
    contact_name: ContactName | None = None
    contact_email: Email | None = None
    received_on: dt.date | None = None
    summary: LongText | None = None
    gives: Annotated[list[OfferGive], Field(max_length=20), AfterValidator(_choices_sorted)] | None = None
    asks: Annotated[list[OfferAsk], Field(max_length=20), AfterValidator(_choices_sorted)] | None = None

    _not_null = field_validator(
        "company_name",
        "contact_name",
        "contact_email",
        "received_on",
        "summary",
        "gives",
        "asks",
        mode="before",
    )(_refuse_null)


class OfferDecisionInput(ServiceInput):
    decision: OfferDecision
    note: Note = ""
