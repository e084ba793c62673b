"""Texts stored untranslated and translated when shown: an English msgid and its parameters.

A notification is read days later, in whatever language its reader uses by then (the page, the API, an e-mail in
the recipient's language). So it stores the message (the English source string, marked with `gettext_noop` where
it is written, so it is in the catalogue) and its parameters as JSON; `message_render` translates the message in
the active language and fills in the parameters, which are translated too where they are words:

- str, int, float, bool, None: as they are (a name, a case number);
- a member of a `TextChoices`/`IntegerChoices` class: its label in the reader's language (stored as the class's
  dotted path and the value, so a changed label shows the new one);
- a datetime or a date: formatted for the reader (23.11.2026 14:05 in German, local time).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

StoredParams = dict[str, Any]


def message_params_encode(params: Mapping[str, object]) -> StoredParams:
    """JSON-safe parameters; refuses what would not render the same way later (a model instance, a lazy text)."""
    return {str(name): _encode(name, value) for name, value in params.items()}


def _encode(name: str, value: object) -> Any:
    if isinstance(value, enum.Enum) and isinstance(value, models.Choices):
        choices = type(value)
        return {"choice": f"{choices.__module__}.{choices.__qualname__}", "value": value.value}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(
        f"message parameter {name!r}: {type(value).__name__} is not storable; pass a str, a number, a choice "
        "member, a date or a datetime"
    )


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "choice" in value:
        try:
            choices = import_string(value["choice"])
            if isinstance(choices, type) and issubclass(choices, models.Choices):
                return str(choices(value["value"]).label)
        except (ImportError, ValueError):
            pass
        return str(value.get("value", ""))
    if "datetime" in value:
        moment = dt.datetime.fromisoformat(value["datetime"])
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if "date" in value:
        return formats.date_format(dt.date.fromisoformat(value["date"]), "SHORT_DATE_FORMAT")
    return str(value)


def message_render(message: str, params: Mapping[str, Any] | None, *, fallback: str = "") -> str:
    """The message in the active language with its parameters filled in. A message that no longer fits its
    parameters (a renamed placeholder) shows the fallback, the text as it was first rendered."""
    values = {name: _decode(value) for name, value in (params or {}).items()}
    try:
        return gettext(message) % values if values else gettext(message)
    except (KeyError, ValueError, TypeError):
        logger.warning("message %r does not fit its parameters %r", message, sorted(values))
        return fallback or message
