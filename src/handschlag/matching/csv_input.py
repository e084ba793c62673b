"""Reading company lists from CSV files as CRMs export them.

Finds the encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252), the delimiter (``;`` ``,`` tab
``|``) and the columns (by common English and German header names), then parses with pyarrow. Anything it
cannot use raises ``MatchingInputError`` naming the file, the line and the problem in plain words.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv

from handschlag.matching.engine import CompanyTable
from handschlag.matching.normalisation import compiled_module, string_buffers
from handschlag.matching.records import COMPANY_FIELDS, CompanyRecord, MatchingInputError

MAX_LINE_BYTES: Final = 1_000_000
_SNIFF_BYTES: Final = 64_000
_DELIMITERS: Final = (";", ",", "\t", "|")
_BLANK: Final = re.compile(rb"[ \t\r\n\xef\xbb\xbf]*")

# Header names (compared after lower-casing, folding umlauts and dropping everything but letters and digits).
HEADER_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "id": (
        "id",
        "accountid",
        "recordid",
        "externalid",
        "kundennummer",
        "kundennr",
        "kdnr",
        "nummer",
        "nr",
        "key",
        "companyid",
        "firmenid",
        "debitorennummer",
        "debitor",
        "customerid",
        "customernumber",
    ),
    "name": (
        "name",
        "company",
        "companyname",
        "firma",
        "firmenname",
        "accountname",
        "organisation",
        "organization",
        "unternehmen",
        "kunde",
        "kundenname",
        "name1",
        "firmierung",
        "legalname",
    ),
    "domain": ("domain", "website", "web", "url", "homepage", "webseite", "internet", "www", "email", "mail"),
    "street": (
        "street",
        "strasse",
        "str",
        "address",
        "adresse",
        "anschrift",
        "billingstreet",
        "streetaddress",
        "strassehausnummer",
        "address1",
        "addressline1",
    ),
    "postal_code": (
        "postalcode",
        "postcode",
        "zip",
        "zipcode",
        "plz",
        "postleitzahl",
        "billingpostalcode",
        "postal",
    ),
    "city": ("city", "ort", "stadt", "town", "billingcity", "gemeinde", "locality"),
    "country": ("country", "land", "staat", "billingcountry", "countrycode", "laenderkennzeichen"),
    "vat_id": (
        "vatid",
        "vat",
        "vatnumber",
        "ustid",
        "ustidnr",
        "ustidnummer",
        "umsatzsteuerid",
        "ust",
        "vatregistration",
        "taxid",
        "uid",
    ),
}
_FIELD_BY_HEADER: Final = {header: field for field, headers in HEADER_NAMES.items() for header in headers}


def _header_key(header: str) -> str:
    folded = header.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, spelled)
    return re.sub(r"[^a-z0-9]", "", folded)


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_not_binary(path: str, data: bytes) -> None:
    head = data[:_SNIFF_BYTES]
    signatures = {
        b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?); export it as CSV",
        b"%PDF": "a PDF document",
        b"\xd0\xcf\x11\xe0": "an old Excel/Word file (.xls/.doc); export it as CSV",
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"\x1f\x8b": "a gzip archive; unpack it first",
        b"SQLite format 3": "an SQLite database",
    }
    for signature, what in signatures.items():
        if head.startswith(signature):
            raise MatchingInputError(path, 0, f"this is not a CSV file but {what}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    null_at = head.find(b"\x00")
    if null_at >= 0:
        raise MatchingInputError(
            path, _line_of_offset(data, null_at), "this is not a CSV text file (it contains binary data)"
        )


def _decode(path: str, data: bytes) -> tuple[str, bool]:
    """The file's text (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), and whether it was
    UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), False
        except UnicodeDecodeError as error:
            raise MatchingInputError(
                path, 0, f"the file says it is UTF-16 but byte {error.start} is not valid UTF-16"
            ) from None
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError as utf8_error:
        line = _line_of_offset(data, utf8_error.start)
        byte = data[utf8_error.start]
        # Mostly well-formed UTF-8 with a few stray bytes is a file that mixes encodings; a Windows-1252 file
        # only rarely contains byte pairs that also read as UTF-8.
        utf8_pairs = len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", data))
        high_bytes = len(re.findall(rb"[\x80-\xff]", data))
        if utf8_pairs * 2 >= high_bytes * 0.5:
            raise MatchingInputError(
                path,
                line,
                f"byte 0x{byte:02x} is not valid UTF-8, but earlier lines are UTF-8: the file mixes "
                "encodings; save it again as UTF-8",
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as cp1252_error:
            raise MatchingInputError(
                path,
                _line_of_offset(data, cp1252_error.start),
                f"the file is neither UTF-8 nor Windows-1252 (byte 0x{data[cp1252_error.start]:02x} fits "
                "neither); save it as UTF-8",
            ) from None
        control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
        if control is not None:
            raise MatchingInputError(
                path,
                text.count("\n", 0, control.start()) + 1,
                "the file is not UTF-8 and does not read as Windows-1252 text either; save it as UTF-8",
            ) from None
        return text, False


def _check_line_lengths(path: str, data: bytes) -> None:
    # A line longer than MAX_LINE_BYTES covers at least one whole half-window of that size, so a file whose
    # half-windows all hold a newline has no such line; only then are the line lengths computed exactly.
    half = MAX_LINE_BYTES // 2
    if all(data.find(b"\n", start, start + half) >= 0 for start in range(0, len(data) - half + 1, half)):
        return
    encoded = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(encoded == ord("\n"))
    bounds = np.concatenate(([-1], newlines, [len(encoded)]))
    lengths = np.diff(bounds) - 1
    longest = int(np.argmax(lengths)) if len(lengths) else 0
    if len(lengths) and lengths[longest] > MAX_LINE_BYTES:
        raise MatchingInputError(
            path,
            longest + 1,
            f"line is {lengths[longest] / 1_000_000:.1f} MB long (at most {MAX_LINE_BYTES // 1_000_000} MB "
            "allowed); is this really a CSV file of companies?",
        )


def _detect_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _map_columns(path: str, headers: list[str]) -> dict[str, int]:
    """Field name → column index, from the header row."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = _FIELD_BY_HEADER.get(_header_key(header))
        if field is not None and field not in mapping:
            mapping[field] = index
    if "name" not in mapping:
        shown = ", ".join(repr(header) for header in headers[:12])
        raise MatchingInputError(
            path,
            1,
            f"no company name column found (looked for name, company, firma, firmenname, ...); the header is: {shown}",
        )
    return mapping


def _find_bad_row(path: str, text: str, delimiter: str, column_count: int) -> MatchingInputError | None:
    """The first row whose field count differs from the header's, or with a broken quote, as an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    csv.field_size_limit(MAX_LINE_BYTES + 1)
    try:
        next(reader)
        for row in reader:
            if not row:
                continue
            if len(row) != column_count:
                return MatchingInputError(
                    path,
                    reader.line_num,
                    f"{len(row)} field(s) where the header has {column_count} (delimiter {delimiter!r})",
                )
    except csv.Error as error:
        return MatchingInputError(path, reader.line_num, f"not readable as CSV: {error}")
    return None


def _line_numbers(text: str, delimiter: str, row_count: int) -> np.ndarray:
    """The physical line number of each data row (1-based, the header being line 1)."""
    csv.field_size_limit(MAX_LINE_BYTES + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = np.zeros(row_count, dtype=np.int64)
    next(reader, None)
    index = 0
    for row in reader:
        if not row or index >= row_count:
            continue
        lines[index] = reader.line_num
        index += 1
    return lines


@dataclass(frozen=True, slots=True)
class _SourceLines:
    """Maps data rows back to physical line numbers for error messages (and for ids made of them)."""

    utf8_bytes: bytes
    delimiter: str
    row_count: int
    one_line_per_row: bool

    def all_lines(self) -> np.ndarray:
        if self.one_line_per_row:
            return np.arange(2, self.row_count + 2)
        return _line_numbers(self.utf8_bytes.decode("utf-8"), self.delimiter, self.row_count)

    def line_of_row(self, row: int) -> int:
        return row + 2 if self.one_line_per_row else int(self.all_lines()[row])


def _parse_csv(csv_bytes: bytes, delimiter: str, column_count: int) -> pa.Table:
    names = [f"c{index}" for index in range(column_count)]
    return pa_csv.read_csv(
        io.BytesIO(csv_bytes),
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _as_utf8(path: str, data: bytes) -> tuple[bytes, bool]:
    """The file's bytes as UTF-8 without BOM, and whether they had to be re-encoded (decoding checks them)."""
    text, is_utf8 = _decode(path, data)
    if is_utf8:
        return (data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data), False
    return text.lstrip("\ufeff").encode("utf-8"), True


def _raise_csv_problem(
    path: str, utf8_bytes: bytes, delimiter: str, column_count: int, error: Exception
) -> NoReturn:
    bad_row = _find_bad_row(path, utf8_bytes.decode("utf-8"), delimiter, column_count)
    if bad_row is not None:
        raise bad_row from None
    raise MatchingInputError(path, 0, f"not readable as CSV: {str(error).splitlines()[0]}") from None


def _parse_after_error(
    path: str, data: bytes, csv_bytes: bytes, delimiter: str, column_count: int, error: Exception
) -> tuple[pa.Table, bytes]:
    """pyarrow refused the bytes: either they are not UTF-8 (decode, re-encode, parse again) or a row is bad."""
    utf8_bytes, re_encoded = _as_utf8(path, data)  # raises for bytes that are neither UTF-8 nor cp1252
    if not re_encoded:
        _raise_csv_problem(path, csv_bytes, delimiter, column_count, error)
    try:
        return _parse_csv(utf8_bytes, delimiter, column_count), utf8_bytes
    except (pa.ArrowInvalid, pa.ArrowException) as second_error:
        _raise_csv_problem(path, utf8_bytes, delimiter, column_count, second_error)


def read_company_table(path: str | Path) -> CompanyTable:
    """Read a company CSV into columns ``id`` + ``COMPANY_FIELDS`` (strings; "" when missing)."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise MatchingInputError(name, 0, f"cannot read the file: {error.strerror or error}") from None
    if _BLANK.fullmatch(data) is not None:
        raise MatchingInputError(name, 0, "the file is empty")
    _check_not_binary(name, data)
    # Fast path: UTF-8 bytes go to pyarrow as they are (it checks the encoding while parsing); the whole
    # file is decoded in Python only for other encodings and for error messages.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        csv_bytes, _ = _as_utf8(name, data)
    else:
        csv_bytes = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    header_end = csv_bytes.find(b"\n")
    try:
        header_line = (csv_bytes if header_end < 0 else csv_bytes[:header_end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        csv_bytes, _ = _as_utf8(name, data)
        header_end = csv_bytes.find(b"\n")
        header_line = (csv_bytes if header_end < 0 else csv_bytes[:header_end]).decode("utf-8").rstrip("\r")
    _check_line_lengths(name, csv_bytes)
    if not header_line.strip():
        raise MatchingInputError(name, 1, "the first line is empty; it should be the header row")
    delimiter = _detect_delimiter(header_line)
    headers = next(csv.reader([header_line], delimiter=delimiter))
    mapping = _map_columns(name, headers)
    try:
        table = _parse_csv(csv_bytes, delimiter, len(headers))
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        table, csv_bytes = _parse_after_error(name, data, csv_bytes, delimiter, len(headers), error)
    if table.num_rows == 0:
        raise MatchingInputError(name, 1, "the file has a header but no data rows")
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    line_count = csv_bytes.count(b"\n") + (0 if csv_bytes.endswith(b"\n") else 1)
    lines = _SourceLines(csv_bytes, delimiter, table.num_rows, line_count == table.num_rows + 1)
    columns: list[pl.Expr | pl.Series] = []
    for field in COMPANY_FIELDS:
        if field in mapping:
            columns.append(pl.col(f"c{mapping[field]}").str.strip_chars().alias(field))
        elif field == "id":
            columns.append(pl.Series("id", [str(line) for line in lines.all_lines()]))
        else:
            columns.append(pl.lit("", dtype=pl.String).alias(field))
    result = frame.select(columns)  # one query: the columns are stripped in parallel
    _check_rows(name, result, lines)
    return CompanyTable(name, result)


def _ids_certainly_distinct(ids: pl.Series) -> bool:
    """True when no id repeats, known from 64-bit codes in C (a repeated code may be a collision: then the
    caller checks the ids themselves); False when that cannot be told quickly."""
    fast = compiled_module()
    if fast is None:
        return False
    codes = fast.hash_strings(string_buffers(ids), len(ids))
    return bool(fast.all_distinct(codes))


def _check_rows(path: str, frame: pl.DataFrame, lines: _SourceLines) -> None:
    empty_ids = frame["id"].str.len_bytes() == 0
    if empty_ids.any():
        raise MatchingInputError(path, lines.line_of_row(int(empty_ids.arg_true()[0])), "the id is empty")
    empty_names = frame["name"].str.len_bytes() == 0
    if empty_names.any():
        raise MatchingInputError(
            path, lines.line_of_row(int(empty_names.arg_true()[0])), "the company name is empty"
        )
    if _ids_certainly_distinct(frame["id"]):
        return
    duplicated = frame["id"].is_duplicated()
    if duplicated.any():
        first_id = frame["id"][int(duplicated.arg_true()[0])]
        same = frame["id"].eq(first_id).arg_true()
        raise MatchingInputError(
            path,
            lines.line_of_row(int(same[1])),
            f"duplicate id {first_id!r} (first on line {lines.line_of_row(int(same[0]))}); ids must be unique",
        )


def read_company_csv(path: str | Path) -> list[CompanyRecord]:
    """Read a company CSV file into records (see ``read_company_table`` for what is detected and checked)."""
    table = read_company_table(path)
    return [CompanyRecord(*row) for row in table.frame.select(COMPANY_FIELDS).iter_rows()]
