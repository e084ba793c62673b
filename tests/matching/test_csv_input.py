"""Reading CRM exports: detection of encoding, delimiter and columns, and a clear error for bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import polars as pl
import pytest

from handschlag.matching import CompanyRecord, MatchingInputError, csv_input, read_company_csv
from handschlag.matching.fields import FieldProblem


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _error(path: Path) -> MatchingInputError:
    with pytest.raises(MatchingInputError) as caught:
        read_company_csv(path)
    return caught.value


def test_german_excel_export_in_windows_1252_with_semicolons(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "kunden.csv",
        "Kundennummer;Firma;Straße;PLZ;Ort;Land;USt-IdNr.;Webseite\r\n"
        "K-1;Müller GmbH;Hauptstraße 5;01067;Dresden;Deutschland;DE136695976;www.mueller.de\r\n",
        encoding="cp1252",
    )

    assert read_company_csv(path) == [
        CompanyRecord(
            "K-1",
            "Müller GmbH",
            "www.mueller.de",
            "Hauptstraße 5",
            "01067",
            "Dresden",
            "DE",  # countries are read as ISO codes by the shared table (matching/fields.py)
            "DE136695976",
        )
    ]


def test_utf8_with_bom_and_commas_and_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        codecs.BOM_UTF8
        + "Account ID,Account Name,Website,Billing City,ZIP\n"
        'A1,"Weber & Söhne, Kältetechnik",weber.de,Köln,50667\n'.encode()
    )

    assert read_company_csv(path) == [
        CompanyRecord("A1", "Weber & Söhne, Kältetechnik", "weber.de", postal_code="50667", city="Köln")
    ]


def test_utf16_with_bom_and_tabs(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.csv", "\ufeffid\tcompany\tcity\n7\tJäger KG\tUlm\n", encoding="utf-16")

    assert read_company_csv(path) == [CompanyRecord("7", "Jäger KG", city="Ulm")]


def test_rows_with_only_a_name_in_a_name_only_file_get_line_numbers_as_ids(tmp_path: Path) -> None:
    path = _write(tmp_path / "names.csv", "name\nMüller GmbH\nSchmidt AG\n")

    assert read_company_csv(path) == [CompanyRecord("2", "Müller GmbH"), CompanyRecord("3", "Schmidt AG")]


def test_quoted_newlines_keep_later_line_numbers_right(tmp_path: Path) -> None:
    path = _write(tmp_path / "quoted.csv", 'id;name;street\n1;"Müller\nGmbH";a\n2;;b\n')
    problems: list[FieldProblem] = []

    records = read_company_csv(path, problems=problems)

    assert records == [CompanyRecord("1", "Müller\nGmbH", street="a")]
    assert [(problem.line, problem.field, problem.code) for problem in problems] == [(4, "name", "no_name")]


def test_a_file_where_no_row_has_a_name(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "n.csv", "id;name;city\n1;;Ulm\n2;;Bonn\n"))

    assert (error.line, error.message) == (2, "no row has a company name")


def test_missing_name_column(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "x.csv", "id;city;zip\n1;Berlin;10115\n"))

    assert error.file == str(tmp_path / "x.csv")
    assert error.line == 1
    assert "no company name column" in error.message
    assert "'city'" in error.message


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", codecs.BOM_UTF8])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    error = _error(path)

    assert (error.line, error.message) == (0, "the file is empty")


def test_header_without_rows(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "h.csv", "id;name\n"))

    assert (error.line, error.message) == (1, "the file has a header but no data rows")


def test_a_row_with_only_a_name_where_more_columns_are_expected(tmp_path: Path) -> None:
    error = _error(
        _write(tmp_path / "r.csv", "id;name;city\n1;Müller GmbH;Ulm\nSchmidt AG\n3;Weber KG;Bonn\n")
    )

    assert error.line == 3
    assert error.message == "1 field(s) where the header has 3 (delimiter ';')"


def test_a_repeated_id_keeps_both_companies(tmp_path: Path) -> None:
    problems: list[FieldProblem] = []

    records = read_company_csv(
        _write(tmp_path / "d.csv", "id;name\nA;Müller\nB;Schmidt\nA;Weber\n"), problems=problems
    )

    assert [(record.id, record.name) for record in records] == [
        ("A", "Müller"),
        ("B", "Schmidt"),
        ("A (line 4)", "Weber"),
    ]
    assert [(p.line, p.field, p.value, p.text) for p in problems] == [
        (4, "external_id", "A", "the same id as line 2; the row got an id of its own")
    ]


def test_an_empty_id_is_made_of_the_line_number(tmp_path: Path) -> None:
    records = read_company_csv(_write(tmp_path / "e.csv", "id;name\nA;Müller\n;Schmidt\n"))

    assert [(record.id, record.name) for record in records] == [("A", "Müller"), ("line-3", "Schmidt")]


def test_file_mixing_utf8_and_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("id;name\n1;Müller\n".encode() + "2;Jäger\n".encode("cp1252"))

    error = _error(path)

    assert error.line == 3
    assert "not valid UTF-8" in error.message
    assert "save it again as UTF-8" in error.message


def test_non_utf8_bytes_that_are_no_windows_1252_text_either(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"id;name\n1;Caf\x81\n")

    error = _error(path)

    assert error.line == 2
    assert "neither UTF-8 nor Windows-1252" in error.message


def test_a_10_mb_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.csv", "id;name\n1;Müller\n2;" + "x" * 10_000_000 + "\n")

    error = _error(path)

    assert error.line == 3
    assert error.message.startswith("line is 10.0 MB long")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "not a CSV file but a ZIP archive"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a CSV file but a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file but a PNG image"),
        (b"id;name\n1;M\x00ller\n", "not a CSV text file"),
    ],
)
def test_files_that_are_not_csv(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)

    assert expected in _error(path).message


def test_text_that_is_not_a_company_csv(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "notes.txt", "Dear partner, please find our customers attached.\n"))

    assert "no company name column" in error.message


def test_a_broken_quote(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "q.csv", 'id,name,city\n1,"Müller GmbH,Ulm\n2,Weber,Bonn\n'))

    assert error.line >= 2
    assert error.file.endswith("q.csv")


def test_missing_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "nowhere.csv")

    assert "cannot read the file" in error.message


def test_error_is_one_line_with_file_and_line() -> None:
    assert str(MatchingInputError("a.csv", 3, "bad\nthing")) == "a.csv, line 3: bad thing"
    assert str(MatchingInputError("a.csv", 0, "empty")) == "a.csv: empty"


def test_windows_1252_with_a_byte_pair_that_also_reads_as_utf8(tmp_path: Path) -> None:
    # "ß“" is DF 93 in Windows-1252, which is also a well-formed UTF-8 sequence
    path = _write(
        tmp_path / "quotes.csv",
        "id;name;city\n1;Weiß „Groß“ KG;Köln\n2;Jäger GmbH;Düsseldorf\n",
        encoding="cp1252",
    )

    assert [record.name for record in read_company_csv(path)] == ["Weiß „Groß“ KG", "Jäger GmbH"]


@pytest.mark.parametrize(
    "data",
    [
        b"id;name;city\r\n1;A;B\r\n2;C;D\r\n",  # Windows line ends
        b'id;name;city\n1;A "x" B;B\n2;"C;q";D\n',  # a quote inside a value, a delimiter inside quotes
        b'id;name;city\n1;"A""b";B\n2;"two\nlines";E\n',  # an escaped quote, a line break inside quotes
        b"id;name;city\n1;A;\n2;;D",  # empty fields, no line end at the end
    ],
)
def test_the_quick_reader_reads_rows_as_the_reference_reader(data: bytes) -> None:
    # given a well-formed file, when polars reads it, then the rows are those pyarrow reads
    quick = csv_input._parse_csv_quickly(data, ";", 3)
    reference = pl.from_arrow(csv_input._parse_csv(data, ";", 3))

    assert quick is not None
    assert isinstance(reference, pl.DataFrame)
    assert quick.equals(reference)


@pytest.mark.parametrize(
    "data",
    [
        b"id;name;city\n1;A;B\nSchmidt AG\n3;C;D\n",  # a row with too few fields: polars would fill it
        b"id;name;city\n1;A;B\n2;x\r;y\n",  # a carriage return that is no line end
        b'"id";"name";"city"\n1;A;B\n',  # a quoted header
        b"id;name;city\n1;A;B;C\n",  # too many fields
    ],
)
def test_the_quick_reader_leaves_what_it_reads_differently_to_the_reference(data: bytes) -> None:
    assert csv_input._parse_csv_quickly(data, ";", 3) is None
