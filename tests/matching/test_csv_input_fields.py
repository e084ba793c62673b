"""The shared field rules (handschlag.matching.fields): countries, VAT ids, postal codes, header table."""

from __future__ import annotations

import pytest

from handschlag.matching import fields


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Großbritannien", "GB"),
        ("Italia", "IT"),
        ("NLD", "NL"),
        ("ITA", "IT"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Deutschland", "DE"),
        ("UK", "GB"),
        ("Österreich", "AT"),
        ("oesterreich", "AT"),
        ("The Netherlands", "NL"),
        ("España", "ES"),
        ("Polska", "PL"),
        ("Česko", "CZ"),
        ("DEU", "DE"),
        ("de", "DE"),
        ("D", "DE"),
        ("Schweizerische Eidgenossenschaft", "CH"),
        ("Norwegen", "NO"),
        ("Island", "IS"),
        ("", ""),
    ],
)
def test_countries_by_code_and_by_name_in_several_languages(spelling: str, code: str) -> None:
    assert fields.country_code(spelling) == code


@pytest.mark.parametrize("spelling", ["Atlantis", "EU", "XX", "Nordland"])
def test_unknown_countries(spelling: str) -> None:
    with pytest.raises(ValueError):
        fields.country_code(spelling)


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("DE 136 695 976", "", ("DE136695976", "")),
        ("136695976", "DE", ("DE136695976", "")),
        ("DE136695977", "", ("DE136695977", "vat_check_digit")),
        ("CHE-116.281.710 MWST", "", ("CHE116281710", "")),
        ("CHE-116.281.710 TVA", "CH", ("CHE116281710", "")),
        ("CHE-123.456.789", "", ("CHE123456789", "vat_check_digit")),
        ("GB 980 7806 84", "", ("GB980780684", "")),
        ("980780684", "GB", ("GB980780684", "")),
        ("GB123456789", "", ("GB123456789", "vat_check_digit")),
        ("NO 974 760 673 MVA", "", ("NO974760673MVA", "")),
        ("ATU13585627", "", ("ATU13585627", "")),
        ("U13585627", "AT", ("ATU13585627", "")),
        ("EL094259216", "", ("EL094259216", "")),
        ("094259216", "GR", ("EL094259216", "")),
        ("NL004495445B01", "", ("NL004495445B01", "")),
        ("n/a", "DE", ("", "vat_unknown")),
        ("US123456789", "", ("", "vat_unknown")),
        ("", "DE", ("", "")),
    ],
)
def test_vat_ids_of_the_eu_switzerland_the_uk_and_norway(
    value: str, country: str, expected: tuple[str, str]
) -> None:
    assert fields.vat_id_check(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("01067", "DE", ("01067", "")),
        (1067.0, "DE", ("01067", "")),  # Excel dropped the leading zero
        ("D-70173", "DE", ("70173", "")),
        ("123", "DE", ("123", "postal_code_country")),
        ("8001", "CH", ("8001", "")),
        ("CH-8400", "CH", ("8400", "")),
        ("12345", "AT", ("12345", "postal_code_country")),
        ("SW1A 1AA", "GB", ("SW1A 1AA", "")),
        ("1015 CJ", "NL", ("1015 CJ", "")),
        ("5611", "NL", ("5611", "postal_code_country")),
        ("00950", "PL", ("00-950", "")),
        ("1234567", "PT", ("1234-567", "")),
        ("1050", "LV", ("LV-1050", "")),
        ("ABC", "ZZ", ("ABC", "")),  # a country without a known format is not checked
        ("70173", "", ("70173", "")),  # no country: Germany
    ],
)
def test_postal_codes_per_country(value: object, country: str, expected: tuple[str, str]) -> None:
    assert fields.postal_code_check(value, country) == expected


@pytest.mark.parametrize(
    "header",
    [
        "Kd-Nr",
        "Kd.-Nr.",
        "Kundennummer",
        "Kunden-ID",
        "Debitor",
        "Debitorennummer",
        "Account ID",
        "Customer ID",
    ],
)
def test_a_partners_own_id_column_under_common_names(header: str) -> None:
    assert fields.map_columns([header, "Firma"]) == {"external_id": 0, "name": 1}


def test_explicit_columns_win_and_may_ignore_a_column() -> None:
    headers = ["Nr", "Firma", "Firmenname", "Bemerkung"]

    assert fields.map_columns(headers) == {"external_id": 0, "name": 1}
    assert fields.map_columns(
        headers, columns={"Firma": "", "firmenname": "name", "Bemerkung": "industry"}
    ) == {
        "external_id": 0,  # not named: detected
        "name": 2,
        "industry": 3,
    }
    with pytest.raises(fields.ColumnMappingError) as twice:
        fields.map_columns(headers, columns={"Firma": "name", "Firmenname": "name"})
    with pytest.raises(fields.ColumnMappingError) as no_name:
        fields.map_columns(headers, columns={"Firma": "", "Firmenname": ""})
    with pytest.raises(fields.ColumnMappingError) as unknown:
        fields.map_columns(headers, columns={"Firma": "shoe_size"})
    assert (twice.value.code, no_name.value.code, unknown.value.code) == (
        "field_twice",
        "no_name",
        "unknown_field",
    )


def test_check_company_fields_keeps_or_leaves_out_and_says_why() -> None:
    cleaned, problems = fields.check_company_fields(
        7,
        {
            "country": "Großbritannien",
            "vat_id": "GB123456789",
            "postal_code": "12345",
            "domain": "https://www.example.co.uk/about",
            "email": "kein@",
            "phone": "+44 20 7946 0958",
        },
    )

    assert cleaned == {
        "country": "GB",
        "vat_id": "GB123456789",
        "postal_code": "12345",
        "domain": "example.co.uk",
        "email": "",
        "phone": "+44 20 7946 0958",
    }
    assert [(p.line, p.field, p.value, p.code) for p in problems] == [
        (7, "vat_id", "GB123456789", "vat_check_digit"),
        (7, "postal_code", "12345", "postal_code_country"),
        (7, "email", "kein@", "bad_email"),
    ]
    assert problems[1].text == "does not fit the postal codes of GB; kept as it is"
