"""Reading CRM exports: file formats, encodings, header mapping and row parsing. No ORM in here.

`open_table` turns a CSV or XLSX file into headers and rows; `map_columns` finds which column holds which
field (the user's column mapping, then a CRM preset, then the shared header table of
handschlag.matching.fields); `parse_row` turns one row into clean values plus its problems, each naming the
line, the field, the value and the reason. A row with a name is always kept: a bad optional field is a warning.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TextIO

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.accounts.enums import AccountStatus, ImportPreset
from handschlag.core.money import MAX_DIGITS, parse_decimal
from handschlag.matching import fields as company_fields


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong format, encoding, missing required column …)."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ReadLimits:
    """What one uploaded file may hold. Each is checked while the file is read, before the expensive work.

    `from_settings()` reads them at call time (settings.py takes them from the environment); tests pass their
    own. Rows are data rows after the header (in a workbook: sheet rows, empty ones included)."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_line_chars: int
    max_unpacked_bytes: int
    max_compression_ratio: int
    max_shared_strings_bytes: int

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            max_bytes=settings.HANDSCHLAG_IMPORT_MAX_BYTES,
            max_rows=settings.HANDSCHLAG_IMPORT_MAX_ROWS,
            max_columns=settings.HANDSCHLAG_IMPORT_MAX_COLUMNS,
            max_cell_chars=settings.HANDSCHLAG_IMPORT_MAX_CELL_CHARS,
            max_line_chars=settings.HANDSCHLAG_IMPORT_MAX_LINE_CHARS,
            max_unpacked_bytes=settings.HANDSCHLAG_IMPORT_MAX_UNPACKED_BYTES,
            max_compression_ratio=settings.HANDSCHLAG_IMPORT_MAX_COMPRESSION_RATIO,
            max_shared_strings_bytes=settings.HANDSCHLAG_IMPORT_MAX_SHARED_STRINGS_BYTES,
        )

    @property
    def max_row_xml_bytes(self) -> int:
        """A workbook row's XML may be this long: the line limit with room for markup and escaped characters."""
        return 4 * self.max_line_chars + 200 * self.max_columns


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    file_format: str
    encoding: str = ""
    delimiter: str = ""

    def close(self) -> None:
        """Close the file when the rows are not read to the end."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


@dataclass
class RowError:
    """A problem of one row: an error (the row is left out: no usable name) or, with `warning`, a field that was
    left out or kept as it is while the row was kept."""

    line: int
    field: str
    value: str
    reason: str
    warning: bool = False


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any] = field(default_factory=dict)


# --- reading files -------------------------------------------------------------------------------------------

_CHUNK_BYTES = 1 << 20
csv.field_size_limit(sys.maxsize)  # cell and line lengths are checked by ReadLimits, with their own messages


def _number(value: float) -> str:
    """1234567 → "1.234.567" in German, "1,234,567" in English."""
    return str(number_format(value, force_grouping=True))


def _megabytes(size: int) -> str:
    return str(number_format(round(size / 1048576, 1), decimal_pos=1, force_grouping=True))


def _too_many_rows(source: str, limits: ReadLimits) -> ImportFileError:
    return ImportFileError(
        _("%(file)s has more than %(limit)s rows; at most %(limit)s are accepted. Split the file.")
        % {"file": source, "limit": _number(limits.max_rows)}
    )


def _check_size(size: int, source: str, limits: ReadLimits) -> None:
    if size > limits.max_bytes:
        raise ImportFileError(
            _("%(file)s is %(size)s MB; at most %(limit)s MB are accepted.")
            % {"file": source, "size": _megabytes(size), "limit": _megabytes(limits.max_bytes)}
        )


def _check_encoding(path: Path, encoding: str) -> int | None:
    """The byte offset of the first byte that is not `encoding`, or None; reads the file a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK_BYTES)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                # the position is within the decoder's pending bytes plus this chunk
                return max(0, offset + error.start - (len(error.object) - len(chunk)))
            if not chunk:
                return None
            offset += len(chunk)


def _line_at(path: Path, offset: int) -> int:
    newlines = 0
    with path.open("rb") as handle:
        while offset > 0:
            chunk = handle.read(min(_CHUNK_BYTES, offset))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            offset -= len(chunk)
    return newlines + 1


def _csv_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 — what German Excel writes."""
    if head.startswith(b"\xef\xbb\xbf"):
        declared = "utf-8-sig"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        declared = "utf-16"
    else:
        declared = ""
    if declared:
        if _check_encoding(path, declared) is not None:
            raise ImportFileError(
                _("The file says it is %(encoding)s but is not.") % {"encoding": declared}
            ) from None
        return declared
    bad_at = 0
    for encoding in ("utf-8", "cp1252"):
        bad = _check_encoding(path, encoding)
        if bad is None:
            return "windows-1252" if encoding == "cp1252" else encoding
        bad_at = bad
    line = _line_at(path, bad_at)
    raise ImportFileError(
        _(
            "Line %(line)d has bytes that are neither UTF-8 nor Windows-1252. Save the file as "
            "“CSV UTF-8” and upload it again."
        )
        % {"line": line},
        line=line,
    )


def _detect_delimiter(header_line: str) -> str:
    counts = dict.fromkeys((";", ",", "\t", "|"), 0)
    in_quotes = False
    for character in header_line:
        if character == '"':
            in_quotes = not in_quotes
        elif not in_quotes and character in counts:
            counts[character] += 1
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _limited_lines(handle: TextIO, first: str, source: str, limits: ReadLimits) -> Iterator[str]:
    """The file's lines (from an already read first one), refusing a line longer than the line limit; a line is
    never read further than one character past the limit."""
    line, number = first, 1
    while line:
        if len(line.rstrip("\r\n")) > limits.max_line_chars:
            raise ImportFileError(
                _("Line %(line)d of %(file)s is longer than %(limit)s characters.")
                % {"line": number, "file": source, "limit": _number(limits.max_line_chars)},
                line=number,
            )
        yield line
        line = handle.readline(limits.max_line_chars + 1)
        number += 1


def _check_cells(cells: list[Any], line: int, source: str, limits: ReadLimits) -> None:
    if len(cells) > limits.max_columns:
        raise ImportFileError(
            _("Line %(line)d of %(file)s has %(count)s columns; at most %(limit)s are accepted.")
            % {
                "line": line,
                "file": source,
                "count": _number(len(cells)),
                "limit": _number(limits.max_columns),
            },
            line=line,
        )
    for cell in cells:
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            raise ImportFileError(
                _(
                    "Line %(line)d of %(file)s has a cell of %(count)s characters; at most %(limit)s are accepted."
                )
                % {
                    "line": line,
                    "file": source,
                    "count": _number(len(cell)),
                    "limit": _number(limits.max_cell_chars),
                },
                line=line,
            )


def _csv_rows(
    handle: TextIO, lines: Iterator[str], delimiter: str, source: str, limits: ReadLimits
) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(lines, delimiter=delimiter)
    data_rows = -1  # the header is not a data row
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                line = reader.line_num
                raise ImportFileError(
                    _("Line %(line)d of %(file)s is not valid CSV: %(reason)s")
                    % {"line": line, "file": source, "reason": error},
                    line=line,
                ) from None
            if "".join(cells).strip():  # a row of empty cells is no row
                if len(cells) > limits.max_columns or max(map(len, cells)) > limits.max_cell_chars:
                    _check_cells(cells, reader.line_num, source, limits)  # says which limit, and where
                data_rows += 1
                if data_rows > limits.max_rows:
                    raise _too_many_rows(source, limits)
                yield reader.line_num, cells
    finally:
        handle.close()


def _csv_table(path: Path, head: bytes, source: str, limits: ReadLimits) -> Table:
    encoding = _csv_encoding(path, head)
    handle = path.open("r", encoding="cp1252" if encoding == "windows-1252" else encoding, newline="")
    try:
        first_line = handle.readline(limits.max_line_chars + 1)
        if len(first_line.rstrip("\r\n")) > limits.max_line_chars:
            raise ImportFileError(
                _("The first line of %(file)s is too long to be a header.") % {"file": source}, line=1
            )
        delimiter = _detect_delimiter(first_line.lstrip("\ufeff"))
        rows = _csv_rows(
            handle, _limited_lines(handle, first_line, source, limits), delimiter, source, limits
        )
        first = next(rows, None)
    except BaseException:
        handle.close()
        raise
    if first is None:
        raise ImportFileError(_("%(file)s has no header row.") % {"file": source})
    headers = [str(cell).strip() for cell in first[1]]
    return Table(headers=headers, rows=rows, file_format="csv", encoding=encoding, delimiter=delimiter)


# Workbooks: an .xlsx file is a zip archive of XML parts. Its central directory states every part's packed and
# unpacked size, and Python's zipfile never unpacks more than the stated size, so the archive is judged from the
# directory before openpyxl opens it (zip bombs); then the sheet's XML is scanned as a byte stream (row count and
# row length) before openpyxl parses a single row.


def _check_archive(archive: zipfile.ZipFile, source: str, limits: ReadLimits) -> int:
    """Refuse archives that unpack to too much; return the unpacked size."""
    unpacked = 0
    for member in archive.infolist():
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportFileError(
                _("%(file)s is packed with a method Excel does not use; save it again as .xlsx.")
                % {"file": source}
            )
        unpacked += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _CHUNK_BYTES and ratio > limits.max_compression_ratio:
            raise ImportFileError(
                _(
                    "%(file)s holds a part (%(part)s) packed %(ratio)s to 1; at most %(limit)s to 1 is "
                    "accepted."
                )
                % {
                    "file": source,
                    "part": member.filename[:100],
                    "ratio": _number(int(ratio)),
                    "limit": _number(limits.max_compression_ratio),
                }
            )
        if member.filename.lower().endswith("sharedstrings.xml") and (
            member.file_size > limits.max_shared_strings_bytes
        ):
            raise ImportFileError(
                _("The text table of %(file)s is %(size)s MB unpacked; at most %(limit)s MB are accepted.")
                % {
                    "file": source,
                    "size": _megabytes(member.file_size),
                    "limit": _megabytes(limits.max_shared_strings_bytes),
                }
            )
    if unpacked > limits.max_unpacked_bytes:
        raise ImportFileError(
            _("%(file)s unpacks to %(size)s MB; at most %(limit)s MB are accepted.")
            % {"file": source, "size": _megabytes(unpacked), "limit": _megabytes(limits.max_unpacked_bytes)}
        )
    return unpacked


_SHEET_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]{0,30}):)?worksheet[\s>]")


def _scan_sheet(stream: IO[bytes], source: str, limits: ReadLimits) -> int:
    """Count the rows of a sheet's XML without parsing it, refusing too many rows or a too long one; reads a
    chunk at a time and stops at the end of the sheet's data."""
    data = stream.read(_CHUNK_BYTES)
    root = _SHEET_ROOT.search(data)
    prefix = root.group(1) + b":" if root is not None and root.group(1) else b""
    row_tag, end_tag = b"<" + prefix + b"row", b"</" + prefix + b"sheetData"
    keep = len(end_tag) + 1  # a tag that starts before the last `keep` bytes is wholly in `data`
    rows, base, last_row = (
        0,
        0,
        -1,
    )  # base: where `data` starts in the stream; last_row: where the last row began

    def too_long() -> ImportFileError:
        return ImportFileError(
            _("Row %(row)s of the first sheet of %(file)s is longer than %(limit)s characters.")
            % {"row": _number(rows), "file": source, "limit": _number(limits.max_line_chars)},
            line=rows,
        )

    while True:
        chunk = stream.read(_CHUNK_BYTES)
        data += chunk
        usable = len(data) if not chunk else len(data) - keep
        end_at = data.find(end_tag, 0, usable + len(end_tag))
        stop = usable if end_at < 0 else end_at
        position = data.find(row_tag, 0, stop)
        while position >= 0:
            if data[position + len(row_tag) : position + len(row_tag) + 1] in (
                b" ",
                b">",
                b"/",
                b"\t",
                b"\r",
                b"\n",
            ):
                if last_row >= 0 and base + position - last_row > limits.max_row_xml_bytes:
                    raise too_long()
                rows += 1
                if rows > limits.max_rows + 1:
                    raise _too_many_rows(source, limits)
                last_row = base + position
            position = data.find(row_tag, position + 1, stop)
        if last_row >= 0 and base + stop - last_row > limits.max_row_xml_bytes:
            raise too_long()
        if end_at >= 0 or not chunk:
            return rows
        base += usable
        data = data[usable:]


def _xlsx_table(path: Path, source: str, limits: ReadLimits) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        EOFError,
    )
    handle: IO[bytes] | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, source, limits)
        # a file object, not the path: stored uploads have generated names without the .xlsx suffix;
        # read_only: openpyxl streams the sheet instead of building it in memory
        handle = path.open("rb")
        workbook = load_workbook(handle, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if declared_columns is not None and declared_columns > limits.max_columns:
            raise ImportFileError(
                _("The first sheet of %(file)s has %(count)s columns; at most %(limit)s are accepted.")
                % {
                    "file": source,
                    "count": _number(declared_columns),
                    "limit": _number(limits.max_columns),
                }
            )
        if declared_rows is not None and declared_rows > limits.max_rows + 1:
            raise _too_many_rows(source, limits)
        sheet_path = getattr(sheet, "_worksheet_path", None)  # openpyxl's read-only sheet knows its part
        if sheet_path is not None:
            with workbook._archive.open(sheet_path) as stream:
                _scan_sheet(stream, source, limits)
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
    except ImportFileError:
        if handle is not None:
            handle.close()
        raise
    except unreadable as error:
        if handle is not None:
            handle.close()
        raise ImportFileError(
            _("%(file)s is not a readable Excel workbook (%(reason)s).") % {"file": source, "reason": error}
        ) from None
    assert handle is not None
    opened = handle

    def close() -> None:
        workbook.close()
        opened.close()

    if header_row is None or not any(cell not in (None, "") for cell in header_row):
        close()
        raise ImportFileError(_("The first sheet of %(file)s is empty.") % {"file": source})
    try:
        _check_cells(list(header_row), 1, source, limits)
    except ImportFileError:
        close()
        raise
    headers = ["" if cell is None else str(cell).strip() for cell in header_row]

    def body() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(rows, start=2):
                if number > limits.max_rows + 1:
                    raise _too_many_rows(source, limits)
                values = ["" if cell is None else cell for cell in cells]
                if any(str(value).strip() for value in values):
                    _check_cells(values, number, source, limits)
                    yield number, values
        finally:
            close()

    return Table(headers=headers, rows=body(), file_format="xlsx")


def open_table(path: Path, *, source: str, limits: ReadLimits | None = None) -> Table:
    """Open a CSV or XLSX file. `source` is the user's file name, used in messages; `limits` default to the
    settings. The rows are read lazily: a limit may still be hit while iterating them (ImportFileError)."""
    limits = limits or ReadLimits.from_settings()
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("%(file)s is empty.") % {"file": source})
    _check_size(size, source, limits)
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_table(path, source, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("%(file)s is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.")
            % {"file": source}
        )
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("%(file)s is not a CSV or Excel file (it contains binary data).") % {"file": source}
        )
    return _csv_table(path, head, source, limits)


BYTES_PER_CSV_ROW = 120  # a typical CRM export row
UNPACKED_BYTES_PER_SHEET_ROW = 1000  # a typical CRM export row as sheet XML


def small_enough_for_request(path: Path, *, max_rows: int) -> bool:
    """Cheaply and without parsing: can this file's import run within a web request (at most `max_rows` rows,
    and no more bytes than such rows take)? CSV: its size and a capped count of line breaks; XLSX: the unpacked
    size its zip directory states. Anything unclear goes to the worker."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4)
            if head.startswith(b"PK\x03\x04"):
                with zipfile.ZipFile(path) as archive:
                    unpacked = sum(member.file_size for member in archive.infolist())
                return unpacked <= max_rows * UNPACKED_BYTES_PER_SHEET_ROW
            if size > max_rows * BYTES_PER_CSV_ROW:
                return False
            handle.seek(0)
            return handle.read().count(b"\n") <= max_rows + 1
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


# --- header mapping ------------------------------------------------------------------------------------------
# One field list and one header table for every company list handschlag reads: they live in the engine's pure
# module handschlag.matching.fields (docs/adr/0106-one-reader-warnings-not-refusals.md); this module adds the
# labels and messages in the user's language.

# Account has no phone or e-mail: those two are read for partner lists only.
ACCOUNT_IMPORT_FIELDS = [
    name for name in company_fields.COMPANY_LIST_FIELDS if name not in ("phone", "email")
]
MATCHING_FIELDS = list(company_fields.MATCHING_LIST_FIELDS)

# The labels the account form shows, so that import errors name a field as the user knows it ("USt-IdNr.", not vat_id).
FIELD_LABELS = {
    "external_id": gettext_lazy("CRM id"),
    "name": gettext_lazy("Name"),
    "legal_form": gettext_lazy("Legal form"),
    "domain": gettext_lazy("Domain"),
    "street": gettext_lazy("Street"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "country": gettext_lazy("Country"),
    "vat_id": gettext_lazy("VAT id"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "industry": gettext_lazy("Industry"),
    "employees": gettext_lazy("Employees"),
    "annual_revenue": gettext_lazy("Annual revenue (EUR)"),
    "status": gettext_lazy("Status"),
    "customer_since": gettext_lazy("Customer since"),
    "owner": gettext_lazy("Owner"),
    "tags": gettext_lazy("Tags"),
}


def field_label(name: str) -> str:
    """The UI label of an account field in the active language; an unknown name is shown as it is."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


PRESETS: dict[str, dict[str, str]] = company_fields.PRESET_HEADERS
SYNONYMS: dict[str, tuple[str, ...]] = company_fields.HEADER_NAMES
REQUIRED_FIELDS = company_fields.REQUIRED_FIELDS
IGNORE = company_fields.IGNORE


def normalise_header(header: str) -> str:
    return company_fields.header_key(header)


def map_columns(
    headers: list[str],
    preset: str = ImportPreset.AUTO,
    *,
    columns: Mapping[str, str] | None = None,
    fields: Iterable[str] = ACCOUNT_IMPORT_FIELDS,
) -> dict[str, int]:
    """Column index per field: `columns` (header → field, "" to ignore the column) as the user chose them, the
    rest detected (a CRM preset first, then names in German and English). Raises ImportFileError when the
    mapping cannot be used (no name column, a field twice, an unknown field)."""
    try:
        return company_fields.map_columns(
            headers, preset="" if preset == ImportPreset.AUTO else preset, columns=columns, fields=fields
        )
    except company_fields.ColumnMappingError as error:
        if error.code == "field_twice":
            message = _("Two columns are mapped to “%(field)s”; choose one.") % {
                "field": field_label(error.subject)
            }
        elif error.code == "unknown_field":
            message = _("“%(field)s” is not a field that can be imported.") % {"field": error.subject}
        else:
            message = _(
                "No column for the company name. Name it “Name”, “Firma”, “Company” or “Account Name”, or map "
                "a column to it. Columns found: %(columns)s"
            ) % {"columns": ", ".join(header for header in headers if header) or "—"}
        raise ImportFileError(message, line=1) from None


def detected_columns(
    headers: list[str],
    samples: list[list[Any]],
    *,
    preset: str = ImportPreset.AUTO,
    columns: Mapping[str, str] | None = None,
    fields: Iterable[str] = ACCOUNT_IMPORT_FIELDS,
) -> list[dict[str, str]]:
    """For the column mapping page and API: per column its header, the field it is mapped to ("" = ignored)
    and a sample value (the first non-empty cell of the sample rows). Never raises: a mapping without a name
    column is shown so that the user can correct it."""
    allowed = list(fields)
    try:
        mapping = company_fields.map_columns(
            headers,
            preset="" if preset == ImportPreset.AUTO else preset,
            columns=columns,
            fields=allowed,
        )
    except company_fields.ColumnMappingError:
        mapping = {}
        for index, header in enumerate(headers):
            target = (columns or {}).get(header)
            if target is None:
                target = company_fields.detect_field(header, preset=preset)
            if target and target in allowed and target not in mapping:
                mapping[target] = index
    by_index = {index: name for name, index in mapping.items()}
    result = []
    for index, header in enumerate(headers):
        sample = next(
            (_text(row[index]) for row in samples if index < len(row) and _text(row[index])),
            "",
        )
        result.append({"column": header, "field": by_index.get(index, IGNORE), "sample": sample[:80]})
    return result


def read_samples(table: Table, count: int = 3) -> list[list[Any]]:
    """The first `count` data rows of an opened table (for the column mapping page)."""
    samples: list[list[Any]] = []
    for _line, cells in table.rows:
        samples.append(cells)
        if len(samples) >= count:
            break
    return samples


# --- values --------------------------------------------------------------------------------------------------


def normalise_domain(value: str) -> str:
    """`https://www.Example.de/kontakt` and `info@example.de` both become `example.de`; ValueError otherwise."""
    domain, problem = company_fields.domain_check(value)
    if problem:
        raise ValueError(value)
    return domain


def normalise_country(value: str) -> str:
    """ISO alpha-2 for codes (DE, DEU) and German, English and local names; ValueError when unknown."""
    return company_fields.country_code(value)


def normalise_postal_code(value: Any, country: str) -> str:
    """The postal code tidied; ValueError when it does not fit the country (the account form refuses it, the
    import keeps it with a warning)."""
    text, problem = company_fields.postal_code_check(value, country)
    if problem or len(text) > 12:
        raise ValueError(value)
    return text


def normalise_vat_id(value: str) -> str:
    """A valid VAT id of an EU country, Switzerland (UID), the UK or Norway, compact; ValueError otherwise."""
    normalised, problem = company_fields.vat_id_check(value)
    if problem:
        raise ValueError(value)
    return normalised


def problem_reason(problem: company_fields.FieldProblem) -> str:
    """A field problem of the shared checks in the user's language."""
    country = str(problem.params.get("country", ""))
    texts = {
        "unknown_country": _("unknown country; left out"),
        "vat_check_digit": _("VAT id with a wrong check digit; kept, please check it"),
        "vat_unknown": _("not a VAT id of an EU country, Switzerland, the UK or Norway; left out"),
        "postal_code_country": _("does not fit the postal codes of %(country)s; kept as it is")
        % {"country": country},
        "bad_domain": _("not a web address or domain; left out"),
        "bad_email": _("not an e-mail address; left out"),
        "bad_phone": _("not a phone number; left out"),
    }
    return texts.get(problem.code, problem.text)


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y")


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if "T" in text or " " in text:
        text = re.split(r"[T ]", text, maxsplit=1)[0]
    for date_format in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(value)


_STATUS_WORDS: dict[str, str] = {}
for _status, _words in {
    AccountStatus.CUSTOMER: [
        "customer",
        "kunde",
        "bestandskunde",
        "aktiv",
        "active",
        "customerdirect",
        "customerchannel",
        "won",
        "gewonnen",
    ],
    AccountStatus.PROSPECT: [
        "prospect",
        "interessent",
        "lead",
        "potenzial",
        "potential",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "subscriber",
        "neu",
        "new",
    ],
    AccountStatus.FORMER_CUSTOMER: [
        "formercustomer",
        "ehemaligerkunde",
        "exkunde",
        "inaktiv",
        "inactive",
        "churned",
        "verloren",
        "lost",
    ],
}.items():
    for _word in _words:
        _STATUS_WORDS[_word] = _status


def parse_status(value: Any) -> str:
    key = normalise_header(str(value))
    if key in _STATUS_WORDS:
        return _STATUS_WORDS[key]
    raise ValueError(value)


def _text(value: Any) -> str:
    if type(value) is str:  # a CSV cell (every cell of most files): the common case first
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


TEXT_LIMITS = {
    "name": 200,
    "legal_form": 60,
    "external_id": 100,
    "street": 200,
    "city": 100,
    "industry": 100,
    "tags": 500,
}


# the fields of a row that the shared checks of handschlag.matching.fields tidy (check_company_fields)
_CHECKED_FIELDS = ("country", "vat_id", "postal_code", "domain", "email", "phone")


@dataclass
class RowContext:
    decimal_comma: bool
    owners: dict[str, int]


def parse_row(
    line: int, cells: list[Any], mapping: dict[str, int], context: RowContext
) -> tuple[ParsedRow, list[RowError]]:
    """Clean one row. Only mapped fields appear in the result.

    A row keeps its company whenever it has a name: an optional field in a poor state is left out (or kept as it
    is, where it still helps: a VAT id with a wrong check digit, a postal code that does not fit the country) and
    reported as a warning (RowError.warning). Only an empty name is an error."""
    row = ParsedRow(line=line)
    problems: list[RowError] = []
    count = len(cells)

    def cell(name: str) -> Any:
        index = mapping.get(name)
        if index is None or index >= count:
            return ""
        return cells[index]

    def warn(name: str, raw: Any, reason: str) -> None:
        problems.append(RowError(line=line, field=name, value=_text(raw)[:200], reason=reason, warning=True))

    for name, limit in TEXT_LIMITS.items():
        index = mapping.get(name)
        if index is None:
            continue
        text = _text(cells[index]) if index < count else ""
        if len(text) > limit:
            warn(name, text, _("longer than %(limit)d characters; shortened") % {"limit": limit})
            text = text[:limit].rstrip()
        if name == "tags":
            text = ",".join(tag.strip() for tag in re.split(r"[,;|]", text) if tag.strip())
        row.values[name] = text
    if not row.values.get("name"):
        problems.append(
            RowError(
                line=line,
                field="name",
                value=_text(cell("name"))[:200],
                reason=_("the company name is empty"),
            )
        )

    checked: dict[str, Any] = {name: cell(name) for name in _CHECKED_FIELDS if name in mapping}
    if checked:
        cleaned, field_problems = company_fields.check_company_fields(line, checked)
        for name, raw in checked.items():
            given = bool(_text(raw))
            if not given and name in ("country", "postal_code"):
                continue  # an empty cell clears nothing (the account keeps its country, DE by default)
            if given and not cleaned[name]:
                continue  # left out: a bad value clears nothing either
            row.values[name] = cleaned[name]
        for problem in field_problems:
            problems.append(
                RowError(
                    line=line,
                    field=problem.field,
                    value=problem.value,
                    reason=problem_reason(problem),
                    warning=True,
                )
            )
    if "employees" in mapping and _text(cell("employees")):
        raw = cell("employees")
        try:
            number = (
                parse_decimal(_text(raw), decimal_comma=context.decimal_comma)
                if not isinstance(raw, int | float)
                else Decimal(str(raw))
            )
            if number < 0 or number != number.to_integral_value() or number > 10_000_000:
                raise ValueError(raw)
            row.values["employees"] = int(number)
        except (ValueError, ArithmeticError):
            warn("employees", raw, _("not a whole number of employees; left out"))
    if "annual_revenue" in mapping and _text(cell("annual_revenue")):
        raw = cell("annual_revenue")
        try:
            amount = (
                Decimal(str(raw))
                if isinstance(raw, int | float) and not isinstance(raw, bool)
                else parse_decimal(_text(raw), decimal_comma=context.decimal_comma)
            )
            if amount < 0 or amount.adjusted() >= MAX_DIGITS:
                raise ValueError(raw)
            row.values["annual_revenue"] = amount.quantize(Decimal("0.01"))
        except (ValueError, ArithmeticError):
            warn("annual_revenue", raw, _("not an amount (e.g. 1.234.567,89); left out"))
    if "status" in mapping and _text(cell("status")):
        try:
            row.values["status"] = parse_status(cell("status"))
        except ValueError:
            warn(
                "status",
                cell("status"),
                _("unknown status (use customer, prospect or former customer); left out"),
            )
    if "customer_since" in mapping and _text(cell("customer_since")):
        try:
            row.values["customer_since"] = parse_date(cell("customer_since"))
        except ValueError:
            warn(
                "customer_since",
                cell("customer_since"),
                _("not a date (e.g. 31.12.2026 or 2026-12-31); left out"),
            )
    if "owner" in mapping and _text(cell("owner")):
        owner_id = context.owners.get(_text(cell("owner")).lower())
        if owner_id is None:
            warn("owner", cell("owner"), _("no user of that name, user name or e-mail; left out"))
        else:
            row.values["owner_id"] = owner_id
    return row, problems


def row_errors_only(problems: list[RowError]) -> list[RowError]:
    return [problem for problem in problems if not problem.warning]
