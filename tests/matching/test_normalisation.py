"""Normalisation: examples from German and European company data, and properties (hypothesis)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.de import vat as german_vat

from handschlag.matching.normalisation import (
    legal_form_of,
    normalise_city,
    normalise_country,
    normalise_domain,
    normalise_name,
    normalise_postal_code,
    normalise_street,
    normalise_vat_id,
    vat_ids_valid,
)
from handschlag.matching.vocabulary import CITY_SPELLINGS, LEGAL_FORM_CANONICAL, NAME_ABBREVIATIONS


@pytest.mark.parametrize(
    "name",
    [
        "Müller GmbH",
        "Mueller G.m.b.H.",
        "Muller Gesellschaft mit beschränkter Haftung",
        "MÜLLER gmbh",
        "  Müller   GmbH  ",
        "Müller GmbH & Co. KG",
        "Müller AG",
        "Müller Aktiengesellschaft",
        "Müller UG (haftungsbeschränkt)",
        "Müller e.K.",
        "Müller OHG",
        "Müller SE",
        "Müller Ltd.",
        "Müller Inc.",
        "Müller S.à r.l.",
        "Müller B.V.",
        "Müller Sp. z o.o.",
        "Müller & Co.",
    ],
)
def test_legal_forms_umlauts_case_and_spacing_all_give_the_same_name(name: str) -> None:
    assert normalise_name(name) == "muller"


@pytest.mark.parametrize(
    ("name", "legal_form"),
    [
        ("Schmidt GmbH", "gmbh"),
        ("Schmidt G.m.b.H.", "gmbh"),
        ("Schmidt Gesellschaft mit beschränkter Haftung", "gmbh"),
        ("Schmidt GmbH & Co. KG", "gmbhcokg"),
        ("Schmidt GmbH & Co KG", "gmbhcokg"),
        ("Schmidt Aktiengesellschaft", "ag"),
        ("Schmidt UG (haftungsbeschränkt)", "ug"),
        ("Schmidt e. K.", "ek"),
        ("Schmidt Limited", "ltd"),
        ("Schmidt S.A.", "sa"),
        ("Schmidt", ""),
    ],
)
def test_legal_form_is_recognised_in_its_spellings(name: str, legal_form: str) -> None:
    assert legal_form_of(name) == legal_form


def test_abbreviations_and_connectors_are_expanded() -> None:
    assert normalise_name("Gebr. Schmidt Maschinenbau") == normalise_name("Gebrüder Schmidt Maschinenbau")
    assert normalise_name("Schmidt Intl. GmbH") == normalise_name("Schmidt International GmbH")
    assert normalise_name("Haas & Wolff") == normalise_name("Haas und Wolff") == "haas wolff"


def test_a_name_that_is_only_a_legal_form_keeps_it() -> None:
    assert normalise_name("AG") == "ag"


@pytest.mark.parametrize(
    "domain",
    [
        "mueller-bau.de",
        "www.mueller-bau.de",
        "https://www.Mueller-Bau.de/impressum?lang=de",
        "http://mueller-bau.de:8080/",
        "info@mueller-bau.de",
        "mailto:vertrieb@mueller-bau.de",
        "shop.mueller-bau.de",
        "MUELLER-BAU.DE.",
    ],
)
def test_domains_lose_scheme_www_paths_and_mailboxes(domain: str) -> None:
    assert normalise_domain(domain) == "mueller-bau.de"


def test_country_second_level_suffixes_and_hosting_platforms_keep_the_company_label() -> None:
    assert normalise_domain("www.acme.co.uk") == "acme.co.uk"
    assert normalise_domain("acme.jimdo.com") == "acme.jimdo.com"


@pytest.mark.parametrize("domain", ["max@gmail.com", "info@web.de", "n/a", "-", "keine", ""])
def test_mail_providers_and_non_domains_are_no_domain(domain: str) -> None:
    assert normalise_domain(domain) == ""


@pytest.mark.parametrize(
    "street",
    [
        "Hauptstraße 5a",
        "Hauptstr. 5 a",
        "Hauptstrasse 5A",
        "Haupt-Straße 5a",
        "HAUPTSTRASSE 5a",
        "Hauptstr 5a",
    ],
)
def test_street_forms_and_house_numbers(street: str) -> None:
    assert normalise_street(street) == ("hauptstr", "5a")


def test_house_number_ranges_and_leading_numbers() -> None:
    assert normalise_street("Industriestraße 12-14") == ("industriestr", "12-14")
    assert normalise_street("10 Rue de la Paix") == ("rudelapaix", "10")  # "ue" folds like "ü"
    assert normalise_street("Straße des 17. Juni 4") == ("strdes17juni", "4")


@pytest.mark.parametrize("postal_code", ["01067", "1067", "D-01067", "DE-01067", " 01067 "])
def test_postal_codes_lose_country_prefix_and_leading_zeros(postal_code: str) -> None:
    assert normalise_postal_code(postal_code) == "1067"


def test_cities_and_countries() -> None:
    assert normalise_city("Köln") == normalise_city("Koeln") == normalise_city("Cologne") == "koln"
    assert normalise_city("München") == normalise_city("Munich") == "munchen"
    assert normalise_country("Deutschland") == normalise_country("Germany") == normalise_country("DE") == "DE"
    assert normalise_country("Österreich") == "AT"


def test_vat_ids_are_compacted_prefixed_and_validated() -> None:
    assert normalise_vat_id("DE 136 695 976") == "DE136695976"
    assert normalise_vat_id("136695976", country="Deutschland") == "DE136695976"
    assert normalise_vat_id("DE136695977") == ""  # wrong check digit
    assert normalise_vat_id("ATU13585627") == "ATU13585627"
    assert normalise_vat_id("ATU13585626") == ""


def test_swiss_uk_and_norwegian_vat_ids_are_kept_in_one_spelling() -> None:
    # given VAT ids of Switzerland (UID, with or without "MWST"), the UK and Norway (with or without "MVA")
    # when normalised, then they are kept (not blanked as non-EU ids), each in one spelling
    assert normalise_vat_id("CHE-107.787.577 MWST") == "CHE107787577"
    assert normalise_vat_id("CHE107787577") == "CHE107787577"
    assert normalise_vat_id("CHE-107.787.578 MWST") == ""  # wrong check digit
    assert normalise_vat_id("GB 931 4849 13") == "GB931484913"
    assert normalise_vat_id("NO 974 760 673 MVA") == "NO974760673MVA"
    assert normalise_vat_id("974760673", country="Norwegen") == "NO974760673MVA"
    assert vat_ids_valid(pl.Series(["CHE107787577", "GB931484913", "NO974760673MVA"])).tolist() == [
        True,
        True,
        True,
    ]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_vat_check_digits_are_python_stdnums(number: int) -> None:
    vat_id = f"DE{number:09d}"
    assert bool(vat_ids_valid(pl.Series([vat_id, None]))[0]) == german_vat.is_valid(vat_id)
    assert not vat_ids_valid(pl.Series([vat_id, None]))[1]


def test_vocabulary_replacements_are_fixed_points() -> None:
    for replacement in NAME_ABBREVIATIONS.values():
        assert normalise_name(replacement) == replacement
    for city in CITY_SPELLINGS.values():
        assert normalise_city(city) == city
    for legal_form in LEGAL_FORM_CANONICAL.values():
        assert legal_form_of(f"Schmidt {legal_form}") == legal_form.replace(" ", "")


# --- properties -------------------------------------------------------------------------------------------

_name_text = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ &-.'éèç0123")),
    min_size=1,
    max_size=30,
)
_words = st.lists(
    st.text(alphabet=st.sampled_from(list("abcdefghiklmnoprstuwz")), min_size=3, max_size=9),
    min_size=1,
    max_size=3,
)
_legal_form_variants = st.sampled_from(
    [
        ("GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung", "gmbh"),
        ("AG", "A.G.", "Aktiengesellschaft"),
        ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG"),
        ("UG (haftungsbeschränkt)", "Unternehmergesellschaft (haftungsbeschränkt)"),
        ("e.K.", "e. K.", "eK"),
        ("Ltd", "Ltd.", "Limited"),
        ("S.à r.l.", "SARL", "S.a.r.l."),
    ]
)


@settings(max_examples=200, deadline=None)
@given(_name_text)
def test_name_normalisation_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@settings(max_examples=150, deadline=None)
@given(_name_text)
def test_name_normalisation_ignores_case_and_spacing(name: str) -> None:
    assume("ß" not in name)  # "ß".upper() is "SS": covered by the transliteration property
    expected = normalise_name(name)
    assert normalise_name(name.upper()) == expected
    assert normalise_name(name.lower()) == expected
    assert normalise_name("  " + name.replace(" ", "   ") + "\t") == expected


@settings(max_examples=150, deadline=None)
@given(_words)
def test_name_normalisation_ignores_transliteration_of_umlauts(words: list[str]) -> None:
    with_umlauts = " ".join(words).replace("a", "ä").replace("o", "ö").replace("u", "ü").replace("s", "ß")
    spelled_out = " ".join(words).replace("a", "ae").replace("o", "oe").replace("u", "ue").replace("s", "ss")
    assert normalise_name(with_umlauts) == normalise_name(spelled_out)


@settings(max_examples=150, deadline=None)
@given(_words, _legal_form_variants, st.data())
def test_name_normalisation_ignores_legal_form_variants(
    words: list[str], variants: tuple[str, ...], data: st.DataObject
) -> None:
    base = " ".join(words).title()
    assume(legal_form_of(base) == "")
    # a name of stop words only ("Uee" → "u") is empty: with a legal form behind it, that is all it has
    assume(normalise_name(base) != "")
    first = data.draw(st.sampled_from(variants))
    second = data.draw(st.sampled_from(variants))
    assert normalise_name(f"{base} {first}") == normalise_name(f"{base} {second}") == normalise_name(base)
    assert legal_form_of(f"{base} {first}") == legal_form_of(f"{base} {second}") != ""


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_domain_and_street_normalisation_are_idempotent(text: str) -> None:
    domain = normalise_domain(text)
    assert normalise_domain(domain) == domain
    street, number = normalise_street(text)
    assert normalise_street(f"{street} {number}".strip()) == (street, number) or not street


_labels = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789-")), min_size=2, max_size=15
)


@settings(max_examples=100, deadline=None)
@given(_labels, st.sampled_from(["de", "com", "at", "ch", "eu", "co.uk"]), st.data())
def test_domain_normalisation_ignores_scheme_www_paths_and_mailboxes(
    label: str, suffix: str, data: st.DataObject
) -> None:
    assume(label[0] != "-" and label[-1] != "-")
    domain = f"{label}.{suffix}"
    written = data.draw(
        st.sampled_from(
            [
                domain,
                f"www.{domain}",
                f"https://www.{domain}/",
                f"http://{domain}/kontakt?x=1",
                f"info@{domain}",
                f"mailto:vertrieb@{domain}",
                f"  {domain.upper()} ",
                f"shop.{domain}",
            ]
        )
    )
    expected = normalise_domain(domain)
    assume(expected)  # a label that is a mail provider ("web", "gmx") is no company domain
    assert normalise_domain(written) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcdefghiklmnoprstuwzäöü")), min_size=3, max_size=12),
    st.sampled_from(["straße", "str.", "strasse", "Str.", "-Straße", " Straße"]),
    st.integers(min_value=1, max_value=300),
    st.sampled_from(["", "a", " a", "b"]),
)
def test_street_normalisation_ignores_the_spelling_of_strasse(
    stem: str, spelling: str, number: int, letter: str
) -> None:
    street, house_number = normalise_street(f"{stem.title()}{spelling} {number}{letter}")

    assert (street, house_number) == normalise_street(f"{stem}straße {number}{letter.strip()}")
    assert house_number == f"{number}{letter.strip()}"
