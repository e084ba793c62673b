"""Errors that services raise and every interface turns into the same answer.

`NotFound` is an `Http404` and `Forbidden` a `PermissionDenied`, so pages get Django's 404 and 403 for free;
the API maps all three to its one error shape (see `handschlag.api`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404


class InvalidInput(Exception):
    """Input that breaks a business rule. `fields` maps a field name to its messages ("" = the whole form)."""

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str = "invalid") -> InvalidInput:
        return cls(message, fields={field: [message]}, code=code)


class TooManyRequests(InvalidInput):
    """Too many requests of one kind within a time window (an upload rate limit): the API answers 429 with
    `Retry-After`; pages show it as a form error like any InvalidInput."""

    def __init__(self, message: str, *, retry_after_seconds: int, field: str = "") -> None:
        super().__init__(message, fields={field: [message]}, code="too_many_requests")
        self.retry_after_seconds = retry_after_seconds


class NotFound(Http404):
    """The object does not exist, or the user may not know that it does (both look the same)."""


class Forbidden(PermissionDenied):
    """The user may see the object but not do this to it."""


class Conflict(Exception):
    """The request contradicts the current state (for instance an import that already ran)."""

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
