"""Typed inputs of the account services; the API takes them as bodies, the pages build them from forms.

Field shapes live here: lengths, ranges, choices, and the normalisation of what a person types (a web address
becomes a domain, "Deutschland" becomes DE, a VAT id is compacted and checked). Rules that need the database or
the actor (a CRM id used by another account, an owner the actor may assign, a postal code of the account's
country) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from handschlag.accounts import importing
from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.core.inputs import PatchInput, ServiceInput, refuse_nul
from handschlag.core.money import MAX_DIGITS

MAX_ID = 2**63 - 1
MAX_TAGS = 50


def _refuse(message: str) -> PydanticCustomError:
    """A validation error whose message is exactly `message` (a ValueError would get "Value error, " before)."""
    return PydanticCustomError("invalid", message.replace("{", "(").replace("}", ")"))


def _required(message: Any) -> Any:
    """An empty text (after stripping) is refused with `message` (lazy: translated when it is shown)."""

    def check(value: str) -> str:
        if not value:
            raise _refuse(str(message))
        return value

    return AfterValidator(check)


def _refuse_null(value: Any) -> Any:
    """For patches: a field that was sent must not be null when the record has no empty value for it."""
    if value is None:
        raise _refuse(_("This field cannot be null."))
    return value


def _domain(value: str) -> str:
    try:
        return importing.normalise_domain(value)
    except ValueError:
        raise _refuse(_("Not a web address or domain.")) from None


def _country(value: str) -> str:
    try:
        return importing.normalise_country(value) or "DE"
    except ValueError:
        raise _refuse(_("Unknown country. Use the ISO code, e.g. DE, AT or CH.")) from None


def _vat_id(value: str) -> str:
    try:
        return importing.normalise_vat_id(value)
    except ValueError:
        raise _refuse(_("Not a valid VAT id (check the country prefix and the digits).")) from None


def _email(value: str) -> str:
    if value:
        try:
            EmailValidator()(value)
        except DjangoValidationError:
            raise _refuse(_("Enter a valid e-mail address.")) from None
    return value


def _tags(value: Any) -> Any:
    """A list of tags, or the text a form sends ("A; B, C"); blank tags are dropped."""
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if isinstance(value, list | tuple):
        return [tag for tag in value if not (isinstance(tag, str) and not tag.strip())]
    return value


def _tags_joined_fit(value: list[str]) -> list[str]:
    tags = [tag for tag in value if tag]
    if len(",".join(tags)) > 500:
        raise _refuse(_("The tags together may have at most 500 characters."))
    return tags


def Text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


Nul = AfterValidator(refuse_nul)
CompanyName = Annotated[
    str, Text(200), Nul, _required(gettext_lazy("The company name is required.")), Field(min_length=1)
]
Domain = Annotated[str, Text(253), Nul, AfterValidator(_domain)]
Country = Annotated[str, Text(60), Nul, AfterValidator(_country)]
VatId = Annotated[str, Text(30), Nul, AfterValidator(_vat_id)]
Tag = Annotated[str, Text(100), Nul]
Tags = Annotated[
    list[Tag], BeforeValidator(_tags), Field(max_length=MAX_TAGS), AfterValidator(_tags_joined_fit)
]
Employees = Annotated[int, Field(ge=0, le=10_000_000)]
Revenue = Annotated[Decimal, Field(ge=0, max_digits=MAX_DIGITS + 2, decimal_places=2)]
UserId = Annotated[int, Field(ge=1, le=MAX_ID)]
LongText = Annotated[str, Text(10_000), Nul]
Email = Annotated[str, Text(254), Nul, AfterValidator(_email)]
OrderNumber = Annotated[
    str, Text(50), Nul, _required(gettext_lazy("The order number is required.")), Field(min_length=1)
]
OrderValue = Annotated[Decimal, Field(ge=0, max_digits=MAX_DIGITS, decimal_places=2)]
InsightText = Annotated[
    str, Text(5000), Nul, _required(gettext_lazy("Describe it in a sentence.")), Field(min_length=1)
]
LastName = Annotated[
    str, Text(100), Nul, _required(gettext_lazy("The last name is required.")), Field(min_length=1)
]

ACCOUNT_NOT_NULL = (
    "name",
    "legal_form",
    "external_id",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "industry",
    "status",
    "tags",
    "success_plan",
)


# --- accounts ------------------------------------------------------------------------------------------------------


class AccountInput(ServiceInput):
    """A new account. Without an owner, a seller (who may not assign owners) becomes the owner himself."""

    name: CompanyName
    legal_form: Annotated[str, Text(60), Nul] = ""
    external_id: Annotated[str, Text(100), Nul] = Field("", description="The account's id in the CRM")
    domain: Domain = ""
    street: Annotated[str, Text(200), Nul] = ""
    postal_code: Annotated[str, Text(12), Nul] = ""
    city: Annotated[str, Text(100), Nul] = ""
    country: Country = Field("DE", description="ISO code or the country's name, e.g. DE, Österreich")
    vat_id: VatId = ""
    industry: Annotated[str, Text(100), Nul] = ""
    employees: Employees | None = None
    annual_revenue: Revenue | None = None
    status: AccountStatus = AccountStatus.PROSPECT
    customer_since: dt.date | None = None
    owner_id: UserId | None = None
    tags: Tags = Field(default_factory=list)
    success_plan: LongText = ""
    confirm_duplicate: bool = Field(
        False,
        description="Save even when the matching engine takes the account for an existing one (else 409 "
        "`possible_duplicate` with the candidates)",
    )


class AccountPatch(PatchInput):
    """A change of an account: only the fields sent are applied."""

    name: CompanyName | None = None
    legal_form: Annotated[str, Text(60), Nul] | None = None
    external_id: Annotated[str, Text(100), Nul] | None = None
    domain: Domain | None = None
    street: Annotated[str, Text(200), Nul] | None = None
    postal_code: Annotated[str, Text(12), Nul] | None = None
    city: Annotated[str, Text(100), Nul] | None = None
    country: Country | None = None
    vat_id: VatId | None = None
    industry: Annotated[str, Text(100), Nul] | None = None
    employees: Employees | None = None
    annual_revenue: Revenue | None = None
    status: AccountStatus | None = None
    customer_since: dt.date | None = None
    owner_id: UserId | None = None
    tags: Tags | None = None
    success_plan: LongText | None = None

    @field_validator(*ACCOUNT_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _refuse_null(value)


# --- what hangs on an account --------------------------------------------------------------------------------------


class ContactInput(ServiceInput):
    """A contact person at the customer; the update takes all fields (the API's PUT, the page's form)."""

    first_name: Annotated[str, Text(100), Nul] = ""
    last_name: LastName
    position: Annotated[str, Text(100), Nul] = ""
    email: Email = ""
    phone: Annotated[str, Text(40), Nul] = ""


class OrderInput(ServiceInput):
    """A customer order; the update takes all fields (the API's PUT, the page's form)."""

    number: OrderNumber
    value: OrderValue
    due_date: dt.date | None = None
    status: OrderStatus = OrderStatus.OPEN
    product: Annotated[str, Text(200), Nul] = ""


class InsightInput(ServiceInput):
    """A goal, risk or constraint of the customer; the update takes all fields."""

    kind: InsightKind
    text: InsightText
    review_date: dt.date | None = None
