"""Typed service inputs: one pydantic model per write, shared by the service, the API and the form.

A service takes keyword arguments (a few simple values) or one input object (a record with many fields):

    class AccountInput(ServiceInput):          # in <app>/inputs.py
        name: str = Field(min_length=1, max_length=200)
        owner_id: int | None = None

    class AccountPatch(PatchInput):            # every field optional; only the fields sent are applied
        name: str | None = Field(None, min_length=1, max_length=200)

    def account_create(*, actor: User, data: AccountInput) -> Account: ...
    def account_update(*, actor: User, account: Account, patch: AccountPatch) -> Account: ...

The API endpoint takes the same model as its body (`payload: AccountInput`), so the OpenAPI document, the
endpoint and the service agree and mypy checks the call. A page builds it from the form's cleaned data with
`input_from_form`, which turns the model's validation errors into form errors. Rules that need the database or
the actor (a unique name, an owner who is a seller) stay in the service and raise `InvalidInput`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from django import forms
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput


class ServiceInput(BaseModel):
    """Base of every service input: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PatchInput(ServiceInput):
    """Base of partial updates: only the fields that were given (`given()`) are applied."""

    def given(self) -> dict[str, Any]:
        """The fields the caller set, with their values (None included when it was sent explicitly)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


InputT = TypeVar("InputT", bound=ServiceInput)


def _field_of(location: tuple[int | str, ...]) -> str:
    return str(location[0]) if location else ""


def invalid_input_from(error: PydanticValidationError) -> InvalidInput:
    """A pydantic validation error as the services' `InvalidInput` (field → messages)."""
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        fields.setdefault(_field_of(tuple(item.get("loc", ()))), []).append(str(item.get("msg", "")))
    first = next(iter(fields.values()))[0] if fields else str(error)
    return InvalidInput(first, fields=fields)


def input_build(model: type[InputT], values: dict[str, Any]) -> InputT:
    """Build an input from plain values (a command, a task, an import row); raises `InvalidInput`."""
    try:
        return model.model_validate(values)
    except PydanticValidationError as error:
        raise invalid_input_from(error) from None


def input_from_form(form: forms.BaseForm, model: type[InputT], **extra: Any) -> InputT | None:
    """The form's cleaned data (plus `extra`) as `model`; None after adding the errors to the form."""
    from handschlag.core.forms import form_add_service_errors

    values = {name: value for name, value in form.cleaned_data.items() if name in model.model_fields}
    values.update(extra)
    try:
        return input_build(model, values)
    except InvalidInput as error:
        form_add_service_errors(form, error)
        return None


# --- inputs of the core app's own services -----------------------------------------------------------------------


def _email_or_empty(value: str) -> str:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email
    from django.utils.translation import gettext as _

    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


EmailOrEmpty = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email_or_empty)
]
DepartmentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]


class DepartmentInput(ServiceInput):
    name: DepartmentName
    head_id: int | None = Field(None, description="an active internal user; escalations go to the head")
    is_active: bool = True


class DepartmentPatch(PatchInput):
    name: DepartmentName | None = None
    head_id: int | None = None
    is_active: bool | None = None


class UserPatch(PatchInput):
    """What an administrator may change on a user (the user name stays; the password is the user's own)."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: EmailOrEmpty | None = None
    role: Role | None = None
    department_id: int | None = None
    manager_id: int | None = None
    is_active: bool | None = None
    language: Literal["de", "en"] | None = None
