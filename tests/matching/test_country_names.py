"""The shipped country table (``_country_names.py``) is babel's, and the lookup uses it with our own names."""

from handschlag.matching import fields
from handschlag.matching._country_names import BABEL_COUNTRY_NAMES
from handschlag.matching._make_country_names import module_text


def test_shipped_table_equals_babel() -> None:
    # fails after a babel upgrade that changes a name: run `python -m handschlag.matching._make_country_names`
    assert fields.babel_country_names() == BABEL_COUNTRY_NAMES


def test_module_is_what_the_generator_writes() -> None:
    from pathlib import Path

    import handschlag.matching._country_names as module

    # the babel version in the docstring aside, the file is the generator's output
    shipped = Path(module.__file__).read_text(encoding="utf-8").split("\n", 1)[1]
    assert shipped == module_text().split("\n", 1)[1]


def test_lookup_uses_babel_names_and_ours() -> None:
    assert fields.country_code("Deutschland") == "DE"
    assert fields.country_code("DEU") == "DE"
    assert fields.country_code("Großbritannien") == "GB"  # ours: CLDR does not list it
    assert fields.country_code("Schweiz") == "CH"
    assert fields.country_code("The Netherlands") == "NL"
    assert fields._country_table() == {**fields.babel_country_names(), **fields._MORE_COUNTRY_NAMES}
