"""Typed inputs of the alignment services (core/inputs.py says how)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from handschlag.alignment.enums import CampaignPhase, ExchangeKind, IcpCriterionKind
from handschlag.core.inputs import PatchInput, ServiceInput, refuse_nul

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(refuse_nul)
]
Statement = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(refuse_nul)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(refuse_nul)
]
RequiredText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), AfterValidator(refuse_nul)
]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class SurveyInput(ServiceInput):
    title: Title
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    min_group_size: int = Field(
        5, ge=3, le=1000, description="results of a group only from this many answers"
    )


class SurveyPatch(PatchInput):
    title: Title | None = None
    min_group_size: int | None = Field(None, ge=3, le=1000)


class SurveyItemInput(ServiceInput):
    text: Statement
    code: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] | None
    ) = Field(None, description="stable key across quarters; made from the text when left out")


class SurveyItemPatch(PatchInput):
    text: Statement | None = None


class AnswerInput(ServiceInput):
    item_id: Id
    value: int = Field(ge=1, le=5, description="1 = strongly disagree … 5 = strongly agree")


class SurveyAnswerInput(ServiceInput):
    answers: list[AnswerInput] = Field(min_length=1, max_length=100)


class CampaignInput(ServiceInput):
    name: Title
    description: LongText = ""
    starts_on: dt.date
    ends_on: dt.date

    @model_validator(mode="after")
    def _dates(self) -> CampaignInput:
        if self.ends_on < self.starts_on:
            from django.utils.translation import gettext as _

            raise ValueError(_("The end must not be before the launch."))
        return self


class MaterialInput(ServiceInput):
    title: Title
    description: LongText = ""
    campaign_id: Id | None = None
    link: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(refuse_nul)
    ] = ""


class MaterialPatch(PatchInput):
    title: Title | None = None
    description: LongText | None = None
    campaign_id: Id | None = None
    link: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(refuse_nul)]
        | None
    ) = None
    new_version: bool = Field(False, description="the content changed: count up the version")


class FeedbackInput(ServiceInput):
    rating: int = Field(ge=1, le=5)
    comment: LongText = ""
    used_with_customer: bool = False
    phase: CampaignPhase | None = Field(
        None, description="left out: the campaign's phase today (before launch, during, after)"
    )


class FeedbackAnswerInput(ServiceInput):
    answer: RequiredText


class CriterionInput(ServiceInput):
    kind: IcpCriterionKind
    weight: int = Field(ge=1, le=10)
    values: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(refuse_nul)
    ] = Field("", description="industry: industries; region: country codes or country-postal prefixes (DE-7)")
    minimum: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    maximum: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)


class IcpVersionInput(ServiceInput):
    valid_from: dt.date
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(refuse_nul)
    ] = ""
    target_threshold: int = Field(60, ge=1, le=100)
    criteria: list[CriterionInput] = Field(min_length=1, max_length=10)


class ExchangeInput(ServiceInput):
    kind: ExchangeKind
    host_id: Id
    guest_id: Id
    date: dt.date
    account_ids: list[Id] = Field(default_factory=list, max_length=50)
    notes: LongText = ""


class ExchangeFeedbackInput(ServiceInput):
    rating: int = Field(ge=1, le=5)
    text: RequiredText


class MqlInput(ServiceInput):
    """A marketing-qualified lead for sales: the company and contact (as co-selling's lead takes them), the campaign
    it came from, and what the ideal customer profile scores it by."""

    campaign_id: Id | None = None
    company_name: Title
    company_domain: Annotated[str, StringConstraints(strip_whitespace=True, max_length=253)] = ""
    company_street: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    company_postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] = ""
    company_city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    company_country: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] = "DE"
    need: LongText = ""
    estimated_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    contact_name: Title
    contact_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] = ""
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    industry: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    employees: int | None = Field(None, ge=0, le=10_000_000)
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
