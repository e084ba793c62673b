"""The one field list and header table for every company list handschlag reads, and the checks of optional fields.

Used by the accounts import (page, API, ``handschlag import accounts``), by partner lists uploaded for a mapping
run, and by the engine's own CSV reader (``handschlag match``). Pure Python, no Django: the engine owns it and the
apps import it (docs/adr/0106-one-reader-warnings-not-refusals.md).

The rule: a company is kept whenever it has a usable name. An optional field in a poor state is kept as it is
(a VAT id with a wrong check digit, a postal code that does not fit the country) or dropped (an unknown country,
something that is no VAT id at all), and reported as a ``FieldProblem`` — a warning, never a refusal. Problems
carry a ``code`` and parameters, so that the apps can word them in the user's language; ``text`` is the English
wording for the command line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any, Final

# --- the field list ------------------------------------------------------------------------------------------

#: Every field a company list may carry, in the order a column mapping is shown.
COMPANY_LIST_FIELDS: Final[tuple[str, ...]] = (
    "external_id",
    "name",
    "legal_form",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "phone",
    "email",
    "industry",
    "employees",
    "annual_revenue",
    "status",
    "customer_since",
    "owner",
    "tags",
)

#: What the matching engine compares (``external_id`` becomes a record's id).
MATCHING_LIST_FIELDS: Final[tuple[str, ...]] = (
    "external_id",
    "name",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "phone",
    "email",
)

REQUIRED_FIELDS: Final[tuple[str, ...]] = ("name",)

#: The value a column mapping uses for a column that is to be ignored.
IGNORE: Final = ""

# --- the header table ----------------------------------------------------------------------------------------

#: Header names per field, compared by ``header_key`` (lower case, umlauts spelled out, letters and digits only).
#: The first field whose list holds a header wins; each field takes the first column that fits.
HEADER_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "external_id": (
        "id",
        "externalid",
        "crmid",
        "accountid",
        "recordid",
        "organizationid",
        "organisationid",
        "companyid",
        "customerid",
        "customerno",
        "customernumber",
        "clientid",
        "kundennummer",
        "kundennr",
        "kdnr",
        "kdnummer",
        "kundenid",
        "debitor",
        "debitornr",
        "debitorennummer",
        "debitorennr",
        "debitornummer",
        "firmenid",
        "partnerid",
        "nummer",
        "nr",
        "key",
    ),
    "name": (
        "name",
        "company",
        "companyname",
        "firma",
        "firmenname",
        "firmierung",
        "unternehmen",
        "unternehmensname",
        "kunde",
        "kundenname",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "name1",
        "legalname",
    ),
    "legal_form": ("legalform", "rechtsform"),
    "domain": (
        "domain",
        "website",
        "webseite",
        "url",
        "homepage",
        "internet",
        "internetadresse",
        "web",
        "www",
        "companydomainname",
    ),
    "street": (
        "street",
        "strasse",
        "str",
        "strassehausnummer",
        "strasseundhausnummer",
        "address",
        "adresse",
        "anschrift",
        "address1",
        "addressline1",
        "billingstreet",
        "streetaddress",
    ),
    "postal_code": (
        "postalcode",
        "postcode",
        "postal",
        "zip",
        "zipcode",
        "plz",
        "postleitzahl",
        "billingpostalcode",
        "billingzippostalcode",
    ),
    "city": ("city", "ort", "stadt", "town", "gemeinde", "locality", "billingcity"),
    "country": (
        "country",
        "land",
        "staat",
        "countryregion",
        "countrycode",
        "laenderkennzeichen",
        "laendercode",
        "billingcountry",
    ),
    "vat_id": (
        "vatid",
        "vat",
        "vatnumber",
        "vatno",
        "vatregistration",
        "vatregistrationnumber",
        "ustid",
        "ustidnr",
        "ustidnummer",
        "ust",
        "umsatzsteuerid",
        "umsatzsteueridentifikationsnummer",
        "uid",
        "uidnummer",
        "mwstnr",
        "mwstnummer",
        "taxid",
    ),
    "phone": ("phone", "telephone", "tel", "telefon", "telefonnummer", "phonenumber", "festnetz"),
    "email": ("email", "mail", "emailadresse", "emailaddress", "mailadresse"),
    "industry": ("industry", "branche", "sector", "sektor"),
    "employees": ("employees", "mitarbeiter", "mitarbeiterzahl", "anzahlmitarbeiter", "numberofemployees"),
    "annual_revenue": ("annualrevenue", "revenue", "umsatz", "jahresumsatz"),
    "status": ("status", "type", "typ", "kundenstatus", "lifecyclestage", "art"),
    "customer_since": ("customersince", "kundeseit", "becameacustomerdate"),
    "owner": (
        "owner",
        "accountowner",
        "companyowner",
        "betreuer",
        "kundenbetreuer",
        "verkaeufer",
        "vertriebsmitarbeiter",
        "zustaendig",
    ),
    "tags": ("tags", "schlagworte", "labels", "stichworte"),
}

#: The exact column names of CRM exports ("presets"): a preset's names are tried before the synonyms.
PRESET_HEADERS: Final[dict[str, dict[str, str]]] = {
    "salesforce": {
        "Account ID": "external_id",
        "Account Name": "name",
        "Website": "domain",
        "Billing Street": "street",
        "Billing Zip/Postal Code": "postal_code",
        "Billing City": "city",
        "Billing Country": "country",
        "Phone": "phone",
        "Industry": "industry",
        "Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Type": "status",
        "Account Owner": "owner",
        "Customer Since": "customer_since",
        "VAT Number": "vat_id",
    },
    "hubspot": {
        "Record ID": "external_id",
        "Company name": "name",
        "Company Domain Name": "domain",
        "Street Address": "street",
        "Postal Code": "postal_code",
        "City": "city",
        "Country/Region": "country",
        "Phone Number": "phone",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Lifecycle Stage": "status",
        "Company owner": "owner",
        "Became a Customer Date": "customer_since",
        "VAT ID": "vat_id",
    },
    "pipedrive": {
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


def header_key(header: str) -> str:
    """``"Kd.-Nr."`` → ``"kdnr"``, ``"Straße"`` → ``"strasse"``: how headers and words are compared."""
    text = header.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text)


@lru_cache(maxsize=8)
def _field_by_key(preset: str) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for name, target in PRESET_HEADERS.get(preset, {}).items():
        by_key.setdefault(header_key(name), target)
    for target, names in HEADER_NAMES.items():
        for name in names:
            by_key.setdefault(name, target)
    for preset_map in PRESET_HEADERS.values():
        for name, target in preset_map.items():
            by_key.setdefault(header_key(name), target)
    return by_key


def detect_field(header: str, *, preset: str = "") -> str:
    """The field a header names, or "" when it names none."""
    return _field_by_key(preset).get(header_key(header), IGNORE)


class ColumnMappingError(ValueError):
    """A column mapping that cannot be used: ``code`` says why ("unknown_field", "field_twice", "no_name",
    "unknown_column"), ``subject`` names the field or column."""

    def __init__(self, code: str, subject: str) -> None:
        super().__init__(f"{code}: {subject}")
        self.code = code
        self.subject = subject


def map_columns(
    headers: list[str],
    *,
    preset: str = "",
    columns: Mapping[str, str] | None = None,
    fields: Iterable[str] = COMPANY_LIST_FIELDS,
) -> dict[str, int]:
    """Column index per field.

    ``columns`` (header → field, ``IGNORE`` to leave a column out) overrides the detection for the headers it
    names, compared exactly and then by ``header_key`` (a saved mapping still fits when an export spells a
    header in another case); the other headers are detected. Raises ``ColumnMappingError`` for a field that is
    not in ``fields``, a field given to two columns, or no column for the name."""
    allowed = set(fields)
    requested: dict[str, str] = {}
    requested_by_key: dict[str, str] = {}
    for header, target in (columns or {}).items():
        if target and target not in allowed:
            raise ColumnMappingError("unknown_field", target)
        requested[header] = target
        requested_by_key.setdefault(header_key(header), target)
    mapping: dict[str, int] = {}
    explicit: set[int] = set()
    for index, header in enumerate(headers):
        if header in requested or header_key(header) in requested_by_key:
            explicit.add(index)
            target = requested[header] if header in requested else requested_by_key[header_key(header)]
            if not target:
                continue
            if target in mapping:
                raise ColumnMappingError("field_twice", target)
            mapping[target] = index
    for index, header in enumerate(headers):
        if index in explicit:
            continue
        target = detect_field(header, preset=preset)
        if target and target in allowed and target not in mapping:
            mapping[target] = index
    for required in REQUIRED_FIELDS:
        if required in allowed and required not in mapping:
            raise ColumnMappingError("no_name", required)
    return mapping


# --- countries -----------------------------------------------------------------------------------------------

# The languages whose country names are understood: German and English first (they win a clash), then the
# languages of the countries whose CRMs handschlag meets.
_COUNTRY_NAME_LANGUAGES: Final = (
    *("de", "en", "fr", "it", "es", "pt", "nl", "pl", "cs", "sk", "hu", "ro", "bg", "hr", "sl", "sv"),
    *("da", "fi", "nb", "nn", "is", "el", "et", "lv", "lt", "ga", "mt", "lb", "tr", "sr", "rm"),
)
# Names in common use that CLDR does not list (it has "Vereinigtes Königreich", not "Großbritannien").
_MORE_COUNTRY_NAMES: Final = {
    "grossbritannien": "GB",
    "greatbritain": "GB",
    "britain": "GB",
    "england": "GB",
    "schottland": "GB",
    "scotland": "GB",
    "wales": "GB",
    "nordirland": "GB",
    "northernireland": "GB",
    "uk": "GB",
    "vk": "GB",
    "brd": "DE",
    "bundesrepublikdeutschland": "DE",
    "federalrepublicofgermany": "DE",
    "ger": "DE",
    "holland": "NL",
    "thenetherlands": "NL",
    "niederlande": "NL",
    "usa": "US",
    "vereinigtestaatenvonamerika": "US",
    "unitedstatesofamerica": "US",
    "czechrepublic": "CZ",
    "tschechischerepublik": "CZ",
    "slowakischerepublik": "SK",
    "slovakrepublic": "SK",
    "republicofireland": "IE",
    "eire": "IE",
    "russland": "RU",
    "fuerstentumliechtenstein": "LI",
    # official long names
    "schweizerischeeidgenossenschaft": "CH",
    "confederationsuisse": "CH",
    "confederazionesvizzera": "CH",
    "swissconfederation": "CH",
    "republikoesterreich": "AT",
    "republicofaustria": "AT",
    "vereinigteskoenigreichgrossbritannienundnordirland": "GB",
    "unitedkingdomofgreatbritainandnorthernireland": "GB",
    "koninkrijkdernederlanden": "NL",
    "kingdomofthenetherlands": "NL",
    "republiquefrancaise": "FR",
    "repubblicaitaliana": "IT",
    "reinodeespana": "ES",
    "kingdomofspain": "ES",
    "koenigreichbelgien": "BE",
    "kingdomofbelgium": "BE",
    "grandduchyofluxembourg": "LU",
    "grossherzogtumluxemburg": "LU",
    "rzeczpospolitapolska": "PL",
    # the international vehicle codes German CRMs use for countries ("D", "A", "CH" …)
    "d": "DE",
    "a": "AT",
    "fl": "LI",
    "f": "FR",
    "i": "IT",
    "e": "ES",
    "p": "PT",
    "b": "BE",
    "l": "LU",
    "s": "SE",
    "n": "NO",
    "h": "HU",
    "slo": "SI",
    "fin": "FI",
}
# CLDR codes that are no country
_NOT_COUNTRIES: Final = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}


@lru_cache(maxsize=1)
def _country_table() -> dict[str, str]:
    # babel's names, made once by `python -m handschlag.matching._make_country_names` (building them from
    # babel took 0.2 s per run); tests/matching/test_country_names.py checks the module against babel
    from handschlag.matching._country_names import BABEL_COUNTRY_NAMES

    return {**BABEL_COUNTRY_NAMES, **_MORE_COUNTRY_NAMES}


def babel_country_names() -> dict[str, str]:
    """Country key (``header_key`` of a name or code) → ISO 3166 alpha-2, from babel's territory names in
    ``_COUNTRY_NAME_LANGUAGES`` (the first language's name wins), the codes themselves and CLDR's
    territory aliases (alpha-3 and old codes)."""
    from babel import Locale
    from babel.core import get_global

    names: dict[str, str] = {}
    codes: set[str] = set()
    for language in _COUNTRY_NAME_LANGUAGES:
        territories = Locale(language).territories
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                codes.add(code)
                names.setdefault(header_key(name), code)
    for code in codes:
        names.setdefault(code.lower(), code)
    for alias, targets in get_global("territory_aliases").items():
        # ISO 3166 alpha-3 ("DEU", "NLD") and old codes ("UK") → alpha-2
        if alias.isalpha() and len(targets) == 1 and targets[0] in codes:
            names.setdefault(alias.lower(), targets[0])
    return names


@lru_cache(maxsize=4096)  # a list repeats its few country spellings on every row
def country_code(value: str) -> str:
    """ISO 3166 alpha-2 for a code (``DE``, ``DEU``), a German, English or local name (``Großbritannien``,
    ``Italia``, ``Schweiz``); "" for an empty value; ValueError when the country is not known."""
    text = value.strip()
    if not text:
        return ""
    key = header_key(text)
    code = _country_table().get(key)
    if code is None and key.startswith("the"):
        code = _country_table().get(key[3:])
    if code is None:
        raise ValueError(value)
    return code


# --- problems ------------------------------------------------------------------------------------------------

#: English wording of each problem code (the apps word them in the user's language).
PROBLEM_TEXTS: Final[dict[str, str]] = {
    "no_name": "the company name is empty; the row was left out",
    "id_twice": "the same id as line {first}; the row got an id of its own",
    "too_long": "longer than {limit} characters; shortened",
    "unknown_country": "unknown country; left out",
    "bad_domain": "not a web address or domain; left out",
    "vat_check_digit": "VAT id with a wrong check digit; kept as {value}, please check it",
    "vat_unknown": "not a VAT id of an EU country, Switzerland, the UK or Norway; left out",
    "postal_code_country": "does not fit the postal codes of {country}; kept as it is",
    "bad_email": "not an e-mail address; left out",
    "bad_phone": "not a phone number; left out",
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A field of a row in a poor state: the row is kept; ``field`` was kept as it is or left out."""

    line: int
    field: str
    value: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def text(self) -> str:
        return PROBLEM_TEXTS[self.code].format(value=self.value, **self.params)

    def one_line(self) -> str:
        return f"line {self.line}: {self.field}: {self.text} ({self.value!r})"


# --- VAT ids -------------------------------------------------------------------------------------------------

_VAT_SUFFIXES: Final = re.compile(r"(MWST|TVA|IVA|VAT|MVA)$")
_NOT_VAT_CHARACTERS: Final = re.compile(r"[^A-Z0-9]")


@lru_cache(maxsize=2048)
def _vat_module(prefix: str) -> Any:
    """The python-stdnum module that checks VAT ids with this prefix, or None. For an EU prefix the country's own
    module (what ``stdnum.eu.vat`` hands the number to, without its second clean-up of the characters)."""
    from stdnum.ch import vat as ch_vat
    from stdnum.eu import vat as eu_vat
    from stdnum.gb import vat as gb_vat
    from stdnum.no import mva as no_mva
    from stdnum.util import get_cc_module

    if prefix == "CH":
        return ch_vat
    if prefix == "GB":
        return gb_vat
    if prefix == "NO":
        return no_mva
    code = prefix.lower()
    if code in eu_vat.MEMBER_STATES or code == "el":
        return get_cc_module({"el": "gr", "xi": "gb"}.get(code, code), "vat")
    return None


def _vat_prefix_of_country(country: str) -> str:
    return {"GR": "EL", "CH": "CHE"}.get(country, country)


def vat_id_check(value: str, country: str = "") -> tuple[str, str]:
    """``(normalised, problem code)``: ``("DE136695976", "")`` for a valid id; the normalised value and
    ``"vat_check_digit"`` for one of the right form with a wrong check digit (kept, flagged); ``("",
    "vat_unknown")`` for something that is no VAT id of an EU country, Switzerland (UID/MWST), the UK or Norway
    (left out). A number without its country prefix takes the row's country."""
    compact = _NOT_VAT_CHARACTERS.sub("", value.upper())
    if not compact:
        return "", ""
    from stdnum.exceptions import InvalidChecksum, ValidationError

    if compact[:1].isdigit() and country:
        compact = _vat_prefix_of_country(country) + compact
    prefix = "CH" if compact.startswith("CHE") else compact[:2]
    module = _vat_module(prefix)
    if module is None and country:
        # a number without its prefix that starts with a letter (Spanish "B12345678", Austrian "U12345678")
        compact = _vat_prefix_of_country(country) + compact
        prefix = "CH" if compact.startswith("CHE") else compact[:2]
        module = _vat_module(prefix)
    if module is None:
        return "", "vat_unknown"
    if prefix == "CH":
        compact = _VAT_SUFFIXES.sub("", compact)  # CHE-107.787.577 MWST: the UID is the VAT id
        from stdnum.ch import uid as ch_uid

        module = ch_uid
    try:
        normalised = module.validate(compact)
    except InvalidChecksum:
        normalised = module.compact(compact)
        problem = "vat_check_digit"
    except ValidationError:
        return "", "vat_unknown"
    else:
        problem = ""
    normalised = str(normalised)
    if prefix != "CH" and not normalised.startswith(prefix):  # the country modules drop it, as the UK's does
        normalised = prefix + normalised
    return normalised[:20], problem


def vat_id_valid(value: str) -> bool:
    """True for a valid VAT id of an EU country, Switzerland, the UK or Norway."""
    normalised, problem = vat_id_check(value)
    return bool(normalised) and not problem


# --- postal codes --------------------------------------------------------------------------------------------

# The postal code forms of the countries handschlag's users trade with (Universal Postal Union formats).
POSTAL_CODE_FORMATS: Final[dict[str, str]] = {
    "DE": r"\d{5}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "LI": r"94\d{2}",
    "FR": r"\d{5}",
    "MC": r"980\d{2}",
    "IT": r"\d{5}",
    "SM": r"4789\d",
    "VA": r"00120",
    "ES": r"\d{5}",
    "AD": r"AD\d{3}",
    "PT": r"\d{4}-\d{3}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "LU": r"\d{4}",
    "DK": r"\d{4}",
    "SE": r"\d{3} ?\d{2}",
    "NO": r"\d{4}",
    "FI": r"\d{5}",
    "IS": r"\d{3}",
    "PL": r"\d{2}-\d{3}",
    "CZ": r"\d{3} ?\d{2}",
    "SK": r"\d{3} ?\d{2}",
    "HU": r"\d{4}",
    "SI": r"\d{4}",
    "HR": r"\d{5}",
    "RO": r"\d{6}",
    "BG": r"\d{4}",
    "GR": r"\d{3} ?\d{2}",
    "CY": r"\d{4}",
    "MT": r"[A-Z]{3} ?\d{2,4}",
    "EE": r"\d{5}",
    "LV": r"LV-\d{4}",
    "LT": r"LT-\d{5}",
    "IE": r"[AC-FHKNPRTV-Y]\d{2}|D6W ?[0-9AC-FHKNPRTV-Y]{4}|[AC-FHKNPRTV-Y]\d{2} ?[0-9AC-FHKNPRTV-Y]{4}",
    "GB": r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})",
    "RS": r"\d{5}",
    "TR": r"\d{5}",
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
}
_POSTAL_CODE_PATTERNS: Final = {
    country: re.compile(pattern) for country, pattern in POSTAL_CODE_FORMATS.items()
}
_SPACES: Final = re.compile(r"\s+")
# Prefixes CRMs put before a postal code ("D-10115", "CH-8001", "L-1234")
_POSTAL_PREFIX: Final = re.compile(
    r"^(D|A|CH|FL|F|I|B|L|NL|DK|S|N|FIN|PL|CZ|SK|H|SLO|HR|RO|BG|GR|E|P)-\s*(?=\d)"
)


def postal_code_check(value: Any, country: str) -> tuple[str, str]:
    """``(cleaned, problem code)``: the postal code tidied (``D-01067`` → ``01067``; Excel's 1067 → 01067 in
    Germany), and ``"postal_code_country"`` when it does not fit the country's format (kept all the same). The
    country defaults to Germany when the row has none; countries without a known format are not checked."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return "", ""
    text = _SPACES.sub(" ", text.upper())
    country = country or "DE"
    if country not in ("LV", "LT"):
        text = _POSTAL_PREFIX.sub("", text)
    if country in ("LV", "LT") and text.isdigit():
        text = f"{country}-{text}"
    if country in ("DE", "FR", "IT", "ES", "FI", "HR", "EE") and text.isdigit() and len(text) == 4:
        text = "0" + text  # a spreadsheet dropped the leading zero of 01067 Dresden
    if country == "PT" and text.isdigit() and len(text) == 7:
        text = f"{text[:4]}-{text[4:]}"
    if country == "PL" and text.isdigit() and len(text) == 5:
        text = f"{text[:2]}-{text[2:]}"
    if country in ("DE", "AT", "CH", "FR", "IT", "ES", "BE", "DK", "NO", "FI", "HU", "SI", "HR", "BG"):
        text = text.replace(" ", "")
    pattern = _POSTAL_CODE_PATTERNS.get(country)
    if pattern is not None and not pattern.fullmatch(text):
        return text[:20], "postal_code_country"
    return text[:20], ""


# --- domains -------------------------------------------------------------------------------------------------

_DOMAIN: Final = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain_check(value: str) -> tuple[str, str]:
    """``https://www.Example.de/kontakt`` and ``info@example.de`` both become ``example.de``; ``("",
    "bad_domain")`` for something that is no web address or domain."""
    text = value.strip().lower()
    if not text:
        return "", ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        return "", "bad_domain"
    if not _DOMAIN.match(text):
        return "", "bad_domain"
    return text, ""


# --- e-mail and phone ----------------------------------------------------------------------------------------

_EMAIL: Final = re.compile(
    r"^[^@\s]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+)$"
)
_PHONE: Final = re.compile(r"^\+?[\d\s()./-]{5,30}$")


def email_check(value: str) -> tuple[str, str]:
    text = value.strip()
    if not text:
        return "", ""
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if _EMAIL.match(text) is None:
        return "", "bad_email"
    return text.lower(), ""


def phone_check(value: Any) -> tuple[str, str]:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return "", ""
    if _PHONE.match(text) is None or sum(map(str.isdigit, text)) < 5:
        return "", "bad_phone"
    return text, ""


# --- the fields the engine compares --------------------------------------------------------------------------


def check_company_fields(line: int, values: Mapping[str, Any]) -> tuple[dict[str, str], list[FieldProblem]]:
    """The country, VAT id, postal code, domain, e-mail and phone of one row tidied, and what was wrong with them.

    Keeps what it can: an unknown country, a non-VAT id, a bad domain, e-mail or phone are left out; a VAT id with a wrong
    check digit and a postal code that does not fit the country are kept. Other fields pass through."""
    cleaned: dict[str, str] = {name: str(value) for name, value in values.items()}
    problems: list[FieldProblem] = []
    country = ""
    raw_country = str(values.get("country", ""))
    if raw_country.strip():
        try:
            country = country_code(raw_country)
        except ValueError:
            problems.append(FieldProblem(line, "country", raw_country[:200], "unknown_country"))
        cleaned["country"] = country
    if "vat_id" in values:
        normalised, code = vat_id_check(str(values["vat_id"]), country)
        cleaned["vat_id"] = normalised
        if code:
            shown = normalised if code == "vat_check_digit" else str(values["vat_id"]).strip()
            problems.append(FieldProblem(line, "vat_id", shown[:200], code))
    if "postal_code" in values:
        postal_code, code = postal_code_check(values["postal_code"], country)
        cleaned["postal_code"] = postal_code
        if code:
            problems.append(
                FieldProblem(line, "postal_code", postal_code, code, {"country": country or "DE"})
            )
    if "domain" in values:
        domain, code = domain_check(str(values["domain"]))
        cleaned["domain"] = domain
        if code:
            problems.append(FieldProblem(line, "domain", str(values["domain"]).strip()[:200], code))
    for name, check in (("email", email_check), ("phone", phone_check)):
        if name in values:
            tidy, code = check(str(values[name]) if name == "email" else values[name])
            cleaned[name] = tidy
            if code:
                problems.append(FieldProblem(line, name, str(values[name]).strip()[:200], code))
    return cleaned, problems
