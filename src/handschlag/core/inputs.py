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

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from django import forms
from django.utils.translation import gettext as _
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


def _limit(context: dict[str, Any], key: str) -> str:
    value = context.get(key, "")
    return str(value) if value is not None else ""


def validation_message(item: Mapping[str, Any]) -> str:
    """One pydantic error in the reader's language (pydantic itself speaks English only).

    A validator's own message (`ValueError(_("…"))`) is shown as it is, without pydantic's "Value error, ".
    """
    kind = str(item.get("type", ""))
    context: dict[str, Any] = dict(item.get("ctx") or {})
    if kind in {"value_error", "assertion_error"} and "error" in context:
        return str(context["error"])
    messages: dict[str, str] = {
        "missing": _("This field is required."),
        "string_too_short": _("At least %(limit)s characters.") % {"limit": _limit(context, "min_length")},
        "string_too_long": _("At most %(limit)s characters.") % {"limit": _limit(context, "max_length")},
        "too_short": _("At least %(limit)s entries.") % {"limit": _limit(context, "min_length")},
        "too_long": _("At most %(limit)s entries.") % {"limit": _limit(context, "max_length")},
        "greater_than_equal": _("Must be at least %(limit)s.") % {"limit": _limit(context, "ge")},
        "greater_than": _("Must be greater than %(limit)s.") % {"limit": _limit(context, "gt")},
        "less_than_equal": _("Must be at most %(limit)s.") % {"limit": _limit(context, "le")},
        "less_than": _("Must be less than %(limit)s.") % {"limit": _limit(context, "lt")},
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "decimal_max_digits": _("The number has too many digits."),
        "decimal_max_places": _("The number has too many decimal places."),
        "decimal_whole_digits": _("The number has too many digits before the decimal point."),
        "bool_parsing": _("Enter yes or no (true/false)."),
        "bool_type": _("Enter yes or no (true/false)."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "datetime_parsing": _("Enter a date and time in ISO 8601 format."),
        "datetime_from_date_parsing": _("Enter a date and time in ISO 8601 format."),
        "datetime_type": _("Enter a date and time in ISO 8601 format."),
        "enum": _("Choose one of: %(choices)s.") % {"choices": _limit(context, "expected")},
        "literal_error": _("Choose one of: %(choices)s.") % {"choices": _limit(context, "expected")},
        "extra_forbidden": _("This field is not known."),
        "string_type": _("Enter a text."),
        "list_type": _("Enter a list."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "json_invalid": _("The request is not valid JSON."),
        "string_pattern_mismatch": _("The value has the wrong format."),
        "url_parsing": _("Enter a valid web address."),
        "url_type": _("Enter a valid web address."),
    }
    return messages.get(kind, str(item.get("msg", "")))


def invalid_input_from(error: PydanticValidationError) -> InvalidInput:
    """A pydantic validation error as the services' `InvalidInput` (field → messages)."""
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        fields.setdefault(_field_of(tuple(item.get("loc", ()))), []).append(validation_message(item))
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


def refuse_nul(value: str) -> str:
    """A text validator: NUL characters are refused (PostgreSQL cannot store them; nobody types them)."""
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character."))
    return value


def email_or_empty(value: str) -> str:
    """A text validator: empty, or an e-mail address Django's `EmailField` would accept."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


EmailOrEmpty = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(refuse_nul),
    AfterValidator(email_or_empty),
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
