"""Every limit of an uploaded CRM file (accounts/importing.py ReadLimits): a file just over it is refused with a
message naming the limit and the value, a file just at it is read. Small limits, small files."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation
from openpyxl import Workbook

from handschlag.accounts.importing import ImportFileError, ReadLimits, open_table, small_enough_for_request

LIMITS = ReadLimits(
    max_bytes=10_000,
    max_rows=3,
    max_columns=4,
    max_cell_chars=10,
    max_line_chars=40,
    max_unpacked_bytes=2_000_000,
    max_compression_ratio=100,
    max_shared_strings_bytes=5_000,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def read(path: Path, limits: ReadLimits = LIMITS) -> list[tuple[int, list[Any]]]:
    table = open_table(path, source="list", limits=limits)
    return list(table.rows)


def refused(path: Path, limits: ReadLimits = LIMITS) -> str:
    with pytest.raises(ImportFileError) as caught:
        read(path, limits)
    return caught.value.message


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def workbook_file(tmp_path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / "upload"  # stored uploads have no suffix
    workbook.save(path)
    return path


# --- CSV --------------------------------------------------------------------------------------------------------


class TestCsv:
    def test_bytes_just_over_and_at_the_limit(self, tmp_path):
        text = "Name\n" + "A\n" * 2
        path = csv_file(tmp_path, text)
        size = path.stat().st_size

        assert len(read(path, dataclasses.replace(LIMITS, max_bytes=size))) == 2
        assert refused(path, dataclasses.replace(LIMITS, max_bytes=size - 1)) == (
            "list is 0.0 MB; at most 0.0 MB are accepted."
        )

    def test_bytes_message_names_size_and_limit(self, tmp_path):
        path = csv_file(tmp_path, "Name\n" + "Firma\n" * 400_000)

        assert refused(path, dataclasses.replace(LIMITS, max_bytes=1048576)) == (
            "list is 2.3 MB; at most 1.0 MB are accepted."
        )

    def test_rows(self, tmp_path):
        assert len(read(csv_file(tmp_path, "Name\nA\nB\n\nC\n"))) == 3  # blank lines are no rows

        assert refused(csv_file(tmp_path, "Name\nA\nB\nC\nD\n")) == (
            "list has more than 3 rows; at most 3 are accepted. Split the file."
        )

    def test_columns_of_the_header(self, tmp_path):
        assert read(csv_file(tmp_path, "a;b;c;Name\n1;2;3;4\n")) == [(2, ["1", "2", "3", "4"])]

        assert refused(csv_file(tmp_path, "a;b;c;d;Name\n")) == (
            "Line 1 of list has 5 columns; at most 4 are accepted."
        )

    def test_columns_of_a_row(self, tmp_path):
        assert refused(csv_file(tmp_path, "a;Name\n1;2\n1;2;3;4;5\n")) == (
            "Line 3 of list has 5 columns; at most 4 are accepted."
        )

    def test_cell_length(self, tmp_path):
        assert read(csv_file(tmp_path, "Name\n" + "x" * 10 + "\n")) == [(2, ["x" * 10])]

        assert refused(csv_file(tmp_path, "Name\n" + "x" * 11 + "\n")) == (
            "Line 2 of list has a cell of 11 characters; at most 10 are accepted."
        )

    def test_line_length(self, tmp_path):
        fits = "a;" * 3 + "x" * 34  # 40 characters, each cell within 10 ... but one of 34
        limits = dataclasses.replace(LIMITS, max_cell_chars=100)
        assert read(csv_file(tmp_path, "Name;b;c;d\n" + fits + "\n"), limits)[0][0] == 2

        message = refused(csv_file(tmp_path, "Name;b;c;d\n" + fits + "x\n"), limits)
        assert message == "Line 2 of list is longer than 40 characters."

    def test_a_long_line_is_not_read_further_than_the_limit(self, tmp_path):
        # 5 MB without a line break: refused after reading 41 characters of it
        path = csv_file(tmp_path, "Name\n" + "x" * 5_000_000)

        assert refused(path, dataclasses.replace(LIMITS, max_bytes=10_000_000)) == (
            "Line 2 of list is longer than 40 characters."
        )

    def test_a_header_longer_than_a_line(self, tmp_path):
        assert refused(csv_file(tmp_path, "Name;" + "y" * 40 + "\n")) == (
            "The first line of list is too long to be a header."
        )

    def test_a_quoted_cell_over_several_lines_counts_as_one_cell(self, tmp_path):
        assert refused(csv_file(tmp_path, 'Name\n"aaaaa\nbbbbb\nc"\n')) == (
            "Line 4 of list has a cell of 13 characters; at most 10 are accepted."
        )

    def test_windows_1252_is_still_read_as_a_stream(self, tmp_path):
        path = tmp_path / "list.csv"
        path.write_bytes("Name;Ort\nMüller;Köln\n".encode("cp1252"))

        table = open_table(path, source="list", limits=LIMITS)

        assert (table.encoding, list(table.rows)) == ("windows-1252", [(2, ["Müller", "Köln"])])


# --- XLSX -------------------------------------------------------------------------------------------------------


class TestWorkbook:
    def test_a_normal_workbook_at_the_limits(self, tmp_path):
        path = workbook_file(tmp_path, [["Name", "b", "c", "d"], ["x" * 10, 1, 2, 3], ["B"], ["C"]])

        assert [line for line, _cells in read(path)] == [2, 3, 4]

    def test_rows(self, tmp_path):
        path = workbook_file(tmp_path, [["Name"], ["A"], ["B"], ["C"], ["D"]])

        assert refused(path) == "list has more than 3 rows; at most 3 are accepted. Split the file."

    def test_declared_columns(self, tmp_path):
        path = workbook_file(tmp_path, [["Name", None, None, None, "e"], ["A"]])

        assert refused(path) == "The first sheet of list has 5 columns; at most 4 are accepted."

    def test_cell_length(self, tmp_path):
        path = workbook_file(tmp_path, [["Name"], ["x" * 11]])

        assert refused(path) == "Line 2 of list has a cell of 11 characters; at most 10 are accepted."

    def test_unpacked_size(self, tmp_path):
        path = workbook_file(tmp_path, [["Name"], ["A"]])
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())

        assert len(read(path, dataclasses.replace(LIMITS, max_unpacked_bytes=unpacked))) == 1
        message = refused(path, dataclasses.replace(LIMITS, max_unpacked_bytes=unpacked - 1))
        assert re.fullmatch(r"list unpacks to 0\.0 MB; at most 0\.0 MB are accepted\.", message)

    def test_a_zip_bomb_is_refused_from_the_directory(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=1, padding=3_000_000)  # 3 MB of blanks pack to a few KB

        message = refused(path, dataclasses.replace(LIMITS, max_unpacked_bytes=10_000_000))

        assert re.fullmatch(
            r"list holds a part \(xl/worksheets/sheet1\.xml\) packed [\d,]+ to 1; at most 100 to 1 is accepted\.",
            message,
        )

    def test_a_ratio_just_under_the_limit_is_accepted(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=1, padding=3_000_000)
        with zipfile.ZipFile(path) as archive:
            sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        ratio = sheet.file_size // sheet.compress_size + 1

        limits = dataclasses.replace(LIMITS, max_unpacked_bytes=10_000_000, max_compression_ratio=ratio)
        assert len(read(path, limits)) == 1

    def test_shared_strings(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=2, shared_strings=True)
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo("xl/sharedStrings.xml").file_size

        assert read(path, dataclasses.replace(LIMITS, max_shared_strings_bytes=size)) == [
            (2, ["Firma 2"]),
            (3, ["Firma 3"]),
        ]
        message = refused(path, dataclasses.replace(LIMITS, max_shared_strings_bytes=size - 1))
        assert message == "The text table of list is 0.0 MB unpacked; at most 0.0 MB are accepted."

    def test_a_declared_dimension_over_the_row_limit(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=2, dimension="A1:A5")

        assert refused(path) == "list has more than 3 rows; at most 3 are accepted. Split the file."

    def test_rows_are_counted_in_the_xml_before_openpyxl_parses_them(self, tmp_path):
        # no dimension: only the byte scan of the sheet sees the rows
        path = hand_made_workbook(tmp_path, rows=4)

        assert refused(path) == "list has more than 3 rows; at most 3 are accepted. Split the file."
        assert len(read(hand_made_workbook(tmp_path, rows=3))) == 3

    def test_a_row_far_below_the_others_is_beyond_the_limit(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=1, last_row_number=999_999_999)

        assert refused(path) == "list has more than 3 rows; at most 3 are accepted. Split the file."

    def test_a_row_with_too_much_xml(self, tmp_path):
        # a row of many small cells without references: what openpyxl would turn into one huge row
        limits = dataclasses.replace(LIMITS, max_line_chars=1000, max_columns=4)
        cells = "<c><v>1</v></c>" * (limits.max_row_xml_bytes // 15 + 1)
        path = hand_made_workbook(tmp_path, rows=1, extra_row=cells)

        assert refused(path, limits) == "Row 3 of the first sheet of list is longer than 1,000 characters."

    def test_other_compression_methods_are_refused(self, tmp_path):
        path = workbook_file(tmp_path, [["Name"], ["A"]])
        repacked = tmp_path / "bzip"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(repacked, "w", zipfile.ZIP_BZIP2) as target:
            for member in source.infolist():
                target.writestr(member.filename, source.read(member))

        assert refused(repacked) == "list is packed with a method Excel does not use; save it again as .xlsx."


SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def hand_made_workbook(
    tmp_path: Path,
    *,
    rows: int,
    dimension: str = "",
    padding: int = 0,
    last_row_number: int = 0,
    extra_row: str = "",
    shared_strings: bool = False,
) -> Path:
    """A workbook written by hand, to say what openpyxl never writes (no dimension, huge gaps, blank padding)."""
    workbook = Workbook()
    workbook.active.append(["Name"])
    template = io.BytesIO()
    workbook.save(template)
    body = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>']
    if shared_strings:  # the texts in the shared text table, the cells pointing at them
        body += [
            f'<row r="{number}"><c r="A{number}" t="s"><v>{number - 2}</v></c></row>'
            for number in range(2, rows + 2)
        ]
    else:
        body += [
            f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>Firma {number}</t></is></c></row>'
            for number in range(2, rows + 2)
        ]
    if extra_row:
        body.append(f'<row r="{rows + 2}">{extra_row}</row>')
    if last_row_number:
        body.append(f'<row r="{last_row_number}"><c t="inlineStr"><is><t>Z</t></is></c></row>')
    sheet = (
        SHEET_HEAD
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + " " * padding
        + "<sheetData>"
        + "".join(body)
        + "</sheetData></worksheet>"
    )
    path = tmp_path / f"hand-made-{rows}"
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = sheet.encode() if member.filename == "xl/worksheets/sheet1.xml" else source.read(member)
            if shared_strings and member.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", SHARED_STRINGS_RELATIONSHIP + b"</Relationships>")
            if shared_strings and member.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            target.writestr(member.filename, data)
        if shared_strings:
            texts = "".join(f"<si><t>Firma {number}</t></si>" for number in range(2, rows + 2))
            target.writestr(
                "xl/sharedStrings.xml",
                f'<sst xmlns="{MAIN}" count="{rows}" uniqueCount="{rows}">{texts}</sst>',
            )
    return path


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_RELATIONSHIP = (
    b'<Relationship Id="rIdShared" Target="sharedStrings.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


# --- settings, language, the request or the worker --------------------------------------------------------------


def test_limits_come_from_the_settings_at_call_time(tmp_path):
    with (
        override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=1),
        pytest.raises(ImportFileError, match=re.escape("list has more than 1 rows")),
    ):
        list(open_table(csv_file(tmp_path, "Name\nA\nB\n"), source="list").rows)
    with override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=2):
        assert len(list(open_table(csv_file(tmp_path, "Name\nA\nB\n"), source="list").rows)) == 2


def test_the_message_in_german(tmp_path):
    with translation.override("de"):
        message = refused(csv_file(tmp_path, "Name\n" + "x" * 11 + "\n"))

    assert message == "Zeile 2 von list hat eine Zelle mit 11 Zeichen; höchstens 10 sind erlaubt."


class TestSmallEnoughForRequest:
    def test_a_small_csv(self, tmp_path):
        assert small_enough_for_request(csv_file(tmp_path, "Name\nA\nB\n"), max_rows=2)

    def test_too_many_short_lines_in_few_bytes(self, tmp_path):
        assert not small_enough_for_request(csv_file(tmp_path, "Name\nA\nB\nC\n"), max_rows=2)

    def test_too_many_bytes(self, tmp_path):
        assert not small_enough_for_request(csv_file(tmp_path, "Name\n" + "x" * 300 + "\n"), max_rows=2)

    def test_a_workbook_by_its_unpacked_size(self, tmp_path):
        path = workbook_file(tmp_path, [["Name"], ["A"]])
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())

        assert small_enough_for_request(path, max_rows=unpacked // 1000 + 1)
        assert not small_enough_for_request(path, max_rows=unpacked // 1000 - 1)

    def test_a_huge_workbook_in_few_bytes_goes_to_the_worker(self, tmp_path):
        path = hand_made_workbook(tmp_path, rows=30_000)

        assert path.stat().st_size <= 2000 * 120  # the old rule (120 bytes a row) ran it in the request
        assert not small_enough_for_request(path, max_rows=2000)
