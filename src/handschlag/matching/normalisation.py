"""Normalisation of company data: names, legal forms, domains, streets, postal codes, cities, countries, VAT ids.

Everything works on whole columns (polars expressions), so a million records are normalised in a few seconds.
The single-value functions at the bottom run the same expressions on one value; they exist for callers and
for the property tests, never for the hot path.

The normalised forms are matching keys, not display values: "Müller", "Mueller" and "Muller" all become
"muller"; "Hauptstraße 5a" becomes street "hauptstr" and house number "5a".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa

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
    "vat_id",  # compact VAT id, e.g. "DE136695976" (check digits not checked: vat_ids_valid)
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


_NAME_DROPPED_CHARACTERS: Final = "'\u2019`\u00b4."


def _fold_characters(text: pl.Expr, *, drop: str = "") -> pl.Expr:
    """Lower case, ß → ss, accents and umlauts removed, and the characters in ``drop`` removed: every step
    that works character by character (the compiled path folds through a table made of this)."""
    replacements = _SPECIAL_LETTERS | dict.fromkeys(drop, "")
    return (
        text.str.normalize("NFKD")
        .str.to_lowercase()
        .str.replace_many(list(replacements), list(replacements.values()))
        .str.replace_all(r"\p{M}+", "")
    )


def _fold_letters(text: pl.Expr, *, drop: str = "") -> pl.Expr:
    """Lower case, ß → ss, accents and umlauts removed, and "ae/oe/ue" → "a/o/u" (Müller = Mueller = Muller).

    The characters in ``drop`` are removed too, before "ae/oe/ue" are folded ("Mu.eller" = "Muller").
    """
    return _fold_characters(text, drop=drop).str.replace_all(r"([aou])e+", "$1")


def _clean_words(text: pl.Expr) -> pl.Expr:
    """Folded letters; apostrophes and dots dropped ("G.m.b.H." → "gmbh"), other punctuation → single spaces.

    Dropping apostrophes and dots together with the special letters, before "ae/oe/ue" are folded, gives the
    same result as dropping them afterwards and folding again, in fewer passes over the column."""
    return (
        _fold_letters(text, drop=_NAME_DROPPED_CHARACTERS)
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars(" ")
    )


def _empty_to_null(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.len_bytes() > 0).then(text).otherwise(None)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return "|".join(re.escape(word) for word in ordered)


_LEGAL_SUFFIX: Final = rf"(?: (?:{_alternation(LEGAL_FORM_SPELLINGS)}))+$"
_LEGAL_FORM_BY_SPACELESS: Final = {
    spelling.replace(" ", ""): LEGAL_FORM_CANONICAL.get(spelling, spelling).replace(" ", "")
    for spelling in LEGAL_FORM_SPELLINGS + tuple(LEGAL_FORM_CANONICAL)
}
# Whole-word replacements done with one Aho-Corasick pass: every word is padded with its own spaces first.
_NAME_WORD_REPLACEMENTS: Final = {f" {word} ": " " for word in NAME_STOPWORDS} | {
    f" {short} ": f" {full} " for short, full in NAME_ABBREVIATIONS.items()
}
_CITY_WORD_REPLACEMENTS: Final = {f" {word} ": f" {local} " for word, local in CITY_SPELLINGS.items()}


def _replace_words(words: pl.Expr, replacements: dict[str, str]) -> pl.Expr:
    """Replace whole words (single-space-separated, as ``_clean_words`` gives them) by a dictionary, in one
    pass. Every word is padded with its own spaces, so words sit two spaces apart; a dropped word leaves
    nothing behind, so that after the replacements words are again exactly two spaces apart and one cheap
    literal replacement (not a regex) restores single spaces."""
    targets = [f" {value.strip()} " if value.strip() else "" for value in replacements.values()]
    padded = pl.lit(" ") + words.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
    return (
        padded.str.replace_many(list(replacements), targets)
        .str.replace_all("  ", " ", literal=True)
        .str.strip_chars(" ")
    )


def _longest_word(words: pl.Expr) -> pl.Expr:
    split = words.str.split(" ")
    return split.list.get(split.list.eval(pl.element().str.len_bytes()).list.arg_max(), null_on_oob=True)


def _name_frame(raw: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Columns name_core and legal_form."""
    words = raw.select(_replace_words(_clean_words(pl.col(column)), _NAME_WORD_REPLACEMENTS).alias("words"))
    spaced = pl.lit(" ") + pl.col("words")
    split = words.with_columns(
        core=spaced.str.replace(_LEGAL_SUFFIX, "").str.strip_chars(" "),
        suffix=spaced.str.extract(rf"({_LEGAL_SUFFIX})", 1).str.replace_all(" ", "", literal=True),
    )
    return split.select(
        _empty_to_null(
            pl.when(pl.col("core").str.len_bytes() > 0).then(pl.col("core")).otherwise(pl.col("words"))
        ).alias("name_core"),
        _empty_to_null(pl.col("suffix").replace(_LEGAL_FORM_BY_SPACELESS)).alias("legal_form"),
    )


_MULTI_LABEL_SUFFIX_LIST: Final = list(MULTI_LABEL_SUFFIXES)


def _domain_frame(raw: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Columns domain_host (registrable domain) and domain_label."""
    host = raw.select(
        pl.col(column)
        .str.to_lowercase()
        .str.replace_all(r"\s+", "")
        .str.replace(r"^(?:mailto:|[a-z][a-z0-9+.-]*://)", "")
        .str.replace(r"^[^/?#]*@", "")
        .str.replace(r"[/?#\\:].*$", "")
        .str.strip_chars(".")
        .str.replace(r"^www\d*\.", "")
        .alias("host")
    )
    labels = pl.col("host").str.split(".")
    last_two = labels.list.slice(-2).list.join(".")
    with_parts = host.with_columns(
        valid=pl.col("host").str.contains(r"^[\p{L}\p{N}][\p{L}\p{N}.-]*\.[\p{L}]{2,}$"),
        registrable=pl.when(last_two.is_in(_MULTI_LABEL_SUFFIX_LIST) & (labels.list.len() >= 3))
        .then(labels.list.slice(-3).list.join("."))
        .otherwise(last_two),
    ).with_columns(label=pl.col("registrable").str.split(".").list.first())
    # "x..de" reads as registrable ".de" with an empty label: no usable domain either
    usable = (
        pl.col("valid")
        & (pl.col("label").str.len_bytes() > 0)
        & ~pl.col("label").is_in(list(SHARED_MAIL_DOMAINS))
    )
    return with_parts.select(
        pl.when(usable).then(pl.col("registrable")).otherwise(None).alias("domain_host"),
        pl.when(usable).then(pl.col("label")).otherwise(None).alias("domain_label"),
    )


_HOUSE_NUMBER: Final = r"\d+ ?[a-z]?(?: ?[-/] ?\d+ ?[a-z]?)?"


def _street_frame(raw: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Columns street_name and house_number."""
    words = raw.select(
        (
            pl.lit(" ")
            + _fold_letters(pl.col(column))
            .str.replace_all(r"[^\p{L}\p{N}/-]+", " ")
            .str.replace_all(r"(\d) ?- ?(\d)", "$1-$2")
            .str.strip_chars(" -/")
        ).alias("words")
    )
    numbers = words.with_columns(
        trailing=pl.col("words").str.extract(rf" ({_HOUSE_NUMBER})$", 1),
        leading=pl.col("words").str.extract(rf"^ ({_HOUSE_NUMBER}) ", 1),
    )
    has_trailing = pl.col("trailing").is_not_null()
    parts = numbers.select(
        rest=pl.when(has_trailing)
        .then(pl.col("words").str.replace(rf" (?:{_HOUSE_NUMBER})$", ""))
        .otherwise(pl.col("words").str.replace(rf"^ (?:{_HOUSE_NUMBER}) ", "")),
        house_number=pl.when(has_trailing)
        .then(pl.col("trailing"))
        .otherwise(pl.col("leading"))
        .str.replace_all(" ", "", literal=True),
    )
    return parts.select(
        _empty_to_null(
            pl.col("rest")
            .str.replace_all(r"strasse|str\b", "str")
            .str.replace_all(r"[^\p{L}\p{N}]+", "")
            .str.replace_all(r"([aou])e+", "$1")
        ).alias("street_name"),
        _empty_to_null(pl.col("house_number")).alias("house_number"),
    )


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


def _city_frame(raw: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Columns city and city_key (its longest word)."""
    words = raw.select(
        _empty_to_null(_replace_words(_clean_words(pl.col(column)), _CITY_WORD_REPLACEMENTS)).alias("city")
    )
    return words.with_columns(_empty_to_null(_longest_word(pl.col("city"))).alias("city_key"))


def _country_column(country: pl.Expr) -> pl.Expr:
    words = _clean_words(country)
    coded = words.replace_strict(COUNTRY_CODES, default=None, return_dtype=pl.String)
    fallback = pl.when(words.str.len_bytes() == 2).then(words.str.to_uppercase()).otherwise(words)
    return _empty_to_null(coded.fill_null(fallback)).alias("country")


def _by_distinct_values(
    raw: pl.LazyFrame, column: str, normalise: Callable[[pl.LazyFrame, str], pl.LazyFrame]
) -> pl.LazyFrame:
    """Normalise only the distinct values of a column (cities, countries, postal codes and streets repeat)."""
    values = raw.select(pl.col(column).alias("value"))
    distinct = values.unique()
    normalised = pl.concat([distinct, normalise(distinct, "value")], how="horizontal")
    return values.join(normalised, on="value", how="left", nulls_equal=True, maintain_order="left").drop(
        "value"
    )


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


def _valid_by_stdnum(numbers: list[str]) -> list[str]:
    """The numbers that python-stdnum finds valid: VAT ids of the EU countries, Switzerland (UID), the UK
    and Norway, by the rules every list is read with (``fields.vat_id_valid``; stdnum is imported only
    when needed: 50 ms)."""
    if not numbers:
        return []
    from handschlag.matching.fields import vat_id_valid

    return [number for number in numbers if vat_id_valid(number)]


def vat_ids_valid(vat_ids: pl.Series) -> np.ndarray:
    """Which compact VAT ids pass their country's check digits (python-stdnum, once per distinct value);
    False where missing. Costs some microseconds per distinct id: callers ask only about the ids whose
    validity changes a result (see engine.score_clear_pairs)."""
    valid_values = pl.Series(_valid_by_stdnum(vat_ids.drop_nulls().unique().to_list()), dtype=pl.String)
    result: np.ndarray = vat_ids.is_in(valid_values.implode()).fill_null(False).to_numpy()
    return result


def _validate_vat_ids(vat_ids: pl.Series) -> pl.Series:
    """Null out VAT ids that fail their country's check digits or are no VAT id of an EU country,
    Switzerland, the UK or Norway (python-stdnum)."""
    valid = vat_ids_valid(vat_ids)
    frame = vat_ids.alias("vat_id").to_frame()
    return frame.select(pl.when(pl.Series(valid)).then(pl.col("vat_id")).otherwise(None))["vat_id"].alias(
        vat_ids.name
    )


def normalise_frame(frame: pl.DataFrame, *, stripped: bool = False, compiled: bool = True) -> pl.DataFrame:
    """Normalised columns (``NORMALISED_FIELDS``) for a frame with the raw string columns ``RAW_FIELDS``.

    Missing raw columns count as empty. The result has one row per input row, in the same order.
    ``stripped`` says that the values have no leading or trailing white space already. Names, domains,
    streets and VAT ids go through the compiled fast path where it is built (``compiled_path_available``);
    ``compiled=False`` uses only the polars expressions, which give the same result (tests compare both).
    """
    columns = [
        (pl.col(field) if field in frame.columns else pl.lit(None, dtype=pl.String)).cast(pl.String)
        for field in RAW_FIELDS
    ]
    raw = frame.select(
        (column if stripped else column.str.strip_chars()).alias(field)
        for column, field in zip(columns, RAW_FIELDS, strict=True)
    )
    lazy_raw = raw.lazy()
    fast = compiled_module() if compiled else None
    locality_queries = [
        _by_distinct_values(
            lazy_raw,
            "postal_code",
            lambda values, column: values.select(_postal_code_column(pl.col(column))),
        ),
        _by_distinct_values(lazy_raw, "city", _city_frame),
        _by_distinct_values(
            lazy_raw, "country", lambda values, column: values.select(_country_column(pl.col(column)))
        ),
    ]
    if fast is None:
        # independent queries: collect_all runs them in parallel
        name, domain, street, postal_code, city, locality = pl.collect_all(
            [
                _name_frame(lazy_raw, "name"),
                _domain_frame(lazy_raw, "domain"),
                _by_distinct_values(lazy_raw, "street", _street_frame),
                *locality_queries,
            ]
        )
    else:
        postal_code, city, locality = pl.collect_all(locality_queries)
        name = _compiled_names(fast, raw)
        domain = _compiled_domains(fast, raw)
        street = _compiled_streets(fast, raw)
    parts = pl.concat([name, domain, street, postal_code, city, locality], how="horizontal")
    if fast is None:
        vat_ids = _reference_vat_ids(raw, locality["country"])
    else:
        vat_ids = _compiled_vat_ids(fast, raw, locality["country"])
    return parts.with_columns(_without_vat_suffix(vat_ids).alias("vat_id")).select(NORMALISED_FIELDS)


# Swiss VAT ids are written with or without the tax's name after the number ("CHE-107.787.577 MWST"): the
# UID alone is the id. Norwegian ones the other way round: "NO 974760673 MVA" is the id (python-stdnum's form).
_VAT_SUFFIX: Final = r"^(CHE\d{9})(?:MWST|TVA|IVA)$"
_NORWEGIAN_VAT_WITHOUT_SUFFIX: Final = r"^(NO\d{9})$"


def _without_vat_suffix(vat_ids: pl.Series) -> pl.Series:
    rows = (vat_ids.str.starts_with("CHE") | vat_ids.str.starts_with("NO")).fill_null(False).arg_true()
    if not len(rows):
        return vat_ids
    respelled = (
        vat_ids.gather(rows)
        .str.replace(_VAT_SUFFIX, "$1")
        .str.replace(_NORWEGIAN_VAT_WITHOUT_SUFFIX, "${1}MVA")
    )
    return vat_ids.scatter(rows, respelled)


def _reference_vat_ids(raw: pl.DataFrame, countries: pl.Series) -> pl.Series:
    return raw.select(_vat_id_compact(pl.col("vat_id"), pl.lit(countries)).alias("vat_id"))["vat_id"]


# --- the compiled fast path (_compiled.c) --------------------------------------------------
#
# The C code folds characters through tables made here from ``_fold_characters`` (so both paths fold alike)
# and reads the word lists of vocabulary.py. Records it cannot normalise exactly (characters outside the
# table, non-ASCII domains and VAT ids) come back marked, and the polars expressions normalise those.

_FOLD_TABLE_SIZE: Final = 0x3000  # Latin, Greek, Cyrillic, punctuation, symbols: where company data lives
_COMPILED_STATE: dict[str, object] = {}


def _fold_tables(*drops: str) -> list[list[bytes | None]]:
    """Per set of dropped characters, per code point below ``_FOLD_TABLE_SIZE``: its folded text as ASCII,
    or None where that text holds a letter, digit or mark outside ASCII (those records stay with polars).

    Folded characters that are neither letters nor digits (€, en dash, „) become a space: every later step treats
    them like one (they separate words)."""
    characters = pl.Series(
        "character",
        ["" if 0xD800 <= code_point < 0xE000 else chr(code_point) for code_point in range(_FOLD_TABLE_SIZE)],
    )
    folded = pl.DataFrame([characters]).select(
        _fold_characters(pl.col("character"), drop=drop).alias(str(index)) for index, drop in enumerate(drops)
    )
    tables = folded.select(
        pl.when(pl.col(column).str.contains(r"[[\p{L}\p{N}\p{M}]&&[^\x00-\x7F]]"))
        .then(None)
        .otherwise(pl.col(column).str.replace_all(r"[^\x00-\x7F]", " "))
        .alias(column)
        for column in folded.columns
    )
    return [
        [None if text is None else text.encode("ascii") for text in tables[column].to_list()]
        for column in tables.columns
    ]


def compiled_module() -> Any:
    """The configured compiled module (``_compiled``), or None where it is not built."""
    if "module" not in _COMPILED_STATE:
        try:
            from handschlag.matching import _compiled as module
        except ImportError:  # built by pip install; without a C compiler the polars expressions do the work
            _COMPILED_STATE["module"] = None
            return None
        name_table, street_table = _fold_tables(_NAME_DROPPED_CHARACTERS, "")
        module.configure(
            name_table,
            street_table,
            {word.strip(): value.strip() for word, value in _NAME_WORD_REPLACEMENTS.items()},
            list(LEGAL_FORM_SPELLINGS),
            sorted({word for spelling in LEGAL_FORM_SPELLINGS for word in spelling.split()}),
            list(MULTI_LABEL_SUFFIXES),
            list(SHARED_MAIL_DOMAINS),
        )
        _COMPILED_STATE["module"] = module
    return _COMPILED_STATE["module"]


def compiled_path_available() -> bool:
    """Whether the compiled fast path of the normalisation is built (it is, wherever pip found a C compiler)."""
    return compiled_module() is not None


def string_buffers(column: pl.Series) -> tuple[int, object, object, object, int]:
    """A string column as the compiled functions take it: polars' own string views, without a copy
    (kind 1: validity, views, data buffers, offset), or else large_string buffers (kind 0)."""
    array = column.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type == pa.string_view():
        validity, views, *data = array.buffers()
        return 1, validity, views, tuple(data), array.offset
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    validity, offsets, data = array.buffers()
    return 0, validity, offsets, b"" if data is None else data, array.offset


def _string_array(buffers: tuple[bytes, bytes, bytes], count: int) -> pa.Array:
    validity, views, data = buffers
    return pa.Array.from_buffers(
        pa.string_view(), count, [pa.py_buffer(validity), pa.py_buffer(views), pa.py_buffer(data)]
    )


def _string_frame(columns: dict[str, pa.Array]) -> pl.DataFrame:
    # from an Arrow table: polars converts a lone Arrow array through pyarrow.compute, 0.1 s to import
    frame = pl.from_arrow(pa.table(columns))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _patched(
    frame: pl.DataFrame, fallback: bytes, raw: pl.DataFrame, reference: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """``frame`` with the rows the compiled path left to polars normalised by ``reference``."""
    rows = np.flatnonzero(np.frombuffer(fallback, dtype=np.uint8))
    if not len(rows):
        return frame
    patch = reference(raw[rows])
    return frame.with_columns(frame[column].scatter(rows, patch[column]) for column in frame.columns)


def _compiled_names(fast: Any, raw: pl.DataFrame) -> pl.DataFrame:
    core, suffix, fallback = fast.names(string_buffers(raw["name"]), raw.height)
    frame = _string_frame(
        {"name_core": _string_array(core, raw.height), "legal_form": _string_array(suffix, raw.height)}
    ).with_columns(pl.col("legal_form").replace(_LEGAL_FORM_BY_SPACELESS))
    return _patched(frame, fallback, raw, lambda rows: _name_frame(rows.lazy(), "name").collect())


def _compiled_domains(fast: Any, raw: pl.DataFrame) -> pl.DataFrame:
    host, label, fallback = fast.domains(string_buffers(raw["domain"]), raw.height)
    frame = _string_frame(
        {"domain_host": _string_array(host, raw.height), "domain_label": _string_array(label, raw.height)}
    )
    return _patched(frame, fallback, raw, lambda rows: _domain_frame(rows.lazy(), "domain").collect())


def _compiled_streets(fast: Any, raw: pl.DataFrame) -> pl.DataFrame:
    street, number, fallback = fast.streets(string_buffers(raw["street"]), raw.height)
    frame = _string_frame(
        {"street_name": _string_array(street, raw.height), "house_number": _string_array(number, raw.height)}
    )
    return _patched(frame, fallback, raw, lambda rows: _street_frame(rows.lazy(), "street").collect())


_VAT_FALLBACK: Final = 3


def _compiled_vat_ids(fast: Any, raw: pl.DataFrame, countries: pl.Series) -> pl.Series:
    """Compact VAT ids (their check digits are not checked here: ``vat_ids_valid``)."""
    buffers, status_bytes = fast.vat_ids(string_buffers(raw["vat_id"]), string_buffers(countries), raw.height)
    vat_ids = _string_frame({"vat_id": _string_array(buffers, raw.height)})["vat_id"]
    status = np.frombuffer(status_bytes, dtype=np.uint8)
    fallback = np.flatnonzero(status == _VAT_FALLBACK)
    if len(fallback):
        patch = _reference_vat_ids(raw[fallback], countries.gather(fallback))
        vat_ids = vat_ids.scatter(fallback, patch)
    return vat_ids


def _normalise_one(field: str, value: str, country: str = "") -> pl.DataFrame:
    frame = pl.DataFrame(
        {"value": [value], "country_raw": [country]}, schema={"value": pl.String, "country_raw": pl.String}
    )
    frame = frame.with_columns(pl.col("value").str.strip_chars())
    value_column = pl.col("value")
    builders: dict[str, Callable[[], pl.DataFrame]] = {
        "name": lambda: _name_frame(frame.lazy(), "value").collect(),
        "domain": lambda: _domain_frame(frame.lazy(), "value").collect(),
        "street": lambda: _street_frame(frame.lazy(), "value").collect(),
        "postal_code": lambda: frame.select(_postal_code_column(value_column)),
        "city": lambda: _city_frame(frame.lazy(), "value").collect(),
        "country": lambda: frame.select(_country_column(value_column)),
    }
    if field != "vat_id":
        return builders[field]()
    with_country = frame.with_columns(_country_column(pl.col("country_raw").str.strip_chars()))
    compact = with_country.select(
        _vat_id_compact(value_column, pl.col("country"))
        .str.replace(_VAT_SUFFIX, "$1")
        .str.replace(_NORWEGIAN_VAT_WITHOUT_SUFFIX, "${1}MVA")
        .alias("vat_id")
    )
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


def string_series(buffers: tuple[bytes, bytes, bytes], count: int, name: str) -> pl.Series:
    """A string column the compiled code returned, as a polars Series called ``name``."""
    return _string_frame({name: _string_array(buffers, count)})[name]
