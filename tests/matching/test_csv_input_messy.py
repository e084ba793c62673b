"""Issue 11: the engine's reader keeps every company of the same messy CRM export the accounts import reads, with
the same header table and the same warnings for the fields the engine compares."""

from __future__ import annotations

from pathlib import Path

from handschlag.matching import read_company_csv
from handschlag.matching.fields import FieldProblem
from tests.accounts.messy_export import COUNTRIES, FIELD_WARNINGS, KEPT_NAMES, NAMELESS_LINES, messy_export

# the accounts import also checks numbers and dates; the engine reads only the fields it compares
ENGINE_FIELDS = {"external_id", "name", "domain", "street", "postal_code", "city", "country", "vat_id"}


def _messy(tmp_path: Path) -> Path:
    path = tmp_path / "crm-export.csv"
    path.write_bytes(messy_export())
    return path


def test_every_named_row_is_returned(tmp_path: Path) -> None:
    records = read_company_csv(_messy(tmp_path))

    assert [record.name for record in records] == KEPT_NAMES
    assert [record.id for record in records][:3] == ["K-1001", "K-1002", "K-1003"]
    by_name = {record.name: record for record in records if record.name != "Müller Hydraulik GmbH"}
    assert by_name["Ohne Nummer KG"].id == "line-12"  # no customer number: one made of the line
    assert [record.id for record in records if record.name == "Müller Hydraulik GmbH"] == [
        "K-1001",
        "K-1001 (line 17)",
    ]
    assert {name: record.country for name, record in by_name.items() if name in COUNTRIES} == {
        name: code for name, code in COUNTRIES.items() if name != "Müller Hydraulik GmbH"
    }
    assert by_name["Atlantis Trading"].country == ""
    assert by_name["Glanzwerk AG"].vat_id == "CHE-116.281.710 MWST"  # the engine normalises VAT ids itself


def test_warnings_are_those_of_the_accounts_import(tmp_path: Path) -> None:
    problems: list[FieldProblem] = []

    records = read_company_csv(_messy(tmp_path), problems=problems)

    assert len(records) == len(KEPT_NAMES)
    assert [(problem.line, problem.code) for problem in problems if problem.field == "name"] == [
        (line, "no_name") for line in NAMELESS_LINES
    ]
    field_problems = sorted((p.line, p.field, p.value) for p in problems if p.field != "name")
    assert field_problems == sorted(w for w in FIELD_WARNINGS if w[1] in ENGINE_FIELDS)
    texts = {(p.line, p.field): p.text for p in problems}
    assert texts[(5, "vat_id")] == "VAT id with a wrong check digit; kept as DE136695977, please check it"
    assert texts[(17, "external_id")] == "the same id as line 2; the row got an id of its own"
    assert texts[(22, "postal_code")] == "does not fit the postal codes of NL; kept as it is"


def test_explicit_columns_override_the_detection(tmp_path: Path) -> None:
    records = read_company_csv(_messy(tmp_path), columns={"Kd-Nr": "", "Bemerkung": "street", "Straße": ""})

    first = records[0]
    assert (first.id, first.name, first.street) == ("2", "Müller Hydraulik GmbH", "")
    assert next(record for record in records if record.name == "Bayern Prüftechnik GmbH").street == (
        "Prüfziffer falsch"
    )


def test_partner_id_columns_under_common_names(tmp_path: Path) -> None:
    for header in (
        "Kd-Nr",
        "Kundennummer",
        "Debitor",
        "Debitorennummer",
        "Account ID",
        "Customer ID",
        "Kunden-ID",
    ):
        path = tmp_path / "ids.csv"
        path.write_text(f"{header};Firma\nX-1;Alpha GmbH\n", encoding="utf-8")

        assert read_company_csv(path)[0].id == "X-1", header
