"""Normalisation of company data: names, legal forms, domains, streets, postal codes, cities, countries, VAT ids.

Everything works on whole columns (polars expressions), so a million records are normalised in a few seconds.
The single-value functions at the bottom run the same expressions on one value; they exist for callers and
for the property tests, never for the hot path.

The normalised forms are matching keys, not display values: "Müller", "Mueller" and "Muller" all become
"muller"; "Hauptstraße 5a" becomes street "hauptstr" and house number "5a".
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import polars as pl
from stdnum.eu import vat as eu_vat

from handschlag.matching.vocabulary import (
    CITY_SPELLINGS,
    COUNTRY_CODES,
    LEGAL_FORM_CANONICAL,
    LEGAL_FORM_SPELLINGS,
    MULTI_LABEL_SUFFIXES,
    NAME_ABBREVIATIONS,
    NAME_STOPWORDS,
    SHARED_MAIL_DOMAINS,
)

RAW_FIELDS: Final = ("name", "domain", "street", "postal_code", "city", "country", "vat_id")

# Columns produced by ``normalise_frame`` (all ``pl.String``, null when unknown).
NORMALISED_FIELDS: Final = (
    "name_core",  # name without legal form, folded, abbreviations expanded
    "legal_form",  # canonical legal form ("gmbh", "ag", "gmbhcokg", ...) or null
    "domain_host",  # registrable domain, e.g. "mueller-bau.de"
    "domain_label",  # the company part of it, e.g. "mueller-bau"
    "street_name",  # e.g. "hauptstr"
    "house_number",  # e.g. "5a"
    "postal_code",  # e.g. "80331", leading zeros dropped
    "city",  # e.g. "frankfurt am main"
    "city_key",  # longest token of the city, e.g. "frankfurt"
    "country",  # ISO 3166 alpha-2 where known
    "vat_id",  # compact, validated VAT id, e.g. "DE136695976"; null when invalid
)

_SPECIAL_LETTERS: Final = {
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "\u0131": "i",  # dotless i
    "ŀ": "l",
    "ħ": "h",
}


def _fold_letters(text: pl.Expr) -> pl.Expr:
    """Lower case, ß → ss, accents and umlauts removed, and "ae/oe/ue" → "a/o/u" (Müller = Mueller = Muller)."""
    return (
        text.str.normalize("NFKD")
        .str.to_lowercase()
        .str.replace_many(list(_SPECIAL_LETTERS), list(_SPECIAL_LETTERS.values()))
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}+", "")
        .str.to_lowercase()
        .str.replace_all(r"([aou])e+", "$1")
    )


def _clean_words(text: pl.Expr) -> pl.Expr:
    """Folded letters; apostrophes and dots dropped ("G.m.b.H." → "gmbh"), other punctuation → single spaces."""
    return (
        _fold_letters(text)
        .str.replace_all("['\u2019`\u00b4.]", "")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars(" ")
        .str.replace_all(r"([aou])e+", "$1")
    )


def _empty_to_null(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.len_bytes() > 0).then(text).otherwise(None)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return "|".join(re.escape(word) for word in ordered)


_LEGAL_SUFFIX_PATTERN: Final = rf"^(.*?)((?: (?:{_alternation(LEGAL_FORM_SPELLINGS)}))*)$"
_LEGAL_FORM_BY_SPACELESS: Final = {
    spelling.replace(" ", ""): LEGAL_FORM_CANONICAL.get(spelling, spelling).replace(" ", "")
    for spelling in LEGAL_FORM_SPELLINGS + tuple(LEGAL_FORM_CANONICAL)
}


def _name_columns(name: pl.Expr) -> list[pl.Expr]:
    words = (
        _clean_words(name)
        .str.split(" ")
        .list.eval(pl.element().filter(~pl.element().is_in(list(NAME_STOPWORDS))).replace(NAME_ABBREVIATIONS))
        .list.join(" ")
    )
    spaced = pl.lit(" ") + words
    core = spaced.str.extract(_LEGAL_SUFFIX_PATTERN, 1).str.strip_chars(" ")
    suffix = spaced.str.extract(_LEGAL_SUFFIX_PATTERN, 2).str.replace_all(" ", "")
    name_core = pl.when(core.str.len_bytes() > 0).then(core).otherwise(words)
    legal_form = _empty_to_null(suffix.replace(_LEGAL_FORM_BY_SPACELESS))
    return [_empty_to_null(name_core).alias("name_core"), legal_form.alias("legal_form")]


_MULTI_LABEL_ALTERNATION: Final = _alternation(list(MULTI_LABEL_SUFFIXES))


def _domain_columns(domain: pl.Expr) -> list[pl.Expr]:
    host = (
        domain.str.to_lowercase()
        .str.replace_all(r"\s+", "")
        .str.replace(r"^mailto:", "")
        .str.replace(r"^[a-z][a-z0-9+.-]*://", "")
        .str.replace(r"^[^/?#]*@", "")
        .str.replace(r"[/?#\\].*$", "")
        .str.replace(r":\d*$", "")
        .str.strip_chars(".")
        .str.replace(r"^www\d*\.", "")
    )
    valid = host.str.contains(r"^[\p{L}\p{N}][\p{L}\p{N}.-]*\.[\p{L}]{2,}$")
    multi_label_host = host.str.extract(rf"([^.]+\.(?:{_MULTI_LABEL_ALTERNATION}))$", 1)
    registrable = multi_label_host.fill_null(host.str.extract(r"([^.]+\.[^.]+)$", 1))
    label = registrable.str.extract(r"^([^.]+)\.", 1)
    usable = valid & ~label.is_in(list(SHARED_MAIL_DOMAINS))
    return [
        pl.when(usable).then(registrable).otherwise(None).alias("domain_host"),
        pl.when(usable).then(label).otherwise(None).alias("domain_label"),
    ]


_HOUSE_NUMBER: Final = r"\d+ ?[a-z]?(?: ?[-/] ?\d+ ?[a-z]?)?"


def _street_columns(street: pl.Expr) -> list[pl.Expr]:
    words = (
        _fold_letters(street)
        .str.replace_all(r"[^\p{L}\p{N}/-]+", " ")
        .str.replace_all(r"(\d) ?- ?(\d)", "$1-$2")
        .str.strip_chars(" -/")
    )
    trailing_number = words.str.extract(rf"(?:^| )({_HOUSE_NUMBER})$", 1)
    leading_number = words.str.extract(rf"^({_HOUSE_NUMBER}) ", 1)
    has_trailing = trailing_number.is_not_null()
    rest = (
        pl.when(has_trailing)
        .then(words.str.replace(rf"(?:^| )(?:{_HOUSE_NUMBER})$", ""))
        .otherwise(words.str.replace(rf"^(?:{_HOUSE_NUMBER}) ", ""))
    )
    house_number = (
        pl.when(has_trailing).then(trailing_number).otherwise(leading_number).str.replace_all(" ", "")
    )
    street_name = (
        rest.str.replace_all(r"strasse|str\b", "str")
        .str.replace_all(r"[^\p{L}\p{N}]+", "")
        .str.replace_all(r"([aou])e+", "$1")
    )
    return [
        _empty_to_null(street_name).alias("street_name"),
        _empty_to_null(house_number).alias("house_number"),
    ]


def _postal_code_column(postal_code: pl.Expr) -> pl.Expr:
    compact = (
        postal_code.str.to_uppercase()
        .str.strip_chars()
        .str.replace(r"^[A-Z]{1,3} *[- ] *(\d)", "$1")
        .str.replace_all(r"[^\p{L}\p{N}]+", "")
    )
    without_zeros = (
        pl.when(compact.str.contains(r"^\d+$")).then(compact.str.strip_chars_start("0")).otherwise(compact)
    )
    return _empty_to_null(without_zeros).alias("postal_code")


def _city_columns(city: pl.Expr) -> list[pl.Expr]:
    words = _clean_words(city).str.split(" ").list.eval(pl.element().replace(CITY_SPELLINGS))
    joined = _empty_to_null(words.list.join(" "))
    longest = words.list.eval(pl.element().sort_by(pl.element().str.len_bytes(), descending=True).first())
    return [joined.alias("city"), _empty_to_null(longest.list.first()).alias("city_key")]


def _country_column(country: pl.Expr) -> pl.Expr:
    words = _clean_words(country)
    coded = words.replace_strict(COUNTRY_CODES, default=None, return_dtype=pl.String)
    fallback = pl.when(words.str.len_bytes() == 2).then(words.str.to_uppercase()).otherwise(words)
    return _empty_to_null(coded.fill_null(fallback)).alias("country")


_VAT_PREFIX_BY_COUNTRY: Final = {"GR": "EL"}


def _vat_id_compact(vat_id: pl.Expr, country: pl.Expr) -> pl.Expr:
    compact = vat_id.str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", "")
    prefix = country.replace(_VAT_PREFIX_BY_COUNTRY)
    with_prefix = (
        pl.when(compact.str.contains(r"^\d") & prefix.str.contains(r"^[A-Z]{2}$"))
        .then(prefix + compact)
        .otherwise(compact)
    )
    return _empty_to_null(with_prefix)


def german_vat_ids_valid(numbers: np.ndarray) -> np.ndarray:
    """Check digits of German VAT ids ("DE" + 9 digits, ISO 7064 MOD 11,10) for an array of strings at once.

    Gives the same answer as ``stdnum.de.vat.is_valid``; a test checks that on many generated numbers.
    """
    as_bytes = np.asarray(numbers, dtype="S11")
    well_formed = np.char.startswith(as_bytes, b"DE") & (np.char.str_len(as_bytes) == 11)
    digits = as_bytes.view(np.uint8).reshape(-1, 11)[:, 2:].astype(np.int64) - ord("0")
    well_formed &= np.all((digits >= 0) & (digits <= 9), axis=1)
    well_formed &= digits[:, 0] != 0
    check = np.full(len(as_bytes), 5, dtype=np.int64)
    for column in range(9):
        check = (((np.where(check == 0, 10, check)) * 2) % 11 + digits[:, column]) % 10
    valid: np.ndarray = well_formed & (check == 1)
    return valid


def _validate_vat_ids(vat_ids: pl.Series) -> pl.Series:
    """Null out VAT ids that fail their country's check (python-stdnum; a vectorised fast path for DE)."""
    present = vat_ids.is_not_null().to_numpy()
    values = vat_ids.drop_nulls().to_numpy().astype(str)
    values_valid = np.zeros(len(values), dtype=bool)
    german = np.char.startswith(values, "DE")
    if german.any():
        values_valid[german] = german_vat_ids_valid(values[german])
    others = values[~german]
    if len(others):
        valid_others = [number for number in np.unique(others) if eu_vat.is_valid(str(number))]
        values_valid[~german] = np.isin(others, valid_others)
    valid = np.zeros(len(vat_ids), dtype=bool)
    valid[present] = values_valid
    return pl.select(pl.when(pl.Series(valid)).then(vat_ids).otherwise(None).alias(vat_ids.name)).to_series()


def normalise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Normalised columns (``NORMALISED_FIELDS``) for a frame with the raw string columns ``RAW_FIELDS``.

    Missing raw columns count as empty. The result has one row per input row, in the same order.
    """
    raw = frame.with_columns(
        [
            (pl.col(field) if field in frame.columns else pl.lit(None, dtype=pl.String)).alias(field)
            for field in RAW_FIELDS
        ]
    ).with_columns(pl.col(field).cast(pl.String).str.strip_chars() for field in RAW_FIELDS)
    normalised = raw.lazy().select(
        *_name_columns(pl.col("name")),
        *_domain_columns(pl.col("domain")),
        *_street_columns(pl.col("street")),
        _postal_code_column(pl.col("postal_code")),
        *_city_columns(pl.col("city")),
        _country_column(pl.col("country")),
        pl.col("vat_id").alias("vat_raw"),
    )
    normalised = normalised.with_columns(
        _vat_id_compact(pl.col("vat_raw"), pl.col("country")).alias("vat_id")
    )
    collected = normalised.collect()
    return collected.with_columns(_validate_vat_ids(collected["vat_id"]).alias("vat_id")).select(
        NORMALISED_FIELDS
    )


def _normalise_one(field: str, value: str, country: str = "") -> pl.DataFrame:
    frame = pl.DataFrame(
        {"value": [value], "country_raw": [country]}, schema={"value": pl.String, "country_raw": pl.String}
    )
    value_column = pl.col("value").str.strip_chars()
    builders: dict[str, list[pl.Expr]] = {
        "name": _name_columns(value_column),
        "domain": _domain_columns(value_column),
        "street": _street_columns(value_column),
        "postal_code": [_postal_code_column(value_column)],
        "city": _city_columns(value_column),
        "country": [_country_column(value_column)],
    }
    if field != "vat_id":
        return frame.select(builders[field])
    with_country = frame.with_columns(_country_column(pl.col("country_raw").str.strip_chars()))
    compact = with_country.select(_vat_id_compact(value_column, pl.col("country")).alias("vat_id"))
    return compact.with_columns(_validate_vat_ids(compact["vat_id"]).alias("vat_id"))


def _one(frame: pl.DataFrame, column: str) -> str:
    value = frame[column][0]
    return "" if value is None else str(value)


def normalise_name(name: str) -> str:
    """The matching key of a company name: folded, legal form removed, abbreviations expanded."""
    return _one(_normalise_one("name", name), "name_core")


def legal_form_of(name: str) -> str:
    """The canonical legal form at the end of a company name ("gmbh", "ag", "gmbhcokg" …), or ""."""
    return _one(_normalise_one("name", name), "legal_form")


def normalise_domain(domain: str) -> str:
    """The registrable domain of a URL, host name or e-mail address ("" for mail providers and non-domains)."""
    return _one(_normalise_one("domain", domain), "domain_host")


def normalise_street(street: str) -> tuple[str, str]:
    """(street name, house number): "Hauptstraße 5 a" → ("hauptstr", "5a")."""
    frame = _normalise_one("street", street)
    return _one(frame, "street_name"), _one(frame, "house_number")


def normalise_postal_code(postal_code: str) -> str:
    """Postal code without country prefix, spaces and leading zeros: "D-01067" → "1067"."""
    return _one(_normalise_one("postal_code", postal_code), "postal_code")


def normalise_city(city: str) -> str:
    """Folded city name with exonyms replaced: "Cologne" → "koln"."""
    return _one(_normalise_one("city", city), "city")


def normalise_country(country: str) -> str:
    """ISO 3166 alpha-2 code where known: "Deutschland" → "DE"."""
    return _one(_normalise_one("country", country), "country")


def normalise_vat_id(vat_id: str, country: str = "") -> str:
    """Compact VAT id if it passes its checksum ("" otherwise); a bare number takes the country's prefix."""
    return _one(_normalise_one("vat_id", vat_id, country), "vat_id")
