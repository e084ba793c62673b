"""Typed inputs of the lead and deal-registration services; the API takes them as bodies, the pages build them
from forms. Shapes live here; rules that need the database or the actor (whose partner, which account, which
reasons the lead's source allows) stay in the services."""

from __future__ import annotations

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from handschlag.core.inputs import EmailOrEmpty, ServiceInput, refuse_nul
from handschlag.coselling.inputs import Amount, CloseDate, Id
from handschlag.coselling.lead_enums import DEFAULT_PROTECTION_DAYS, MAX_PROTECTION_DAYS, LeadDeclineReason


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message.replace("{", "(").replace("}", ")"))


def _required(value: str) -> str:
    if not value:
        raise _refuse(_("This field is required."))
    return value


def _country(value: str) -> str:
    value = value.upper()
    if value and (len(value) != 2 or not value.isascii() or not value.isalpha()):
        raise _refuse(_("Enter the country as a two-letter code (DE, AT, CH …)."))
    return value


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


CompanyName = Annotated[str, _text(200), AfterValidator(refuse_nul), AfterValidator(_required)]
Domain = Annotated[str, _text(253), AfterValidator(refuse_nul)]
Street = Annotated[str, _text(200), AfterValidator(refuse_nul)]
PostalCode = Annotated[str, _text(12), AfterValidator(refuse_nul)]
City = Annotated[str, _text(100), AfterValidator(refuse_nul)]
Country = Annotated[str, _text(2), AfterValidator(refuse_nul), AfterValidator(_country)]
PersonName = Annotated[str, _text(200), AfterValidator(refuse_nul), AfterValidator(_required)]
Phone = Annotated[str, _text(40), AfterValidator(refuse_nul)]
LongText = Annotated[str, _text(5000), AfterValidator(refuse_nul)]
Note = Annotated[str, _text(500), AfterValidator(refuse_nul)]
RequiredNote = Annotated[str, _text(500), AfterValidator(refuse_nul), AfterValidator(_required)]
Title = Annotated[str, _text(200), AfterValidator(refuse_nul), AfterValidator(_required)]
ProtectionDays = Annotated[int, Field(ge=1, le=MAX_PROTECTION_DAYS)]


class CompanyInput(ServiceInput):
    company_name: CompanyName
    company_domain: Domain = ""
    company_street: Street = ""
    company_postal_code: PostalCode = ""
    company_city: City = ""
    company_country: Country = ""


class LeadOfferInput(CompanyInput):
    """A lead handed on. `partner_id`: the partner we offer it to (our people); a partner user leaves it empty —
    his lead goes to us."""

    partner_id: Id | None = Field(None, description="our people: the partner who receives the lead")
    product_line_id: Id | None = None
    need: LongText = ""
    estimated_amount: Amount | None = None
    contact_name: PersonName
    contact_email: EmailOrEmpty = ""
    contact_phone: Phone = ""


class LeadDecisionInput(ServiceInput):
    """Accept or decline an offered lead. Declining needs a reason code the lead's source allows. Accepting a lead
    to us converts it to an opportunity on `account_id` (empty: the account the engine found, else a new one)."""

    decision: Literal["accept", "decline"]
    reason: LeadDeclineReason | Literal[""] = ""
    note: Note = ""
    account_id: Id | None = Field(None, description="accepting a lead to us: the account of the opportunity")


class DealRegistrationInput(CompanyInput):
    product_line_id: Id
    title: Title
    amount: Amount
    expected_close_date: CloseDate | None = None
    description: LongText = ""


class RegistrationDecisionInput(ServiceInput):
    """Approve (with a protection period), reject (with a reason) or mark a duplicate. `account_id`: the account
    the registration is on, when the engine only proposed a new one (or picked the wrong one)."""

    decision: Literal["approve", "reject", "duplicate"]
    reason: Note = ""
    protection_days: ProtectionDays = DEFAULT_PROTECTION_DAYS
    account_id: Id | None = None
    duplicate_of_id: Id | None = Field(None, description="duplicate: the registration it repeats")


class ExtensionRequestInput(ServiceInput):
    days: ProtectionDays
    reason: RequiredNote


class ExtensionDecisionInput(ServiceInput):
    decision: Literal["approve", "reject"]
    reason: Note = ""
