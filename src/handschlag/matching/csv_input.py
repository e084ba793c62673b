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
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv

from handschlag.matching import fields
from handschlag.matching.engine import CompanyTable
from handschlag.matching.normalisation import compiled_module, string_buffers
from handschlag.matching.records import COMPANY_FIELDS, CompanyRecord, MatchingInputError

MAX_LINE_BYTES: Final = 1_000_000
_SNIFF_BYTES: Final = 64_000
_DELIMITERS: Final = (";", ",", "\t", "|")
_BLANK: Final = re.compile(rb"[ \t\r\n\xef\xbb\xbf]*")

# The header table is the one every company list of handschlag is read with (handschlag.matching.fields).
HEADER_NAMES: Final = fields.HEADER_NAMES
# The first country lookup builds the shared country table (babel's territory names, a few tenths of a second
# of Python): two lists read in two threads would both build it. The lock lets one build it, the other use it.
_COUNTRY_LOOKUP: Final = threading.Lock()


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


def _map_columns(path: str, headers: list[str], columns: Mapping[str, str] | None = None) -> dict[str, int]:
    """Field name → column index, from the header row (the shared header table) and the caller's ``columns``
    (header → field, "" to ignore a column). The partner's own id column (Kd-Nr, Kundennummer, Debitor,
    Account ID …) becomes the record's ``id``."""
    wanted = [name for name in fields.MATCHING_LIST_FIELDS if name == "external_id" or name in COMPANY_FIELDS]
    if "domain" in COMPANY_FIELDS and "email" not in COMPANY_FIELDS:
        wanted.append(
            "email"
        )  # read only to stand in for a missing domain (the engine takes a mail's domain)
    try:
        mapping = fields.map_columns(headers, columns=columns, fields=wanted)
    except fields.ColumnMappingError as error:
        if error.code != "no_name":
            raise MatchingInputError(
                path, 1, f"column mapping: {error.code.replace('_', ' ')}: {error.subject}"
            ) from None
        shown = ", ".join(repr(header) for header in headers[:12])
        raise MatchingInputError(
            path,
            1,
            f"no company name column found (looked for name, company, firma, firmenname, ...); the header is: {shown}",
        ) from None
    if "external_id" in mapping:
        mapping["id"] = mapping.pop("external_id")
    if "email" in mapping and "email" not in COMPANY_FIELDS:
        email_column = mapping.pop("email")
        mapping.setdefault("domain", email_column)
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


def _parse_csv_quickly(csv_bytes: bytes, delimiter: str, column_count: int) -> pl.DataFrame | None:
    """The rows as ``_parse_csv`` reads them, by polars' reader (both cores, no Arrow table in between: the
    half of the time and memory); None where polars cannot tell it the same way (not UTF-8, a quote it
    refuses, a row with fewer fields, which polars fills with nulls): then pyarrow reads the file and says
    what is wrong."""
    if csv_bytes[:1] == b'"' or (b"\r" in csv_bytes and csv_bytes.count(b"\r") != csv_bytes.count(b"\r\n")):
        return None  # a quoted header, or a carriage return that is no line end: pyarrow is the reference
    names = [f"c{index}" for index in range(column_count)]
    try:
        frame = pl.read_csv(
            csv_bytes,
            has_header=False,
            skip_rows=1,
            new_columns=names,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if frame.width != column_count or any(frame.null_count().row(0)):
        return None
    # polars fills a row with too few fields with empty ones: every row has all its fields when the delimiters
    # of the file are those of the header, of column_count fields per row and of those inside quoted values
    expected = csv_bytes[: max(csv_bytes.find(b"\n"), 0)].count(delimiter.encode()) + frame.height * (
        column_count - 1
    )
    if b'"' in csv_bytes:
        inside = frame.select(
            pl.sum_horizontal(pl.col(name).str.count_matches(delimiter, literal=True).sum() for name in names)
        ).item()
        expected += int(inside or 0)
    if csv_bytes.count(delimiter.encode()) != expected:
        return None
    return frame


def _padded_columns(frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """The columns with a value that starts or ends with white space (to strip: stripping a column copies it)."""
    if not columns:
        return set()
    padded = frame.select(pl.col(column).str.contains(r"^\s|\s$").any() for column in columns).row(0)
    return {column for column, any_padded in zip(columns, padded, strict=True) if any_padded}


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


def read_company_table(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    problems: list[fields.FieldProblem] | None = None,
) -> CompanyTable:
    """Read a company CSV into columns ``id`` + ``COMPANY_FIELDS`` (strings; "" when missing).

    Every row with a name is kept (docs/adr/0106-one-reader-warnings-not-refusals.md): a row without a name is
    left out, a country is read as ISO alpha-2 ("Großbritannien", "NLD" → "GB", "NL"; an unknown one is left
    out), an empty or repeated id is replaced by one made of the line number. ``columns`` (header → field, "" to
    ignore a column) overrides the detected columns. Pass a list as ``problems`` to get every such change and
    every field in a poor state (VAT id, postal code, country) as a ``FieldProblem``; without it the checks that
    cost time per row are not run."""
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
    mapping = _map_columns(name, headers, columns)
    frame = _parse_csv_quickly(csv_bytes, delimiter, len(headers))
    if frame is None:
        try:
            table = _parse_csv(csv_bytes, delimiter, len(headers))
        except (pa.ArrowInvalid, pa.ArrowException) as error:
            table, csv_bytes = _parse_after_error(name, data, csv_bytes, delimiter, len(headers), error)
        arrow_frame = pl.from_arrow(table)
        assert isinstance(arrow_frame, pl.DataFrame)
        frame = arrow_frame
        del table, arrow_frame
    if frame.height == 0:
        raise MatchingInputError(name, 1, "the file has a header but no data rows")
    line_count = csv_bytes.count(b"\n") + (0 if csv_bytes.endswith(b"\n") else 1)
    lines = _SourceLines(csv_bytes, delimiter, frame.height, line_count == frame.height + 1)
    padded = _padded_columns(frame, [f"c{mapping[field]}" for field in COMPANY_FIELDS if field in mapping])
    selected: list[pl.Expr | pl.Series] = []
    for field in COMPANY_FIELDS:
        if field in mapping:
            column = pl.col(f"c{mapping[field]}")
            selected.append(
                (column.str.strip_chars() if f"c{mapping[field]}" in padded else column).alias(field)
            )
        elif field == "id":
            selected.append(pl.Series("id", [str(line) for line in lines.all_lines()]))
        else:
            selected.append(pl.lit("", dtype=pl.String).alias(field))
    result = frame.select(selected)  # one query: the columns are stripped in parallel
    result = _keep_every_company(name, result, lines, problems)
    return CompanyTable(name, result)


def _ids_certainly_distinct(ids: pl.Series) -> bool:
    """True when no id repeats, known from 64-bit codes in C (a repeated code may be a collision: then the
    caller checks the ids themselves); False when that cannot be told quickly."""
    fast = compiled_module()
    if fast is None:
        return False
    codes = fast.hash_strings(string_buffers(ids), len(ids))
    return bool(fast.all_distinct(codes))


def _keep_every_company(
    path: str, frame: pl.DataFrame, lines: _SourceLines, problems: list[fields.FieldProblem] | None
) -> pl.DataFrame:
    """Leave out rows without a name, give rows without a usable id one, read countries as ISO codes."""
    frame = frame.with_columns(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("__line")
        if lines.one_line_per_row
        else pl.Series("__line", lines.all_lines(), dtype=pl.Int64)
    )
    empty_names = frame["name"].str.len_bytes() == 0
    first_new = len(problems) if problems is not None else 0
    if empty_names.any():
        nameless = frame.filter(empty_names)["__line"]
        if problems is not None:
            problems.extend(fields.FieldProblem(int(line), "name", "", "no_name") for line in nameless)
        if len(nameless) == frame.height:
            raise MatchingInputError(path, int(nameless[0]), "no row has a company name")
        frame = frame.filter(~empty_names)
    frame = _usable_ids(frame, problems)
    frame = _countries(frame, problems)
    if problems is not None:
        _check_fields(frame, problems)
        problems[first_new:] = sorted(problems[first_new:], key=lambda problem: problem.line)
    return frame.drop("__line")


def _usable_ids(frame: pl.DataFrame, problems: list[fields.FieldProblem] | None) -> pl.DataFrame:
    """An empty id becomes ``line-N``; a repeated id ``<id> (line N)``: the engine's pairs need unique ids, and
    a repeated CRM id is no reason to lose a company."""
    empty = frame["id"].str.len_bytes() == 0
    if empty.any():
        frame = frame.with_columns(
            pl.when(empty).then(pl.format("line-{}", pl.col("__line"))).otherwise(pl.col("id")).alias("id")
        )
    if _ids_certainly_distinct(frame["id"]):
        return frame
    later = frame["id"].is_duplicated() & ~frame["id"].is_first_distinct()
    if not later.any():
        return frame
    if problems is not None:
        first_line = dict(frame.filter(frame["id"].is_first_distinct()).select("id", "__line").iter_rows())
        for record_id, line in frame.filter(later).select("id", "__line").iter_rows():
            problems.append(
                fields.FieldProblem(
                    int(line),
                    "external_id",
                    str(record_id)[:200],
                    "id_twice",
                    {"first": first_line[record_id]},
                )
            )
    return frame.with_columns(
        pl.when(later)
        .then(pl.format("{} (line {})", pl.col("id"), pl.col("__line")))
        .otherwise(pl.col("id"))
        .alias("id")
    )


def _countries(frame: pl.DataFrame, problems: list[fields.FieldProblem] | None) -> pl.DataFrame:
    """Countries as ISO alpha-2 (the distinct values only are looked up); an unknown country is left out."""
    if "country" not in frame.columns:
        return frame
    distinct = frame["country"].unique().to_list()
    codes: dict[str, str] = {}
    unknown: set[str] = set()
    with _COUNTRY_LOOKUP:
        for value in distinct:
            if value is None or value == "":
                continue
            try:
                codes[value] = fields.country_code(value)
            except ValueError:
                codes[value] = ""
                unknown.add(value)
    if problems is not None and unknown:
        for value, line in (
            frame.filter(pl.col("country").is_in(list(unknown))).select("country", "__line").iter_rows()
        ):
            problems.append(fields.FieldProblem(int(line), "country", str(value)[:200], "unknown_country"))
    if not codes:
        return frame
    return frame.with_columns(pl.col("country").replace(codes))


def _check_fields(frame: pl.DataFrame, problems: list[fields.FieldProblem]) -> None:
    """The per-row checks of the shared field rules (VAT id, postal code, domain, e-mail, phone), for the report only:
    the engine normalises these fields itself."""
    checked = [
        name for name in ("vat_id", "postal_code", "domain", "email", "phone") if name in frame.columns
    ]
    if not checked:
        return
    for row in frame.select("__line", "country", *checked).iter_rows(named=True):
        if not any(row[name] for name in checked):
            continue
        values: dict[str, str] = {name: row[name] or "" for name in checked}
        values["country"] = row["country"] or ""
        _cleaned, found = fields.check_company_fields(int(row["__line"]), values)
        problems.extend(problem for problem in found if problem.field != "country")


def read_company_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    problems: list[fields.FieldProblem] | None = None,
) -> list[CompanyRecord]:
    """Read a company CSV file into records: every row with a name (see ``read_company_table`` for what is
    detected and checked; pass a list as ``problems`` to get the warnings)."""
    table = read_company_table(path, columns=columns, problems=problems)
    return [CompanyRecord(*row) for row in table.frame.select(COMPANY_FIELDS).iter_rows()]
