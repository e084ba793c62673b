"""Password rules beyond Django's validators, and the one way to set a password without them (the demo).

`ProductNameValidator` refuses passwords built on the product's or our company's name: the first words an attacker
tries, which `UserAttributeSimilarityValidator` does not know (it compares with the user's own fields only).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from handschlag.core.errors import InvalidInput

PRODUCT_NAME = "handschlag"
# Parts of a company name that say nothing about the company (legal forms, fillers).
_GENERIC_WORDS = frozenset(
    {"gmbh", "mbh", "co", "kg", "ag", "ohg", "gbr", "ug", "se", "und", "the", "and", "ltd", "inc"}
)
_MIN_WORD = 5
_demo_passwords_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "demo_passwords_allowed", default=False
)


def _letters(text: str) -> str:
    """Lower case, accents removed, letters and digits only: "Kessler & Brandt" → "kesslerbrandt"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))


def _forbidden_words() -> list[str]:
    from handschlag.core.enums import OrganisationKind
    from handschlag.core.models import Organisation

    words = [PRODUCT_NAME]
    home = Organisation.objects.filter(kind=OrganisationKind.HOME).values_list("name", flat=True).first()
    if home:
        whole = _letters(home)
        if len(whole) >= _MIN_WORD:
            words.append(whole)
        words += [
            word
            for word in (_letters(part) for part in re.split(r"[\s&+,./-]+", home))
            if len(word) >= _MIN_WORD and word not in _GENERIC_WORDS
        ]
    return words


class ProductNameValidator:
    """Refuses a password that contains "handschlag", our company's name or a distinctive word of it."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = _letters(password)
        for word in _forbidden_words():
            if word in folded:
                raise ValidationError(
                    _("The password must not contain the name of the product or of the company."),
                    code="password_product_name",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain the name of the product or of the company.")


@contextlib.contextmanager
def demo_passwords_allowed() -> Iterator[None]:
    """Inside this block passwords are set without validation. Only the demo loader uses it, for its published
    password `demo-handschlag`; everything else validates."""
    token = _demo_passwords_allowed.set(True)
    try:
        yield
    finally:
        _demo_passwords_allowed.reset(token)


def password_check(password: str, user: Any = None, *, field: str = "password") -> None:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS) as the services' `InvalidInput`."""
    if _demo_passwords_allowed.get():
        return
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput("; ".join(error.messages), fields={field: list(error.messages)}) from None
