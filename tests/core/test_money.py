from decimal import Decimal

import pytest

from handschlag.core.money import parse_decimal, to_money


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1.234,56", True, "1234.56"),
        ("1.234,56", False, "1234.56"),  # both separators: the last one is the decimal one
        ("1,234.56", True, "1234.56"),
        ("1.234.567,89", True, "1234567.89"),
        ("1,234,567", True, "1234567"),  # repeated commas can only be grouping
        ("1.234.567", False, "1234567"),
        ("1234,56", True, "1234.56"),
        ("1234.56", True, "1234.56"),
        ("1.234", True, "1234"),  # the ambiguous case: German file, dot groups
        ("1.234", False, "1.234"),
        ("1,234", True, "1.234"),
        ("1,234", False, "1234"),
        ("12 500 €", True, "12500"),
        ("EUR 1'250.00", False, "1250.00"),
        ("\u00a01.000,00\u00a0€", True, "1000.00"),
        ("-3,5", True, "-3.5"),
        ("0", True, "0"),
    ],
)
def test_parse_decimal(text, decimal_comma, expected):
    assert parse_decimal(text, decimal_comma=decimal_comma) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", "€", "zwölf", "1,2,3,4.5.6", "NaN", "Infinity", "1.2.3,4,5", "--1"]
)
def test_garbage_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_to_money_rounds_half_up():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money(Decimal("2.344")) == Decimal("2.34")
    assert to_money(7) == Decimal("7.00")
