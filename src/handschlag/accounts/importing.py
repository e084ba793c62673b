"""Reading CRM exports: file formats, encodings, header mapping and row parsing. No ORM in here.

`open_table` turns a CSV or XLSX file into headers and rows; `map_columns` finds which column holds which
account field (a CRM preset first, then synonyms in German and English); `parse_row` turns one row into clean
values or a list of errors, each naming the line, the field and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat

from handschlag.accounts.enums import AccountStatus, ImportPreset
from handschlag.core.money import MAX_DIGITS, parse_decimal

MAX_FIELD_CHARS = 1_000_000
MAX_COLUMNS = 500
csv.field_size_limit(MAX_FIELD_CHARS)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong format, encoding, missing required column …)."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    file_format: str
    encoding: str = ""
    delimiter: str = ""


@dataclass
class RowError:
    line: int
    field: str
    value: str
    reason: str


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any] = field(default_factory=dict)


# --- reading files -------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 — what German Excel writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        declared = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        declared = "utf-16"
    else:
        declared = ""
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file says it is %(encoding)s but is not.") % {"encoding": declared}
            ) from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), "windows-1252" if encoding == "cp1252" else encoding
        except UnicodeDecodeError as error:
            bad_at = error.start
    line = data.count(b"\n", 0, bad_at) + 1
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


def _csv_rows(text: str, delimiter: str, source: str) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num
            if "field larger than field limit" in str(error):
                raise ImportFileError(
                    _("Line %(line)d of %(file)s has a field longer than %(limit)d characters.")
                    % {"line": line, "file": source, "limit": MAX_FIELD_CHARS},
                    line=line,
                ) from None
            raise ImportFileError(
                _("Line %(line)d of %(file)s is not valid CSV: %(reason)s")
                % {"line": line, "file": source, "reason": error},
                line=line,
            ) from None
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def _xlsx_table(path: Path, source: str) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # a file object, not the path: stored uploads have generated names without the .xlsx suffix
        workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise ImportFileError(
            _("%(file)s is not a readable Excel workbook (%(reason)s).") % {"file": source, "reason": error}
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None or not any(cell not in (None, "") for cell in header_row):
        raise ImportFileError(_("The first sheet of %(file)s is empty.") % {"file": source})
    headers = ["" if cell is None else str(cell).strip() for cell in header_row]

    def body() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(rows, start=2):
            values = ["" if cell is None else cell for cell in cells]
            if any(str(value).strip() for value in values):
                yield number, values
        workbook.close()

    return Table(headers=headers, rows=body(), file_format="xlsx")


def open_table(path: Path, *, source: str) -> Table:
    """Open a CSV or XLSX file. `source` is the user's file name, used in messages."""
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("%(file)s is empty.") % {"file": source})
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_table(path, source)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("%(file)s is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.")
            % {"file": source}
        )
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("%(file)s is not a CSV or Excel file (it contains binary data).") % {"file": source}
        )
    text, encoding = _decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    if len(first_line) > MAX_FIELD_CHARS:
        raise ImportFileError(
            _("The first line of %(file)s is too long to be a header.") % {"file": source}, line=1
        )
    delimiter = _detect_delimiter(first_line)
    rows = _csv_rows(text, delimiter, source)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(_("%(file)s has no header row.") % {"file": source})
    headers = [str(cell).strip() for cell in first[1]]
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(
            _("%(file)s has more than %(limit)d columns.") % {"file": source, "limit": MAX_COLUMNS}
        )
    return Table(headers=headers, rows=rows, file_format="csv", encoding=encoding, delimiter=delimiter)


# --- header mapping ------------------------------------------------------------------------------------------

ACCOUNT_IMPORT_FIELDS = [
    "external_id",
    "name",
    "legal_form",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "industry",
    "employees",
    "annual_revenue",
    "status",
    "customer_since",
    "owner",
    "tags",
]

PRESETS: dict[str, dict[str, str]] = {
    ImportPreset.SALESFORCE: {
        "Account ID": "external_id",
        "Account Name": "name",
        "Website": "domain",
        "Billing Street": "street",
        "Billing Zip/Postal Code": "postal_code",
        "Billing City": "city",
        "Billing Country": "country",
        "Industry": "industry",
        "Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Type": "status",
        "Account Owner": "owner",
        "Customer Since": "customer_since",
        "VAT Number": "vat_id",
    },
    ImportPreset.HUBSPOT: {
        "Record ID": "external_id",
        "Company name": "name",
        "Company Domain Name": "domain",
        "Street Address": "street",
        "Postal Code": "postal_code",
        "City": "city",
        "Country/Region": "country",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Lifecycle Stage": "status",
        "Company owner": "owner",
        "Became a Customer Date": "customer_since",
        "VAT ID": "vat_id",
    },
    ImportPreset.PIPEDRIVE: {
        "Organization - ID": "external_id",
        "Organization - Name": "name",
        "Organization - Website": "domain",
        "Organization - Address - Street/road name": "street",
        "Organization - Address - ZIP/Postal code": "postal_code",
        "Organization - Address - City/town/village/locality": "city",
        "Organization - Address - Country": "country",
        "Organization - Industry": "industry",
        "Organization - Number of employees": "employees",
        "Organization - Annual revenue": "annual_revenue",
        "Organization - Label": "status",
        "Organization - Owner": "owner",
        "Organization - VAT ID": "vat_id",
    },
}

SYNONYMS: dict[str, list[str]] = {
    "external_id": [
        "id",
        "externalid",
        "crmid",
        "kundennummer",
        "kundennr",
        "debitorennummer",
        "accountid",
        "recordid",
        "organizationid",
        "companyid",
    ],
    "name": [
        "name",
        "company",
        "companyname",
        "firma",
        "firmenname",
        "unternehmen",
        "kunde",
        "kundenname",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
    ],
    "legal_form": ["legalform", "rechtsform"],
    "domain": ["domain", "website", "webseite", "url", "homepage", "internet", "web", "companydomainname"],
    "street": [
        "street",
        "strasse",
        "str",
        "address",
        "adresse",
        "anschrift",
        "billingstreet",
        "streetaddress",
    ],
    "postal_code": ["postalcode", "zip", "zipcode", "plz", "postleitzahl", "billingzippostalcode"],
    "city": ["city", "ort", "stadt", "town", "billingcity"],
    "country": ["country", "land", "countryregion", "billingcountry", "staat"],
    "vat_id": [
        "vatid",
        "vat",
        "vatnumber",
        "ustid",
        "ustidnr",
        "umsatzsteuerid",
        "ustidnummer",
        "umsatzsteueridentifikationsnummer",
    ],
    "industry": ["industry", "branche", "sector", "sektor"],
    "employees": ["employees", "mitarbeiter", "mitarbeiterzahl", "anzahlmitarbeiter", "numberofemployees"],
    "annual_revenue": ["annualrevenue", "revenue", "umsatz", "jahresumsatz"],
    "status": ["status", "type", "typ", "kundenstatus", "lifecyclestage", "art"],
    "customer_since": ["customersince", "kundeseit", "becameacustomerdate"],
    "owner": [
        "owner",
        "accountowner",
        "betreuer",
        "verkaeufer",
        "vertriebsmitarbeiter",
        "companyowner",
        "zustaendig",
        "kundenbetreuer",
    ],
    "tags": ["tags", "schlagworte", "labels", "stichworte"],
}

REQUIRED_FIELDS = ("name",)


def normalise_header(header: str) -> str:
    text = header.strip().lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text)


def map_columns(headers: list[str], preset: str = ImportPreset.AUTO) -> dict[str, int]:
    """Column index per account field. Raises ImportFileError when a required column is missing."""
    mapping: dict[str, int] = {}
    normalised = [normalise_header(header) for header in headers]
    preset_columns = {normalise_header(name): target for name, target in PRESETS.get(preset, {}).items()}
    for index, key in enumerate(normalised):
        target = preset_columns.get(key)
        if target and target not in mapping:
            mapping[target] = index
    for target, synonyms in SYNONYMS.items():
        if target in mapping:
            continue
        all_names = synonyms + [
            normalise_header(name)
            for preset_map in PRESETS.values()
            for name, field_name in preset_map.items()
            if field_name == target
        ]
        for index, key in enumerate(normalised):
            if key in all_names and index not in mapping.values():
                mapping[target] = index
                break
    missing = [name for name in REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise ImportFileError(
            _(
                "No column for the company name. Name it “Name”, “Firma”, “Company” or “Account Name”. "
                "Columns found: %(columns)s"
            )
            % {"columns": ", ".join(header for header in headers if header) or "—"},
            line=1,
        )
    return mapping


# --- values --------------------------------------------------------------------------------------------------

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(value: str) -> str:
    """`https://www.Example.de/kontakt` and `info@example.de` both become `example.de`."""
    text = value.strip().lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(value) from None
    if not _DOMAIN.match(text):
        raise ValueError(value)
    return text


def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", "de"):
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names[normalise_header(name)] = code
    names.update(
        {
            "brd": "DE",
            "deu": "DE",
            "ger": "DE",
            "aut": "AT",
            "che": "CH",
            "uk": "GB",
            "england": "GB",
            "usa": "US",
            "holland": "NL",
        }
    )
    return names


_COUNTRY_NAMES: dict[str, str] | None = None


def normalise_country(value: str) -> str:
    global _COUNTRY_NAMES
    text = value.strip()
    if not text:
        return ""
    if _COUNTRY_NAMES is None:
        _COUNTRY_NAMES = _country_names()
    if len(text) == 2 and text.isalpha() and text.upper() in _COUNTRY_NAMES.values():
        return text.upper()
    code = _COUNTRY_NAMES.get(normalise_header(text))
    if code is None:
        raise ValueError(value)
    return code


def normalise_postal_code(value: Any, country: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    text = str(value).strip().replace(" ", "") if country in {"DE", "AT", "CH", ""} else str(value).strip()
    if text.upper().startswith(("D-", "A-", "CH-")):
        text = text.split("-", 1)[1]
    if country in {"DE", ""} and text.isdigit() and len(text) == 4:
        text = "0" + text  # Excel drops the leading zero of Dresden's 01067
    if country == "DE" and not re.fullmatch(r"\d{5}", text):
        raise ValueError(value)
    if country in {"AT", "CH"} and not re.fullmatch(r"\d{4}", text):
        raise ValueError(value)
    if len(text) > 12:
        raise ValueError(value)
    return text


def normalise_vat_id(value: str) -> str:
    compact = eu_vat.compact(value) if value.strip() else ""
    if compact and not eu_vat.is_valid(compact):
        raise ValueError(value)
    return compact


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


@dataclass
class RowContext:
    decimal_comma: bool
    owners: dict[str, int]


def parse_row(
    line: int, cells: list[Any], mapping: dict[str, int], context: RowContext
) -> tuple[ParsedRow, list[RowError]]:
    """Clean one row. Only mapped fields appear in the result; an empty cell clears nothing but `name`."""
    row = ParsedRow(line=line)
    errors: list[RowError] = []

    def cell(name: str) -> Any:
        index = mapping.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def fail(name: str, raw: Any, reason: str) -> None:
        errors.append(RowError(line=line, field=name, value=_text(raw)[:200], reason=reason))

    for name, limit in TEXT_LIMITS.items():
        if name not in mapping:
            continue
        text = _text(cell(name))
        if len(text) > limit:
            fail(name, text, _("longer than %(limit)d characters") % {"limit": limit})
            continue
        if name == "tags":
            text = ",".join(tag.strip() for tag in re.split(r"[,;|]", text) if tag.strip())
        row.values[name] = text
    if not row.values.get("name") and not any(error.field == "name" for error in errors):
        fail("name", cell("name"), _("the company name is empty"))

    country = ""
    if "country" in mapping and _text(cell("country")):
        try:
            country = normalise_country(_text(cell("country")))
            row.values["country"] = country
        except ValueError:
            fail("country", cell("country"), _("unknown country"))
    if "domain" in mapping:
        try:
            row.values["domain"] = normalise_domain(_text(cell("domain")))
        except ValueError:
            fail("domain", cell("domain"), _("not a web address or domain"))
    if "postal_code" in mapping and _text(cell("postal_code")):
        try:
            row.values["postal_code"] = normalise_postal_code(cell("postal_code"), country or "DE")
        except ValueError:
            fail(
                "postal_code",
                cell("postal_code"),
                _("not a postal code of %(country)s") % {"country": country or "DE"},
            )
    if "vat_id" in mapping:
        try:
            row.values["vat_id"] = normalise_vat_id(_text(cell("vat_id")))
        except ValueError:
            fail("vat_id", cell("vat_id"), _("not a valid VAT id (check digits or country prefix)"))
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
            fail("employees", raw, _("not a whole number of employees"))
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
            fail("annual_revenue", raw, _("not an amount (e.g. 1.234.567,89)"))
    if "status" in mapping and _text(cell("status")):
        try:
            row.values["status"] = parse_status(cell("status"))
        except ValueError:
            fail("status", cell("status"), _("unknown status (use customer, prospect or former customer)"))
    if "customer_since" in mapping and _text(cell("customer_since")):
        try:
            row.values["customer_since"] = parse_date(cell("customer_since"))
        except ValueError:
            fail("customer_since", cell("customer_since"), _("not a date (e.g. 31.12.2026 or 2026-12-31)"))
    if "owner" in mapping and _text(cell("owner")):
        owner_id = context.owners.get(_text(cell("owner")).lower())
        if owner_id is None:
            fail("owner", cell("owner"), _("no user of that name, user name or e-mail"))
        else:
            row.values["owner_id"] = owner_id
    return row, errors
