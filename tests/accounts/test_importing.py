"""Reading CRM exports without the database: formats, encodings, header mapping, row parsing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook

from handschlag.accounts.enums import AccountStatus, ImportPreset
from handschlag.accounts.importing import (
    ImportFileError,
    RowContext,
    map_columns,
    normalise_domain,
    normalise_postal_code,
    normalise_vat_id,
    open_table,
    parse_date,
    parse_row,
    parse_status,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def write(tmp_path: Path, data: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    table = open_table(path, source=path.name)
    return table.headers, list(table.rows)


def parse(
    headers: list[str],
    cells: list[Any],
    *,
    preset: str = ImportPreset.AUTO,
    decimal_comma: bool = True,
    owners: dict[str, int] | None = None,
) -> tuple[dict[str, Any], list[tuple[int, str, str]]]:
    mapping = map_columns(headers, preset)
    row, errors = parse_row(2, cells, mapping, RowContext(decimal_comma=decimal_comma, owners=owners or {}))
    return row.values, [(error.line, error.field, error.reason) for error in errors]


GERMAN_CSV = (
    "Firma;PLZ;Ort;Umsatz\nMüller Hydraulik;1067;Dresden;1.234.567,89\nBäcker & Söhne;80331;München;€ 12\n"
)


class TestCsvFormats:
    def test_semicolon_utf8(self, tmp_path):
        table = open_table(write(tmp_path, GERMAN_CSV.encode("utf-8")), source="export.csv")

        assert (table.file_format, table.encoding, table.delimiter) == ("csv", "utf-8", ";")
        assert table.headers == ["Firma", "PLZ", "Ort", "Umsatz"]
        assert list(table.rows) == [
            (2, ["Müller Hydraulik", "1067", "Dresden", "1.234.567,89"]),
            (3, ["Bäcker & Söhne", "80331", "München", "€ 12"]),
        ]

    def test_comma_with_quoted_commas(self, tmp_path):
        data = b'Name,City,Revenue\n"Weber, Schmidt & Co",Ulm,"1,234.50"\n'

        table = open_table(write(tmp_path, data), source="export.csv")

        assert table.delimiter == ","
        assert list(table.rows) == [(2, ["Weber, Schmidt & Co", "Ulm", "1,234.50"])]

    def test_utf8_with_bom_does_not_leak_into_the_first_header(self, tmp_path):
        table = open_table(write(tmp_path, b"\xef\xbb\xbf" + GERMAN_CSV.encode()), source="export.csv")

        assert table.encoding == "utf-8-sig"
        assert table.headers[0] == "Firma"
        assert map_columns(table.headers)["name"] == 0

    def test_windows_1252(self, tmp_path):
        data = "Firma;Ort;Notiz\nGroß & Söhne;Lüneburg;Preis 5 €\n".encode("cp1252")

        _headers, rows = read(write(tmp_path, data))

        assert open_table(write(tmp_path, data), source="x").encoding == "windows-1252"
        assert rows == [(2, ["Groß & Söhne", "Lüneburg", "Preis 5 €"])]

    def test_utf16_with_bom(self, tmp_path):
        data = "Firma\tOrt\nÄrzte-Bedarf GmbH\tKöln\n".encode("utf-16")
        assert data.startswith(b"\xff\xfe")

        table = open_table(write(tmp_path, data), source="export.csv")

        assert (table.encoding, table.delimiter) == ("utf-16", "\t")
        assert table.headers == ["Firma", "Ort"]
        assert list(table.rows) == [(2, ["Ärzte-Bedarf GmbH", "Köln"])]

    def test_blank_lines_are_skipped_but_line_numbers_stay_true(self, tmp_path):
        _headers, rows = read(write(tmp_path, b"Name;Ort\n\nA;Ulm\n;\nB;Bonn\n"))

        assert rows == [(3, ["A", "Ulm"]), (5, ["B", "Bonn"])]

    def test_bytes_neither_utf8_nor_cp1252_name_the_line(self, tmp_path):
        # 0x81 and 0x8D are undefined in Windows-1252; ä (0xE4) alone already breaks UTF-8.
        data = "Firma;Ort\nMüller;Köln\n".encode("cp1252") + b"Bad\x81\x8dName;Ulm\n"

        with pytest.raises(ImportFileError) as caught:
            open_table(write(tmp_path, data), source="export.csv")

        assert caught.value.line == 3
        assert caught.value.message == (
            "Line 3 has bytes that are neither UTF-8 nor Windows-1252. Save the file as “CSV UTF-8” and "
            "upload it again."
        )

    def test_a_file_claiming_utf8_with_a_bom_but_holding_cp1252(self, tmp_path):
        data = b"\xef\xbb\xbf" + "Firma\nMüller\n".encode("cp1252")

        with pytest.raises(ImportFileError, match=re.escape("The file says it is utf-8-sig but is not.")):
            open_table(write(tmp_path, data), source="export.csv")

    def test_a_10_mb_line_names_the_line(self, tmp_path):
        data = b"Name;Notiz\nA;kurz\nB;" + b"x" * (10 * 1024 * 1024) + b"\n"

        with pytest.raises(ImportFileError) as caught:
            read(write(tmp_path, data, "big.csv"))

        assert caught.value.line == 3
        assert caught.value.message == (
            "Line 3 of big.csv is longer than 1,000,000 characters."
        )  # HANDSCHLAG_IMPORT_MAX_LINE_CHARS; tests/accounts/test_upload_limits.py tests each limit

    def test_a_huge_header_line(self, tmp_path):
        data = b"Name;" + b"y" * 1_000_001 + b"\nA;b\n"

        with pytest.raises(
            ImportFileError, match=re.escape("The first line of h.csv is too long to be a header.")
        ):
            read(write(tmp_path, data, "h.csv"))

    def test_unclosed_quote_at_the_end(self, tmp_path):
        _headers, rows = read(write(tmp_path, b'Name;Ort\nA;Ulm\n"B;Bonn\n'))

        # Python's csv reader takes the unterminated quote to the end of the file; it is not lost silently
        assert rows[0] == (2, ["A", "Ulm"])
        assert rows[1][1][0].startswith("B;Bonn")


class TestBadFiles:
    def test_empty_file(self, tmp_path):
        with pytest.raises(ImportFileError, match="^" + re.escape("leer.csv is empty.") + "$"):
            read(write(tmp_path, b"", "leer.csv"))

    def test_only_blank_lines(self, tmp_path):
        with pytest.raises(ImportFileError, match="^" + re.escape("blank.csv has no header row.") + "$"):
            read(write(tmp_path, b"\n\n  \n", "blank.csv"))

    def test_header_only_file_has_no_rows(self, tmp_path):
        headers, rows = read(write(tmp_path, b"Name;Ort\n"))

        assert headers == ["Name", "Ort"]
        assert rows == []

    def test_binary_garbage(self, tmp_path):
        data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))

        message = "^" + re.escape("bild.csv is not a CSV or Excel file (it contains binary data).") + "$"
        with pytest.raises(ImportFileError, match=message):
            read(write(tmp_path, data, "bild.csv"))

    def test_old_xls(self, tmp_path):
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512

        with pytest.raises(ImportFileError, match="^" + re.escape("alt.xls is an old Excel file (.xls)")):
            read(write(tmp_path, data, "alt.xls"))

    def test_zip_that_is_not_a_workbook(self, tmp_path):
        with pytest.raises(
            ImportFileError, match="^" + re.escape("kaputt.xlsx is not a readable Excel workbook")
        ):
            read(write(tmp_path, b"PK\x03\x04" + b"garbage" * 50, "kaputt.xlsx"))

    def test_too_many_columns(self, tmp_path):
        data = (";".join(f"c{index}" for index in range(501)) + "\n").encode()

        with pytest.raises(
            ImportFileError, match=re.escape("export.csv has 501 columns; at most 500 are accepted.")
        ):
            read(write(tmp_path, data))


class TestXlsx:
    def build(self, tmp_path: Path, rows: list[list[Any]]) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        path = tmp_path / "export.xlsx"
        workbook.save(path)
        return path

    def test_native_cells(self, tmp_path):
        path = self.build(
            tmp_path,
            [
                ["Firma", "PLZ", "Kunde seit", "Umsatz", "Mitarbeiter", "Kundennummer"],
                ["Müller Hydraulik", 1067, dt.datetime(2026, 2, 1), 1234567.89, 250, 4711],
                [None, None, None, None, None, None],
                ["Weber AG", "80331", dt.date(2020, 12, 31), 12, 3.0, "K-2"],
            ],
        )

        table = open_table(path, source="export.xlsx")
        rows = list(table.rows)
        mapping = map_columns(table.headers)
        context = RowContext(decimal_comma=True, owners={})
        parsed = [parse_row(line, cells, mapping, context) for line, cells in rows]

        assert table.file_format == "xlsx"
        assert [line for line, _cells in rows] == [2, 4]
        assert parsed[0][1] == []
        assert parsed[0][0].values == {
            "external_id": "4711",
            "name": "Müller Hydraulik",
            "postal_code": "01067",
            "customer_since": dt.date(2026, 2, 1),
            "annual_revenue": Decimal("1234567.89"),
            "employees": 250,
        }
        assert parsed[1][0].values["employees"] == 3
        assert parsed[1][0].values["customer_since"] == dt.date(2020, 12, 31)

    def test_empty_sheet(self, tmp_path):
        with pytest.raises(
            ImportFileError, match="^" + re.escape("The first sheet of export.xlsx is empty.") + "$"
        ):
            read(self.build(tmp_path, []))


class TestHeaderMapping:
    def test_german_headers_automatically(self):
        headers = [
            "Kundennummer",
            "Firma",
            "Rechtsform",
            "Webseite",
            "Straße",
            "PLZ",
            "Ort",
            "Land",
            "USt-IdNr.",
            "Branche",
            "Mitarbeiter",
            "Jahresumsatz",
            "Kundenstatus",
            "Kunde seit",
            "Betreuer",
            "Schlagworte",
        ]

        assert map_columns(headers) == {
            "external_id": 0,
            "name": 1,
            "legal_form": 2,
            "domain": 3,
            "street": 4,
            "postal_code": 5,
            "city": 6,
            "country": 7,
            "vat_id": 8,
            "industry": 9,
            "employees": 10,
            "annual_revenue": 11,
            "status": 12,
            "customer_since": 13,
            "owner": 14,
            "tags": 15,
        }

    @pytest.mark.parametrize(
        ("preset", "headers", "expected"),
        [
            (
                ImportPreset.SALESFORCE,
                ["Account ID", "Account Name", "Website", "Billing Zip/Postal Code", "Type", "Account Owner"],
                {"external_id": 0, "name": 1, "domain": 2, "postal_code": 3, "status": 4, "owner": 5},
            ),
            (
                ImportPreset.HUBSPOT,
                ["Record ID", "Company name", "Company Domain Name", "Lifecycle Stage", "Company owner"],
                {"external_id": 0, "name": 1, "domain": 2, "status": 3, "owner": 4},
            ),
            (
                ImportPreset.PIPEDRIVE,
                [
                    "Organization - ID",
                    "Organization - Name",
                    "Organization - Address - ZIP/Postal code",
                    "Organization - Address - City/town/village/locality",
                    "Organization - Label",
                    "Organization - Owner",
                ],
                {"external_id": 0, "name": 1, "postal_code": 2, "city": 3, "status": 4, "owner": 5},
            ),
        ],
    )
    def test_presets(self, preset, headers, expected):
        assert map_columns(headers, preset) == expected

    def test_pipedrive_headers_are_also_recognised_without_the_preset(self):
        headers = ["Organization - ID", "Organization - Name", "Organization - Address - ZIP/Postal code"]

        assert map_columns(headers) == {"external_id": 0, "name": 1, "postal_code": 2}

    def test_a_column_is_used_once(self):
        # "Name" is the company; a second name-like column must not steal it or be reused
        assert map_columns(["Name", "Firma", "Ort"]) == {"name": 0, "city": 2}

    def test_missing_name_column_lists_the_columns_found(self):
        with pytest.raises(ImportFileError) as caught:
            map_columns(["Kundennummer", "", "PLZ", "Ort"])

        assert caught.value.line == 1
        assert caught.value.message == (
            "No column for the company name. Name it “Name”, “Firma”, “Company” or “Account Name”, or map "
            "a column to it. Columns found: Kundennummer, PLZ, Ort"
        )


class TestValues:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("https://www.Example.de/kontakt?x=1", "example.de"),
            ("http://shop.example.co.uk:8080/", "shop.example.co.uk"),
            ("info@mueller-hydraulik.de", "mueller-hydraulik.de"),
            ("www.müller.de", "xn--mller-kva.de"),
            ("example.de.", "example.de"),
            ("", ""),
        ],
    )
    def test_domains(self, raw, expected):
        assert normalise_domain(raw) == expected

    @pytest.mark.parametrize("raw", ["not a domain", "localhost", "http://", "a..de", "-x.de"])
    def test_bad_domains(self, raw):
        with pytest.raises(ValueError):
            normalise_domain(raw)

    @pytest.mark.parametrize(
        ("raw", "country", "expected"),
        [
            ("1067", "DE", "01067"),
            (1067, "DE", "01067"),
            (1067.0, "DE", "01067"),
            ("D-70173", "DE", "70173"),
            ("70 173", "DE", "70173"),
            ("1010", "AT", "1010"),
            ("CH-8001", "CH", "8001"),
            ("SW1A 1AA", "GB", "SW1A 1AA"),
        ],
    )
    def test_postal_codes(self, raw, country, expected):
        assert normalise_postal_code(raw, country) == expected

    @pytest.mark.parametrize(("raw", "country"), [("123", "DE"), ("ABCDE", "DE"), ("01067", "AT")])
    def test_bad_postal_codes(self, raw, country):
        with pytest.raises(ValueError):
            normalise_postal_code(raw, country)

    def test_vat_ids(self):
        assert normalise_vat_id("DE 136 695 976") == "DE136695976"
        assert normalise_vat_id("de136695976") == "DE136695976"
        assert normalise_vat_id("  ") == ""
        with pytest.raises(ValueError):
            normalise_vat_id("DE123456789")  # check digit wrong
        with pytest.raises(ValueError):
            normalise_vat_id("136695976")  # no country prefix

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("01.02.2026", dt.date(2026, 2, 1)),
            ("1.2.26", dt.date(2026, 2, 1)),
            ("2026-02-01", dt.date(2026, 2, 1)),
            ("2026-02-01T10:30:00Z", dt.date(2026, 2, 1)),
            ("01.02.2026 10:30", dt.date(2026, 2, 1)),
            ("01/02/2026", dt.date(2026, 2, 1)),
            (dt.datetime(2026, 2, 1, 23, 59), dt.date(2026, 2, 1)),
        ],
    )
    def test_dates(self, raw, expected):
        assert parse_date(raw) == expected

    @pytest.mark.parametrize("raw", ["31.02.2026", "2026-13-01", "gestern", "02/31/2026"])
    def test_bad_dates(self, raw):
        with pytest.raises(ValueError):
            parse_date(raw)

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Kunde", AccountStatus.CUSTOMER),
            ("Customer - Direct", AccountStatus.CUSTOMER),
            ("Bestandskunde", AccountStatus.CUSTOMER),
            ("Interessent", AccountStatus.PROSPECT),
            ("Marketing Qualified Lead", AccountStatus.PROSPECT),
            ("Ex-Kunde", AccountStatus.FORMER_CUSTOMER),
            ("ehemaliger Kunde", AccountStatus.FORMER_CUSTOMER),
            ("CHURNED", AccountStatus.FORMER_CUSTOMER),
        ],
    )
    def test_status_synonyms(self, raw, expected):
        assert parse_status(raw) == expected

    def test_unknown_status(self):
        with pytest.raises(ValueError):
            parse_status("Freund")


class TestParseRow:
    HEADERS = ["Firma", "Website", "PLZ", "Land", "USt-IdNr", "Umsatz", "Mitarbeiter", "Status", "Kunde seit"]

    def test_a_good_german_row(self):
        values, errors = parse(
            self.HEADERS,
            [
                "  Müller Hydraulik  ",
                "https://www.mueller-hydraulik.de/",
                "1067",
                "Deutschland",
                "DE 136695976",
                "1.234.567,89",
                "1.250",
                "Kunde",
                "1.2.26",
            ],
        )

        assert errors == []
        assert values == {
            "name": "Müller Hydraulik",
            "domain": "mueller-hydraulik.de",
            "postal_code": "01067",
            "country": "DE",
            "vat_id": "DE136695976",
            "annual_revenue": Decimal("1234567.89"),
            "employees": 1250,
            "status": AccountStatus.CUSTOMER,
            "customer_since": dt.date(2026, 2, 1),
        }

    def test_english_numbers_in_a_comma_file(self):
        values, errors = parse(
            ["Name", "Revenue", "Employees"], ["X", "1,234,567.89", "1,250"], decimal_comma=False
        )

        assert errors == []
        assert values["annual_revenue"] == Decimal("1234567.89")
        assert values["employees"] == 1250

    def test_austrian_postal_code_is_checked_against_the_country(self):
        values, errors = parse(["Name", "PLZ", "Land"], ["X", "1010", "Österreich"])

        assert errors == []
        assert (values["postal_code"], values["country"]) == ("1010", "AT")

    def test_every_bad_field_is_reported_with_line_field_and_reason(self):
        mapping = map_columns(self.HEADERS)
        cells = ["", "not a domain", "123", "Atlantis", "DE123456789", "viel", "-3", "Freund", "32.13.2026"]
        _row, problems = parse_row(2, cells, mapping, RowContext(decimal_comma=True, owners={}))

        # only the missing name is an error; every bad optional field is a warning
        assert [(p.line, p.field, p.value, p.reason, p.warning) for p in problems] == [
            (2, "name", "", "the company name is empty", False),
            (2, "country", "Atlantis", "unknown country; left out", True),
            (2, "vat_id", "DE123456789", "VAT id with a wrong check digit; kept, please check it", True),
            (2, "postal_code", "123", "does not fit the postal codes of DE; kept as it is", True),
            (2, "domain", "not a domain", "not a web address or domain; left out", True),
            (2, "employees", "-3", "not a whole number of employees; left out", True),
            (2, "annual_revenue", "viel", "not an amount (e.g. 1.234.567,89); left out", True),
            (
                2,
                "status",
                "Freund",
                "unknown status (use customer, prospect or former customer); left out",
                True,
            ),
            (2, "customer_since", "32.13.2026", "not a date (e.g. 31.12.2026 or 2026-12-31); left out", True),
        ]

    @pytest.mark.parametrize("raw", ["12,5", "-3", "NaN", "viele"])
    def test_employees_must_be_whole(self, raw):
        _values, errors = parse(["Name", "Mitarbeiter"], ["X", raw])

        assert [(field, reason) for _line, field, reason in errors] == [
            ("employees", "not a whole number of employees; left out")
        ]

    def test_revenue_too_large_for_the_column(self):
        _values, errors = parse(["Name", "Umsatz"], ["X", "1" + "0" * 14])

        assert [field for _line, field, _reason in errors] == ["annual_revenue"]

    def test_text_too_long(self):
        values, errors = parse(["Name", "Ort"], ["X" * 201, "Ulm"])

        assert errors == [(2, "name", "longer than 200 characters; shortened")]
        assert values["name"] == "X" * 200

    def test_tags_are_split_and_trimmed(self):
        values, _errors = parse(["Name", "Tags"], ["X", " A ; B| C ,, "])

        assert values["tags"] == "A,B,C"

    def test_owner_by_lookup_key_case_insensitively(self):
        values, errors = parse(
            ["Name", "Betreuer"], ["X", "Anna.Schmidt@Example.test"], owners={"anna.schmidt@example.test": 7}
        )
        _missing, missing_errors = parse(["Name", "Betreuer"], ["X", "Niemand"], owners={})

        assert errors == []
        assert values["owner_id"] == 7
        assert missing_errors == [(2, "owner", "no user of that name, user name or e-mail; left out")]

    def test_short_rows_are_padded(self):
        values, errors = parse(["Name", "Ort", "PLZ"], ["Nur Name"])

        assert errors == []
        assert values == {"name": "Nur Name", "city": ""}
