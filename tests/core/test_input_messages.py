"""Validation messages of typed inputs come in the reader's language, without pydantic's English prefixes."""

import pytest
from django.utils import translation
from pydantic import Field, field_validator

from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import ServiceInput, input_build


class ExampleInput(ServiceInput):
    name: str = Field(min_length=1, max_length=5)
    count: int = Field(ge=1)
    code: str = ""

    @field_validator("code")
    @classmethod
    def _code_known(cls, value: str) -> str:
        if value and value != "A":
            raise ValueError("Unknown code.")
        return value


@pytest.mark.parametrize(
    ("language", "too_long", "not_a_number"),
    [
        ("de", "Höchstens 5 Zeichen.", "Bitte geben Sie eine ganze Zahl ein."),
        ("en", "At most 5 characters.", "Enter a whole number."),
    ],
)
def test_messages_in_the_readers_language(language: str, too_long: str, not_a_number: str) -> None:
    with translation.override(language), pytest.raises(InvalidInput) as caught:
        input_build(ExampleInput, {"name": "abcdefg", "count": "x", "code": "B"})
    assert caught.value.fields == {"name": [too_long], "count": [not_a_number], "code": ["Unknown code."]}
