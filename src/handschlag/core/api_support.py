"""What every module's API shares: authentication, the one error shape, pagination.

Error shape (every status >= 400):
    {"error": {"code": "invalid", "message": "…", "fields": {"name": ["This field is required."]}}}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from pydantic import BaseModel, TypeAdapter, create_model

from handschlag.core.errors import Conflict, InvalidInput, TooManyRequests
from handschlag.core.inputs import validation_message
from handschlag.core.middleware import protected_message, validation_messages
from handschlag.core.pagination import LIST_CAP
from handschlag.core.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
            translation.activate(user.language)  # messages in the token owner's language
            request.LANGUAGE_CODE = user.language
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth()]


class FieldErrors(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: FieldErrors


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


# A deep `offset` walks the index up to it on every page (PostgreSQL reads and drops the skipped rows), so lists
# page at most this far; narrow the list with its filters to reach further. The import errors list (rows of one
# run, read to the end) keeps the old bound: UnboundedPage.
MAX_OFFSET = 10_000
# A list answer counts its matches up to this many, as the list pages do (core/pagination.py: a LIMIT subquery
# without ORDER BY, so PostgreSQL stops there instead of counting 100,000 accounts on every page); beyond it
# `count` is the cap and `count_capped` is true.
COUNT_CAP = LIST_CAP


class Page(LimitOffsetPagination):
    """`?limit=&offset=` (limit at most 500); answers {"items": [...], "count": N, "count_capped": false}: `count`
    is exact up to COUNT_CAP matches; with more it is COUNT_CAP and `count_capped` is true (page on with `offset`
    until a page comes back short)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool = False

    count_cap = COUNT_CAP

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=500, **kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = pagination.offset
        limit = min(pagination.limit, self.max_limit)
        count, capped = bounded_count(queryset, self.count_cap)
        return {
            self.items_attribute: queryset[offset : offset + limit],
            "count": count,
            "count_capped": capped,
        }


class UnboundedPage(Page):
    """Page with an offset up to 1,000,000,000: for lists that are read to their end (an import run's errors)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=1_000_000_000)


def plain_model(schema: type[Schema], nested: dict[str, Any] | None = None) -> type[BaseModel]:
    """The same fields as `schema` in a plain pydantic model: it validates a dict without django-ninja's per-field
    attribute getter (a Schema wraps every row in a DjangoGetter and calls its resolvers field by field: ~0.1 ms
    per row of 30 fields). `nested` replaces the annotation of a field whose rows are Schemas themselves."""
    fields: dict[str, Any] = {
        name: ((nested or {}).get(name, field.annotation), field)
        for name, field in schema.model_fields.items()
    }
    return create_model(f"Plain{schema.__name__}", **fields)


def plain_rows(schema: type[Schema], nested: dict[str, Any] | None = None) -> TypeAdapter[list[Any]]:
    """A validator of a list of `schema`'s rows as dicts (plain_model)."""
    return TypeAdapter(list[plain_model(schema, nested)])  # type: ignore[misc,arg-type]


def attribute_row(schema: type[Schema]) -> Callable[[Any], dict[str, Any]]:
    """obj -> dict of `schema`'s fields (by alias) read as django-ninja reads them: the attribute, called when it is
    a method; for schemas without resolvers and without related managers among their fields."""
    if getattr(schema, "_ninja_resolvers", None):
        raise TypeError(f"{schema.__name__} has resolvers: make its rows yourself")
    keys = [field.alias or name for name, field in schema.model_fields.items()]

    def row(obj: Any) -> dict[str, Any]:
        values = {key: getattr(obj, key) for key in keys}
        for key, value in values.items():
            if callable(value):
                values[key] = value()
        return values

    return row


def page_response(
    rows: QuerySet[Any],
    page: Page.Input,
    rows_model: TypeAdapter[list[Any]],
    as_dict: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """A list answer as @paginate(Page) gives it (same keys, same count, same JSON), with the rows made by `as_dict`
    and validated with `rows_model` (TypeAdapter of a list of a plain_model) instead of django-ninja's Schema."""
    count, capped = bounded_count(rows, Page.count_cap)
    items = [as_dict(row) for row in rows[page.offset : page.offset + page.limit]]
    body = {
        "items": rows_model.dump_python(rows_model.validate_python(items)),
        "count": count,
        "count_capped": capped,
    }
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )


def bounded_count(rows: Any, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows there are, counted up to `cap`; (cap, True) when there are more."""
    counted = rows.order_by()[: cap + 1].count() if isinstance(rows, QuerySet) else len(rows)
    return min(counted, cap), counted > cap


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    """`("body", "payload", "name")` → `name`; `("file", "file")` → `file`; `("query", "status")` → `status`."""
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "filters", "data"}:
        parts = parts[1:]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for item in error.errors:
            fields.setdefault(_field_name(item.get("loc", [])), []).append(validation_message(item))
        return answer(request, 400, error_body("invalid", _("The request has invalid fields."), fields))

    @api.exception_handler(InvalidInput)
    def on_invalid_input(request: HttpRequest, error: InvalidInput) -> HttpResponse:
        return answer(request, 400, error_body(error.code, error.message, error.fields))

    @api.exception_handler(TooManyRequests)
    def on_too_many_requests(request: HttpRequest, error: TooManyRequests) -> HttpResponse:
        response = answer(request, 429, error_body(error.code, error.message, error.fields))
        response["Retry-After"] = str(error.retry_after_seconds)
        return response

    @api.exception_handler(OverflowError)
    def on_overflow(request: HttpRequest, error: OverflowError) -> HttpResponse:
        # an id or number too large for the database (SQLite stores 64-bit integers)
        return answer(request, 400, error_body("invalid", _("A number in the request is out of range.")))

    @api.exception_handler(DataError)
    def on_data_error(request: HttpRequest, error: DataError) -> HttpResponse:
        # PostgreSQL's answer to a number out of range (SQLite raises OverflowError)
        return answer(request, 400, error_body("invalid", _("A number in the request is out of range.")))

    @api.exception_handler(DjangoValidationError)
    def on_model_validation_error(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
        # a model's own validation (full_clean) that a service did not turn into InvalidInput itself
        fields = validation_messages(error)
        first = next((message for messages in fields.values() for message in messages), "")
        return answer(
            request, 400, error_body("invalid", first or _("The request has invalid fields."), fields)
        )

    @api.exception_handler(ProtectedError)
    def on_protected(request: HttpRequest, error: ProtectedError) -> HttpResponse:
        return answer(request, 409, error_body("protected", protected_message(error)))

    @api.exception_handler(RestrictedError)
    def on_restricted(request: HttpRequest, error: RestrictedError) -> HttpResponse:
        return answer(request, 409, error_body("protected", protected_message(error)))

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
        return answer(request, 409, error_body(error.code, error.message))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return answer(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        # a partner user may not learn that one of our objects or operations exists (docs/partner-portal.md)
        if getattr(request.user, "is_partner_user", False):
            return answer(request, 404, error_body("not_found", _("Not found.")))
        return answer(request, 403, error_body("forbidden", _("You are not allowed to do this.")))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return answer(request, 401, error_body("unauthenticated", _("Log in or send a valid API token.")))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        return answer(request, error.status_code, error_body("error", str(error)))
