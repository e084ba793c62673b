"""Matching in the clear: normalise → block → score → assign, on whole columns.

``match_tables`` is the columnar entry point the command line uses; ``match_records`` wraps it for callers
that hold ``CompanyRecord`` objects (accounts import de-duplication, partner mapping runs).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl

from handschlag.matching.assignment import assign_one_to_many, assign_one_to_one, consistent_groups
from handschlag.matching.blocking import (
    BLOCKING_KEY_EXPRESSIONS,
    EXTRA_BLOCKING_KEY_EXPRESSIONS,
    blocking_key_strings,
    candidate_pairs,
    hashed_blocking_keys,
    plain_string_hashes,
)
from handschlag.matching.evidence import (
    AGREES,
    AGREES_CODE,
    DISAGREES,
    DISAGREES_CODE,
    MISSING_CODE,
    SIMILAR_CODE,
    AgreementWeight,
    FieldColumns,
    SimilarityCurve,
    agreement_states,
    evidence_json,
    evidence_tuples,
    logistic,
    outcome_of_similarity,
    outcome_of_states,
)
from handschlag.matching.normalisation import (
    RAW_FIELDS,
    compiled_module,
    normalise_frame,
    string_buffers,
    string_series,
    vat_ids_valid,
)
from handschlag.matching.records import (
    ALL,
    COMPANY_FIELDS,
    DEFAULT_MODE,
    EVIDENCE_FIELDS,
    MODES,
    ONE_TO_ONE,
    CompanyRecord,
    MatchingInputError,
    MatchPair,
)
from handschlag.matching.vocabulary import LEGAL_FORM_SPELLINGS

DEFAULT_THRESHOLD: Final = 0.5
PAIRS_PER_SCORING_CHUNK: Final = 500_000
PAIRS_PER_SMALLEST_CHUNK: Final = 20_000
# The old one-to-many assignment (each right record to its best left record), kept for ``one_to_many=True``.
ONE_TO_MANY: Final = "one-to-many"
ACCEPTED_MODES: Final = (*MODES, ONE_TO_MANY)

ProgressReport = Callable[[str], None]


def _silent(message: str) -> None:
    del message


@dataclass(frozen=True, slots=True)
class CompanyTable:
    """One input list in columns: ``id`` plus the raw fields, all strings (null or "" when missing); the
    fields have no leading or trailing white space."""

    source: str
    frame: pl.DataFrame

    @property
    def ids(self) -> pl.Series:
        return self.frame["id"]

    def __len__(self) -> int:
        return self.frame.height

    @classmethod
    def from_records(cls, records: Sequence[CompanyRecord], source: str = "<records>") -> CompanyTable:
        columns = {field: [getattr(record, field) for record in records] for field in COMPANY_FIELDS}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(COMPANY_FIELDS, pl.String))
        # the fields (not the id) stripped, as read_company_table gives them
        return cls(
            source, frame.with_columns(pl.col(field).str.strip_chars() for field in COMPANY_FIELDS[1:])
        )


@dataclass(frozen=True, slots=True)
class PairArrays:
    """Matched pairs as row indices into the left and right table, with their scores."""

    left_rows: np.ndarray
    right_rows: np.ndarray
    scores: np.ndarray


# Fields compared for exact equality (as 64-bit codes, 0 = missing) and fields compared by similarity.
_EXACT_FIELDS: Final = (
    "domain_host",
    "domain_label",
    "vat_id",
    "postal_code",
    "house_number",
    "legal_form",
    "country",
    "phone",
)
# Sister companies: the same name but for entity words, which differ ("X" / "X Holding").
_SISTER_FIELDS: Final = ("entity_words",)


_ADDRESS_FIELDS: Final = ("postal_code", "house_number")
_NON_ADDRESS_FIELDS: Final = tuple(field for field in _EXACT_FIELDS if field not in _ADDRESS_FIELDS)


@dataclass(frozen=True, slots=True)
class PreparedCompanies:
    """A table normalised and keyed for matching in the clear."""

    size: int
    blocking_keys: np.ndarray
    exact_codes: dict[str, np.ndarray]
    names: TextColumn
    sorted_names: TextColumn  # the names with their words sorted
    multi_word: np.ndarray  # names of more than one word, whose order may differ
    street_names: TextColumn
    cities: TextColumn
    domain_from_email: np.ndarray  # the domain compared is the e-mail's (the record has no web domain)
    po_box: np.ndarray  # the street is a P.O. box
    domain_labels: TextColumn
    domain_label_lengths: np.ndarray
    name_codes: np.ndarray  # codes of the names with their words sorted
    vat_ids: pl.Series  # compact VAT ids, for checking their check digits where that decides
    # how much a name agreeing says less because the name is common in this pair of lists (log-odds >= 0,
    # set by ``with_name_frequencies``; zeros until then)
    name_commonness: np.ndarray


def _codes(column: pl.Series) -> np.ndarray:
    """A 64-bit code per text (equal texts, equal codes; 0 where missing), made in C where it is built."""
    fast = compiled_module()
    if fast is not None:
        return np.frombuffer(fast.hash_strings(string_buffers(column), len(column)), dtype=np.uint64).copy()
    codes = np.zeros(len(column), dtype=np.uint64)
    present = column.is_not_null().to_numpy()
    if present.any():
        hashed = plain_string_hashes(column.filter(column.is_not_null()))
        hashed[hashed == 0] = 1
        codes[present] = hashed
    return codes


# The normalised columns the compiled blocking keys are made of, in the order the C function takes them.
_BLOCKING_KEY_FIELDS: Final = (
    "name_core",
    "domain_label",
    "vat_id",
    "postal_code",
    "city_key",
    "street_name",
    "house_number",
)


def clear_blocking_keys(normalised: pl.DataFrame) -> np.ndarray:
    """The (records x keys) uint64 blocking keys of ``blocking.BLOCKING_KEY_EXPRESSIONS`` for matching in
    the clear: in C where it is built (the same keys, hashed differently), else with polars."""
    fast = compiled_module()
    if fast is None:
        return hashed_blocking_keys(blocking_key_strings(normalised), plain_string_hashes)
    buffers = tuple(string_buffers(normalised[field]) for field in _BLOCKING_KEY_FIELDS)
    compiled_keys = np.frombuffer(fast.blocking_keys(buffers, normalised.height), dtype=np.uint64).reshape(
        normalised.height, len(BLOCKING_KEY_EXPRESSIONS)
    )
    # the whole-name key (the compiled code's last) is left out: the name with its words sorted covers it
    kept = len(BLOCKING_KEY_EXPRESSIONS) - 1
    keys = np.empty((normalised.height, kept + len(EXTRA_BLOCKING_KEY_EXPRESSIONS)), dtype=np.uint64)
    keys[:, :kept] = compiled_keys[:, :kept]
    # the extra keys are single columns named as their keys (a column's keys never meet another column's):
    # their text codes, without a key string per record and polars' hash of it (test_compiled checks that
    # these keys group records exactly as the key strings do)
    for offset, field in enumerate(EXTRA_BLOCKING_KEY_EXPRESSIONS):
        keys[:, kept + offset] = _codes(normalised[field])
    return keys


@dataclass(frozen=True, slots=True)
class TextColumn:
    """Texts of one normalised field (null where missing), which of them are present, and a 64-bit code
    per text (equal texts, equal codes; 0 where missing) that lets equal texts skip the comparison.
    Python strings are made only for the rows rapidfuzz has to compare (``texts``)."""

    column: pl.Series
    present: np.ndarray
    codes: np.ndarray

    @classmethod
    def from_series(cls, column: pl.Series) -> TextColumn:
        present: np.ndarray = (
            (column.is_not_null() & (column.str.len_bytes() > 0)).fill_null(False).to_numpy()
        )
        codes = _codes(column)
        codes[~present] = 0
        return cls(column, present, codes)

    def texts(self, rows: np.ndarray) -> list[str | None]:
        return self.column.gather(rows).to_list()


def _column(frame: pl.DataFrame, field: str) -> pl.Expr:
    return pl.col(field) if field in frame.columns else pl.lit(None, dtype=pl.String)


def phone_keys(frame: pl.DataFrame) -> pl.Series:
    """A comparable key of each phone number: its last nine digits ("+49 40 1234567" and "040/1234567"
    agree), null with fewer than seven digits. (In two steps: one expression would take the digits out twice.)"""
    digits = frame.select(_column(frame, "phone").str.replace_all(r"\D+", "").alias("phone"))
    phone = pl.col("phone")
    return digits.select(pl.when(phone.str.len_bytes() >= 7).then(phone.str.slice(-9)).otherwise(None))[
        "phone"
    ]


# Words that name a separate entity of a group ("X Holding", "X Verwaltungs GmbH", "X Immobilien"): two
# names that are the same but for such words are sister companies, not spellings of one company. The first
# ones count inside compounds ("grundstucksverwaltungs"); "service" and "logistik", which are also common
# business lines inside compounds ("Industrieservice"), only as words of their own.
ENTITY_WORDS: Final = (
    "holding",
    "verwaltung",
    "beteiligung",
    "immobilien",
    "grundstuck",
    "realestate",
    "propert",
)
ENTITY_TOKENS: Final = ("service", "logistik")
_ENTITY_WORD_PATTERN: Final = (
    "(" + "|".join(ENTITY_WORDS) + "|" + "|".join(rf"\b{token}\b" for token in ENTITY_TOKENS) + ")"
)
# a quick test that finds every name with an entity word (and some more)
_MAY_HOLD_ENTITY_WORD: Final = "|".join((*ENTITY_WORDS, "service", "logisti"))
# spellings of the whole-word entity words, so that "Services" and "Service" are one word
_ENTITY_SPELLINGS: Final = {
    " services ": " service ",
    " logistics ": " logistik ",
    " logistic ": " logistik ",
}
# Words of legal forms, wherever they stand in a name ("X Gesellschaft m.b.H. Service GmbH"): left out
# when names are compared for sister companies.
_LEGAL_WORDS: Final = sorted({word for spelling in LEGAL_FORM_SPELLINGS for word in spelling.split()})
_ENTITY_TOKEN: Final = (
    "(?:" + "|".join(rf"\S*{word}\S*" for word in ENTITY_WORDS) + "|" + "|".join(ENTITY_TOKENS) + ")"
)
_LEGAL_TOKEN: Final = "(?:" + "|".join(_LEGAL_WORDS) + ")"


def name_rest(name_core: pl.Expr) -> pl.Expr:
    """The name without entity words and words of legal forms (null when nothing is left): two names with
    the same rest and different entity words are sister companies."""
    padded = (
        pl.lit(" ") + name_core.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
    ).str.replace_many(list(_ENTITY_SPELLINGS), list(_ENTITY_SPELLINGS.values()))
    rest = (
        padded.str.replace_all(" " + _ENTITY_TOKEN + " ", " ")
        .str.replace_all(" " + _LEGAL_TOKEN + " ", " ")
        .str.replace_all(" +", " ")
        .str.strip_chars(" ")
    )
    return rest.replace("", None)  # (not when/then: that would build the rest twice)


def sorted_names(names: pl.Series) -> pl.Series:
    """The names with their words sorted ("becker prazisionstechnik" for "prazisionstechnik becker"): in C
    where it is built, else with polars (same result)."""
    fast = compiled_module()
    if fast is not None:
        buffers = fast.sorted_words(string_buffers(names), len(names))
        return string_series(buffers, len(names), "name_sorted")
    return names.to_frame("name_core").select(
        pl.when(pl.col("name_core").str.contains(" ", literal=True))
        .then(pl.col("name_core").str.split(" ").list.eval(pl.element().sort()).list.join(" "))
        .otherwise(pl.col("name_core"))
        .alias("name_sorted")
    )["name_sorted"]


def name_parts(normalised: pl.DataFrame, *, with_rest: bool = False) -> pl.DataFrame:
    """From the normalised names (``name_core``): ``name_sorted`` (the words sorted: a key that survives
    word order), ``entity_words`` (the entity words, sorted; "-" for none; looked for only in the names
    that may hold one) and, ``with_rest``, ``name_rest`` (see ``name_rest``; matching in the clear makes
    it only for the pairs that need it)."""
    name_core = pl.col("name_core")
    parts = normalised.select(
        pl.when(name_core.is_null()).then(None).otherwise(pl.lit("-")).alias("entity_words"),
        name_core.str.contains(_MAY_HOLD_ENTITY_WORD).fill_null(False).alias("may_hold"),
    )
    rows = parts["may_hold"].arg_true()
    if len(rows):
        spelled = (
            pl.lit(" ") + name_core.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
        ).str.replace_many(list(_ENTITY_SPELLINGS), list(_ENTITY_SPELLINGS.values()))
        joined = spelled.str.extract_all(_ENTITY_WORD_PATTERN).list.sort().list.join("|")
        found = (
            normalised.select("name_core").gather(rows).select(joined.replace("", "-").alias("entity_words"))
        )
        parts = parts.with_columns(parts["entity_words"].scatter(rows, found["entity_words"]))
    parts = parts.drop("may_hold").with_columns(sorted_names(normalised["name_core"]).alias("name_sorted"))
    if with_rest:
        parts = parts.with_columns(normalised.select(name_rest(name_core).alias("name_rest"))["name_rest"])
    return parts


# How a P.O. box is written in the street field across Europe (any case).
PO_BOX_PATTERN: Final = (
    r"(?i)^\s*(?:postfach|postbus|postboks|postbox|p\.?\s?o\.?\s?box|po box|box \d|casella postale|"
    r"apartado|apdo\.?\s|bo[iî]te postale|case postale|cp \d|bp \d|skrytka pocztowa|caixa postal|"
    r"postilokero|pl \d|postiljon)"
)


def is_po_box(street: pl.Expr) -> pl.Expr:
    """Whether a raw street field is a P.O. box ("Postfach 1122", "Postbus 89711", "Apartado 5362")."""
    return street.str.contains(PO_BOX_PATTERN)


def with_email_domains(frame: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    """The raw fields with the domain of the e-mail address standing in for a missing web domain (shared
    mail services are dropped by the domain normalisation), and which rows got it."""
    domain = _column(frame, "domain")
    email = _column(frame, "email")
    missing = domain.is_null() | (domain.str.len_bytes() == 0)
    has_email = email.is_not_null() & email.str.contains("@", literal=True)
    from_email = missing & has_email
    raw = frame.select(
        [
            pl.when(from_email).then(email).otherwise(domain).alias("domain")
            if field == "domain"
            else _column(frame, field).alias(field)
            for field in RAW_FIELDS
        ]
    )
    flags = frame.select(from_email.fill_null(False).alias("flag"))["flag"].to_numpy()
    return raw, flags


def matching_frame(
    table: CompanyTable, *, stripped: bool = True, with_rest: bool = False
) -> tuple[pl.DataFrame, np.ndarray]:
    """The normalised columns both modes compare (``normalise_frame``'s, plus ``phone``, ``name_sorted``,
    ``entity_words`` and, ``with_rest``, ``name_rest``), and which rows compare their e-mail's domain."""
    raw, from_email = with_email_domains(table.frame)
    normalised = normalise_frame(raw, stripped=stripped)
    phones = phone_keys(table.frame)
    parts = name_parts(normalised, with_rest=with_rest)
    return pl.concat([normalised.with_columns(phones), parts], how="horizontal"), from_email


def prepare_companies(table: CompanyTable) -> PreparedCompanies:
    """Normalise a table and compute its blocking keys and comparison columns."""
    normalised, from_email = matching_frame(table)
    sorted_names = TextColumn.from_series(normalised["name_sorted"])
    exact_codes = {field: _codes(normalised[field]) for field in (*_EXACT_FIELDS, *_SISTER_FIELDS)}
    return PreparedCompanies(
        size=normalised.height,
        blocking_keys=clear_blocking_keys(normalised),
        exact_codes=exact_codes,
        names=TextColumn.from_series(normalised["name_core"]),
        sorted_names=sorted_names,
        multi_word=normalised["name_core"].str.contains(" ", literal=True).fill_null(False).to_numpy(),
        street_names=TextColumn.from_series(normalised["street_name"]),
        cities=TextColumn.from_series(normalised["city"]),
        domain_from_email=from_email & (exact_codes["domain_host"] != 0),
        po_box=table.frame.select(is_po_box(_column(table.frame, "street")))["street"]
        .fill_null(False)
        .to_numpy(),
        domain_labels=TextColumn.from_series(normalised["domain_label"]),
        domain_label_lengths=normalised["domain_label"].str.len_chars().fill_null(0).to_numpy(),
        name_codes=sorted_names.codes,
        vat_ids=normalised["vat_id"],
        name_commonness=np.zeros(normalised.height, dtype=np.float32),
    )


@dataclass(frozen=True, slots=True)
class ClearWeights:
    """Evidence weights for matching in the clear (log-odds); see ``handschlag.matching.evidence``.

    Postal code, city, street and house number describe one address: their evidence is added up and then
    kept within ``address_range``, so that a moved company is not punished four times for one move.
    A name whose words all occur in the other name counts as ``name_containment`` similar.
    """

    baseline: float
    name: SimilarityCurve
    name_containment: float
    vat_id: AgreementWeight
    domain_host: AgreementWeight
    domain_label: AgreementWeight
    legal_form: AgreementWeight
    country: AgreementWeight
    phone: AgreementWeight
    sister: float
    sister_same_building: float
    domain_typo_similarity: float
    domain_typo_address: float
    name_commonness_cap: float
    vat_id_max_count: int
    postal_code: AgreementWeight
    house_number: AgreementWeight
    city: SimilarityCurve
    street: SimilarityCurve
    address_range: tuple[float, float]


CLEAR_WEIGHTS: Final = ClearWeights(
    baseline=-3.0,
    name=SimilarityCurve(
        (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0), (-7.0, -6.0, -4.5, -2.0, -0.5, 1.2, 3.0, 4.5)
    ),
    name_containment=0.88,
    vat_id=AgreementWeight(12.0, -6.0),
    domain_host=AgreementWeight(5.0, 0.0),
    domain_label=AgreementWeight(2.5, -2.5),
    legal_form=AgreementWeight(0.3, -1.0),
    country=AgreementWeight(0.0, -2.0),
    phone=AgreementWeight(3.0, 0.0),  # one company has many numbers: a different one says little
    # "X Holding" / "X Service": a sister company, whatever else agrees (only a VAT id outweighs it)
    sister=-12.0,
    sister_same_building=-6.0,
    domain_typo_similarity=0.85,
    domain_typo_address=1.0,
    name_commonness_cap=2.5,
    vat_id_max_count=4,
    postal_code=AgreementWeight(1.5, -2.0),
    house_number=AgreementWeight(0.7, -1.0),
    city=SimilarityCurve((0.0, 0.7, 0.85, 1.0), (-3.0, -2.5, 0.0, 1.0)),
    street=SimilarityCurve((0.0, 0.7, 0.9, 1.0), (-1.5, -1.0, 0.5, 1.5)),
    address_range=(-4.5, 4.0),
)


def _distinct_code_pairs(left_codes: np.ndarray, right_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first occurrence of each distinct (left, right) pair of codes, and for every
    position the index of its pair among those."""
    fast = compiled_module()
    if fast is not None:
        positions, inverse = fast.distinct_pairs(
            np.ascontiguousarray(left_codes, dtype=np.uint64),
            np.ascontiguousarray(right_codes, dtype=np.uint64),
        )
        return np.frombuffer(positions, dtype=np.int64), np.frombuffer(inverse, dtype=np.int64)
    pairs = np.stack([left_codes, right_codes], axis=1)
    _, positions, inverse = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    return positions, inverse.reshape(-1)


def _similarities(
    left: TextColumn,
    right: TextColumn,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    scorer: Scorer,
    *,
    distinct_pairs: bool = False,
) -> np.ndarray:
    """Similarity in [0, 1] of the texts of aligned row pairs; NaN where either text is missing.

    Equal texts (equal codes) are similar 1.0 without calling the scorer. With ``distinct_pairs`` each
    distinct pair of texts is scored once (for fields whose values repeat, like cities and streets).
    """
    similarity = np.full(len(left_rows), np.nan, dtype=np.float32)
    left_codes = left.codes[left_rows]
    right_codes = right.codes[right_rows]
    present = (left_codes != 0) & (right_codes != 0)
    similarity[present & (left_codes == right_codes)] = 1.0
    different = np.flatnonzero(present & (left_codes != right_codes))
    if not len(different):
        return similarity
    if distinct_pairs:
        positions, inverse = _distinct_code_pairs(left_codes[different], right_codes[different])
        chosen = different[positions]
        similarity[different] = _scored(left, right, left_rows[chosen], right_rows[chosen], scorer)[inverse]
        return similarity
    similarity[different] = _scored(left, right, left_rows[different], right_rows[different], scorer)
    return similarity


# The string similarities used, by the name of their rapidfuzz function.
Scorer = Literal["ratio", "token_sort_ratio", "token_set_ratio"]


def _scored(
    left: TextColumn,
    right: TextColumn,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    scorer: Scorer,
) -> np.ndarray:
    """rapidfuzz's ``scorer`` / 100 (float32) of the texts at aligned rows, all present."""
    return _rapidfuzz_scored(left, right, left_rows, right_rows, scorer)


def _rapidfuzz_scored(
    left: TextColumn,
    right: TextColumn,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    scorer: Scorer,
) -> np.ndarray:
    from rapidfuzz import fuzz, process  # only for texts outside ASCII, or without the compiled path

    scored = process.cpdist(
        left.texts(left_rows), right.texts(right_rows), scorer=getattr(fuzz, scorer), workers=-1
    )
    result: np.ndarray = np.asarray(scored, dtype=np.float32) / 100.0
    return result


def _name_similarities(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    containment_could_matter: np.ndarray,
    weights: ClearWeights,
) -> np.ndarray:
    """Similarity of names: as written, else with words sorted ("Bau Müller" = "Müller Bau"); a name whose
    words all occur in the other ("MMB" and "MMB Kältetechnik") counts as ``weights.name_containment``
    (checked only where ``containment_could_matter``)."""
    similarity = _similarities(left.names, right.names, left_rows, right_rows, "ratio")
    unsure = np.flatnonzero((similarity < 0.9) & (left.multi_word[left_rows] | right.multi_word[right_rows]))
    if len(unsure):
        # rapidfuzz's token_sort_ratio is the ratio of the names with their words sorted, which are
        # prepared (and equal ones are not compared)
        reordered = _similarities(
            left.sorted_names, right.sorted_names, left_rows[unsure], right_rows[unsure], "ratio"
        )
        similarity[unsure] = np.fmax(similarity[unsure], reordered)
    check = np.flatnonzero((similarity < weights.name_containment) & containment_could_matter)
    if len(check):
        set_similarity = _similarities(
            left.names, right.names, left_rows[check], right_rows[check], "token_set_ratio"
        )
        similarity[check] = np.fmax(
            similarity[check], np.where(set_similarity >= 1.0, weights.name_containment, 0)
        )
    return similarity


def _log_odds(probability: float) -> float:
    """The log-odds a pair needs to reach ``probability``, kept within what float32 scores can tell apart."""
    if probability <= 0.0:
        return -np.inf
    clipped = min(probability, 1.0 - 1e-7)
    return float(np.log(clipped / (1.0 - clipped)))


def score_clear_pairs(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: ClearWeights = CLEAR_WEIGHTS,
    *,
    threshold: float = 0.0,
) -> np.ndarray:
    """Match scores in [0, 1] for aligned arrays of left and right row indices.

    Scores that cannot reach ``threshold`` are not computed exactly: such a pair gets an upper bound of its
    score, which is below the threshold. With the default threshold 0 every score is exact.
    """
    needed = _log_odds(threshold)
    log_odds = np.full(len(left_rows), weights.baseline, dtype=np.float32)
    for field in _NON_ADDRESS_FIELDS:
        states = agreement_states(left.exact_codes[field][left_rows], right.exact_codes[field][right_rows])
        field_weight: AgreementWeight = getattr(weights, field)
        log_odds += field_weight.evidence(states)
    log_odds += sister_evidence(left, right, left_rows, right_rows, weights)
    # a domain that differs only by a typo ("cerro-powre.it") is no evidence against: forgiven at the end,
    # so bounds below allow for it
    typo_possible = (
        agreement_states(
            left.exact_codes["domain_label"][left_rows], right.exact_codes["domain_label"][right_rows]
        )
        == DISAGREES
    )
    typo_bonus = -weights.domain_label.disagrees
    # a domain taken from an e-mail address that differs says nothing (a provider, an agency, a person's
    # own address): no evidence against
    from_email = left.domain_from_email[left_rows] | right.domain_from_email[right_rows]
    log_odds += np.where(typo_possible & from_email, typo_bonus, 0.0).astype(np.float32)
    typo_possible &= ~from_email
    # two VAT ids that differ count against a pair only when both pass their check digits; that costs
    # python-stdnum calls, made at the end for the pairs where it decides, so bounds allow for it
    vat_differs = (
        agreement_states(left.exact_codes["vat_id"][left_rows], right.exact_codes["vat_id"][right_rows])
        == DISAGREES
    )
    vat_bonus = -weights.vat_id.disagrees
    log_odds_bound = (
        log_odds
        + np.where(typo_possible, typo_bonus, 0.0).astype(np.float32)
        + np.where(vat_differs, vat_bonus, 0.0).astype(np.float32)
    )
    best_address = weights.address_range[1]
    best_name = max(weights.name.log_odds)
    # The address first (cheap: exact codes, and each distinct pair of cities and streets compared once),
    # for the pairs that could reach the threshold with the best name and address evidence ...
    open_pairs = np.flatnonzero(log_odds_bound + best_name + best_address >= needed)
    left_open, right_open = left_rows[open_pairs], right_rows[open_pairs]
    address = np.zeros(len(open_pairs), dtype=np.float32)
    # a P.O. box has a postal code of its own and no street: only the city compares then
    box = left.po_box[left_open] | right.po_box[right_open]
    for field in _ADDRESS_FIELDS:
        states = agreement_states(left.exact_codes[field][left_open], right.exact_codes[field][right_open])
        field_weight = getattr(weights, field)
        address += np.where(box, np.float32(0.0), field_weight.evidence(states))
    address += weights.city.evidence(
        _similarities(
            left.cities, right.cities, left_open, right_open, "token_set_ratio", distinct_pairs=True
        )
    )
    address += np.where(
        box,
        np.float32(0.0),
        weights.street.evidence(
            _similarities(
                left.street_names, right.street_names, left_open, right_open, "ratio", distinct_pairs=True
            )
        ),
    )
    address = np.clip(address, weights.address_range[0], weights.address_range[1])
    # ... then the names (the costly comparisons), only for the pairs that the best name evidence could
    # still lift over the threshold, given their address. The others get upper bounds (best name, best
    # address), which are below the threshold.
    name_open = log_odds_bound[open_pairs] + address + best_name >= needed
    named = open_pairs[name_open]
    containment_evidence = float(weights.name.evidence(np.array([weights.name_containment], np.float32))[0])
    containment_could_matter = log_odds_bound[named] + address[name_open] + containment_evidence >= needed
    name_evidence = np.full(len(left_rows), best_name, dtype=np.float32)
    named_similarity = _name_similarities(
        left, right, left_rows[named], right_rows[named], containment_could_matter, weights
    )
    name_evidence[named] = weights.name.evidence(named_similarity) + name_commonness_evidence(
        left, right, left_rows[named], right_rows[named], named_similarity
    )
    # summed in the same order as when every score is computed, so that scores do not depend on the threshold
    log_odds += name_evidence
    log_odds += best_address
    log_odds[open_pairs] += address - best_address
    # a domain typo is forgiven only where the address speaks for the pair
    address_speaks = np.zeros(len(left_rows), dtype=bool)
    address_speaks[open_pairs] = address >= weights.domain_typo_address
    check = np.flatnonzero(
        typo_possible
        & address_speaks
        & (log_odds + typo_bonus + np.where(vat_differs, vat_bonus, 0.0) >= needed)
    )
    if len(check):
        log_odds[check] += np.where(
            domain_typo(left, right, left_rows[check], right_rows[check], weights), typo_bonus, 0.0
        ).astype(np.float32)
    check = np.flatnonzero(vat_differs & (log_odds + vat_bonus >= needed))
    if len(check):
        log_odds[check] += np.where(
            vat_ids_both_valid(left, right, left_rows[check], right_rows[check]), 0.0, vat_bonus
        ).astype(np.float32)
    return logistic(log_odds)


def vat_ids_both_valid(
    left: PreparedCompanies, right: PreparedCompanies, left_rows: np.ndarray, right_rows: np.ndarray
) -> np.ndarray:
    """Whether both VAT ids of each pair pass their check digits (python-stdnum)."""
    valid: np.ndarray = vat_ids_valid(left.vat_ids.gather(left_rows)) & vat_ids_valid(
        right.vat_ids.gather(right_rows)
    )
    return valid


def _name_rest_codes(names: TextColumn, rows: np.ndarray) -> np.ndarray:
    """A 64-bit code of ``name_rest`` of the names at ``rows`` (0 where nothing is left), made once per
    distinct row: a record stands in many pairs."""
    distinct, inverse = np.unique(rows, return_inverse=True)
    rests = (
        names.column.gather(distinct).to_frame("name").select(name_rest(pl.col("name")).alias("rest"))["rest"]
    )
    codes: np.ndarray = _codes(rests)[inverse.reshape(-1)]
    return codes


def sister_evidence(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: ClearWeights = CLEAR_WEIGHTS,
) -> np.ndarray:
    """Where two names are the same but for their entity words, which differ: ``weights.sister``, or
    ``weights.sister_same_building`` when the house numbers agree (a shorter spelling of one company is as
    likely there as a sister company)."""
    entity = agreement_states(
        left.exact_codes["entity_words"][left_rows], right.exact_codes["entity_words"][right_rows]
    )
    differ = np.flatnonzero(entity == DISAGREES)
    sister = np.zeros(len(left_rows), dtype=bool)
    if len(differ):
        left_rests = _name_rest_codes(left.names, left_rows[differ])
        right_rests = _name_rest_codes(right.names, right_rows[differ])
        sister[differ] = (left_rests == right_rests) & (left_rests != 0)
    result = np.zeros(len(left_rows), dtype=np.float32)
    if not sister.any():
        return result
    rows = np.flatnonzero(sister)
    same_building = (
        (
            agreement_states(
                left.exact_codes["house_number"][left_rows[rows]],
                right.exact_codes["house_number"][right_rows[rows]],
            )
            == AGREES
        )
        & (left.street_names.codes[left_rows[rows]] == right.street_names.codes[right_rows[rows]])
        & (left.street_names.codes[left_rows[rows]] != 0)
    )
    result[rows] = np.where(same_building, weights.sister_same_building, weights.sister)
    return result


def domain_typo(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: ClearWeights = CLEAR_WEIGHTS,
) -> np.ndarray:
    """Whether the domain labels of pairs (which differ) differ only by a typo: both at least five
    characters long and ``weights.domain_typo_similarity`` similar."""
    similarity = _similarities(left.domain_labels, right.domain_labels, left_rows, right_rows, "ratio")
    long_enough = (left.domain_label_lengths[left_rows] >= 5) & (right.domain_label_lengths[right_rows] >= 5)
    result: np.ndarray = long_enough & (np.nan_to_num(similarity, nan=0.0) >= weights.domain_typo_similarity)
    return result


def resolve_mode(mode: str | None, one_to_many: bool | None) -> str:
    """The assignment mode from ``mode`` and the deprecated ``one_to_many`` flag (True = "one-to-many")."""
    if one_to_many is not None:
        warnings.warn(
            "one_to_many= is deprecated; use mode='one-to-many' (or mode='many', the default)",
            DeprecationWarning,
            stacklevel=3,
        )
        if mode is None:
            return ONE_TO_MANY if one_to_many else ONE_TO_ONE
    if mode is None:
        return DEFAULT_MODE
    if mode not in ACCEPTED_MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(ACCEPTED_MODES)}")
    return mode


@dataclass(frozen=True, slots=True)
class PairScorer:
    """Scores any pair of rows the assignment asks about: across the two lists, or inside one of them
    (duplicates), with the same evidence as the candidate pairs."""

    cross: Callable[[np.ndarray, np.ndarray], np.ndarray]
    within_left: Callable[[np.ndarray, np.ndarray], np.ndarray]
    within_right: Callable[[np.ndarray, np.ndarray], np.ndarray]


# A group of duplicates ("one company") larger than this is not trusted as one company.
MAX_COMPANY_RECORDS: Final = 12
# Two records of one list are taken to be one company at this score or above (or the run's threshold, if
# higher): more than a shared name (which alone scores about 0.86), since a wrong link here pairs a whole
# company with records it never matched.
DUPLICATE_THRESHOLD: Final = 0.9


def _pair_codes(left_rows: np.ndarray, right_rows: np.ndarray) -> np.ndarray:
    return left_rows.astype(np.uint64) << np.uint64(32) | right_rows.astype(np.uint64)


def _duplicate_links(
    rows: np.ndarray,
    partners: np.ndarray,
    lost_scores: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Of the (row, partner) links inside one list, those taken to be one company: scored at or above
    ``DUPLICATE_THRESHOLD``, or at or above ``threshold`` where the lost pair that asked for the link scored
    ``DUPLICATE_THRESHOLD`` or more itself (two strong pairs to one record, a weaker link between them)."""
    if not len(rows):
        return rows, partners
    codes = _pair_codes(np.minimum(rows, partners), np.maximum(rows, partners))
    order = np.argsort(codes, kind="stable")
    codes, lost_scores = codes[order], lost_scores[order]
    starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
    codes, best_lost = codes[starts], np.maximum.reduceat(lost_scores, starts)
    first = (codes >> np.uint64(32)).astype(np.int64)
    second = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    within = score(first, second)
    strong = max(threshold, DUPLICATE_THRESHOLD)
    same = (within >= strong) | ((within >= threshold) & (best_lost >= strong))
    return first[same], second[same]


def assign_pairs(
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float,
    mode: str = ONE_TO_ONE,
    scorer: PairScorer | None = None,
    sizes: tuple[int, int] = (0, 0),
) -> PairArrays:
    """Pairs at or above the threshold, assigned by ``mode`` (see ``handschlag.matching``).

    "many" needs ``scorer`` and ``sizes`` (rows of the left and right table): two records of one list are
    taken to be one company when the one-to-one assignment gave one of them a partner that the other also
    matches (a pair that lost), and the scorer scores the two records at or above the threshold; then every
    record of that company is paired with every record of the partner company (with its own score, which
    may be below the threshold).
    """
    above = scores >= threshold
    left_rows, right_rows, scores = left_rows[above], right_rows[above], scores[above]
    if mode == ALL:
        return PairArrays(left_rows, right_rows, scores)
    if mode == ONE_TO_MANY:
        chosen = assign_one_to_many(left_rows, right_rows, scores)
        return PairArrays(left_rows[chosen], right_rows[chosen], scores[chosen])
    chosen = assign_one_to_one(left_rows, right_rows, scores)
    if mode == ONE_TO_ONE or scorer is None or not len(chosen):
        return PairArrays(left_rows[chosen], right_rows[chosen], scores[chosen])
    left_size, right_size = sizes
    partner_of_left = np.full(left_size, -1, dtype=np.int64)
    partner_of_right = np.full(right_size, -1, dtype=np.int64)
    partner_of_left[left_rows[chosen]] = right_rows[chosen]
    partner_of_right[right_rows[chosen]] = left_rows[chosen]
    lost = np.ones(len(scores), dtype=bool)
    lost[chosen] = False
    lost_left, lost_right = left_rows[lost].astype(np.int64), right_rows[lost].astype(np.int64)
    # a lost pair (l, r) whose r went to l': is l the same company as l'? And likewise on the right.
    other_left = partner_of_right[lost_right]
    other_right = partner_of_left[lost_left]
    ask_left = (other_left >= 0) & (other_left != lost_left)
    ask_right = (other_right >= 0) & (other_right != lost_right)
    lost_scores = scores[lost]
    left_links = _duplicate_links(
        lost_left[ask_left], other_left[ask_left], lost_scores[ask_left], scorer.within_left, threshold
    )
    right_links = _duplicate_links(
        lost_right[ask_right], other_right[ask_right], lost_scores[ask_right], scorer.within_right, threshold
    )
    group_left, group_right = consistent_groups(
        left_size,
        right_size,
        (left_rows[chosen], right_rows[chosen]),
        left_links,
        right_links,
        max_group_size=MAX_COMPANY_RECORDS,
    )
    # scores: those of the candidate pairs where known, else scored now
    known_codes = _pair_codes(left_rows, right_rows)
    order = np.argsort(known_codes)
    wanted = _pair_codes(group_left, group_right)
    position = np.clip(np.searchsorted(known_codes, wanted, sorter=order), 0, max(len(order) - 1, 0))
    found = known_codes[order[position]] == wanted
    group_scores = np.empty(len(wanted), dtype=np.float32)
    group_scores[found] = scores[order[position[found]]]
    unknown = np.flatnonzero(~found)
    if len(unknown):
        group_scores[unknown] = scorer.cross(group_left[unknown], group_right[unknown])
    return PairArrays(group_left.astype(np.uint32), group_right.astype(np.uint32), group_scores)


def explain_clear_pairs(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: ClearWeights = CLEAR_WEIGHTS,
) -> dict[str, FieldColumns]:
    """The evidence per field behind ``score_clear_pairs`` for aligned pairs (every comparison made in
    full). The weights of all fields plus ``weights.baseline`` sum to the log-odds of the score; the
    address fields (street with house number, postal code, city) are shown after the cap on their sum,
    each scaled alike."""
    left_rows = np.asarray(left_rows, dtype=np.int64)
    right_rows = np.asarray(right_rows, dtype=np.int64)
    left, right = with_name_frequencies(left, right, weights)

    def states(field: str) -> np.ndarray:
        return agreement_states(left.exact_codes[field][left_rows], right.exact_codes[field][right_rows])

    nothing = np.full(len(left_rows), np.nan, dtype=np.float32)
    fields: dict[str, FieldColumns] = {}
    name_similarity = _name_similarities(
        left, right, left_rows, right_rows, np.ones(len(left_rows), dtype=bool), weights
    )
    name_weight = (
        weights.name.evidence(name_similarity)
        + weights.legal_form.evidence(states("legal_form"))
        + sister_evidence(left, right, left_rows, right_rows, weights)
        + name_commonness_evidence(left, right, left_rows, right_rows, name_similarity)
    )
    fields["name"] = FieldColumns(
        outcome_of_similarity(name_similarity, name_weight), name_similarity, name_weight
    )
    # the address: street (+ house number), postal code, city; capped together
    street_similarity = _similarities(
        left.street_names, right.street_names, left_rows, right_rows, "ratio", distinct_pairs=True
    )
    house = states("house_number")
    box = left.po_box[left_rows] | right.po_box[right_rows]
    street_similarity[box] = np.nan  # a P.O. box: no street to compare, nor its postal code
    house[box] = 0
    street_weight = weights.street.evidence(street_similarity) + weights.house_number.evidence(house)
    street_outcome = outcome_of_similarity(street_similarity, street_weight)
    street_outcome[(street_outcome == AGREES_CODE) & (house == DISAGREES)] = SIMILAR_CODE
    postal = states("postal_code")
    postal[box] = 0
    postal_weight = weights.postal_code.evidence(postal)
    city_similarity = _similarities(
        left.cities, right.cities, left_rows, right_rows, "token_set_ratio", distinct_pairs=True
    )
    city_weight = weights.city.evidence(city_similarity)
    total = street_weight + postal_weight + city_weight
    capped = np.clip(total, weights.address_range[0], weights.address_range[1])
    scale = np.ones(len(total), dtype=np.float32)
    np.divide(capped, total, out=scale, where=total != 0)
    host, label = states("domain_host"), states("domain_label")
    domain_outcome = outcome_of_states(label)
    domain_outcome[(host == AGREES)] = AGREES_CODE
    domain_outcome[(host != AGREES) & (label == AGREES)] = SIMILAR_CODE
    domain_weight = weights.domain_host.evidence(host) + weights.domain_label.evidence(label)
    from_email = left.domain_from_email[left_rows] | right.domain_from_email[right_rows]
    # an e-mail's domain that differs is no evidence against
    domain_weight[(label == DISAGREES) & from_email] += -weights.domain_label.disagrees
    differing = np.flatnonzero((label == DISAGREES) & ~from_email & (capped >= weights.domain_typo_address))
    if len(differing):
        typo = differing[domain_typo(left, right, left_rows[differing], right_rows[differing], weights)]
        domain_weight[typo] += -weights.domain_label.disagrees
        domain_outcome[typo] = SIMILAR_CODE
    fields["domain"] = FieldColumns(
        np.where(from_email, MISSING_CODE, domain_outcome).astype(np.int8),
        nothing,
        np.where(from_email, 0.0, domain_weight).astype(np.float32),
    )
    fields["email_domain"] = FieldColumns(
        np.where(from_email, domain_outcome, MISSING_CODE).astype(np.int8),
        nothing,
        np.where(from_email, domain_weight, 0.0).astype(np.float32),
    )
    for field in ("vat_id", "country"):
        field_states = states(field)
        field_weight: AgreementWeight = getattr(weights, field)
        fields[field] = FieldColumns(
            outcome_of_states(field_states), nothing, field_weight.evidence(field_states)
        )
    differing = np.flatnonzero(fields["vat_id"].outcome == DISAGREES_CODE)
    if len(differing):
        unusable = differing[~vat_ids_both_valid(left, right, left_rows[differing], right_rows[differing])]
        fields["vat_id"].outcome[unusable] = MISSING_CODE
        fields["vat_id"].weight[unusable] = 0.0
    phone_states = states("phone")
    fields["phone"] = FieldColumns(
        outcome_of_states(phone_states), nothing, weights.phone.evidence(phone_states)
    )
    fields["street"] = FieldColumns(street_outcome, street_similarity, street_weight * scale)
    fields["postal_code"] = FieldColumns(outcome_of_states(postal), nothing, postal_weight * scale)
    fields["city"] = FieldColumns(
        outcome_of_similarity(city_similarity, city_weight), city_similarity, city_weight * scale
    )
    return {field: fields[field] for field in EVIDENCE_FIELDS}


def with_name_frequencies(
    left: PreparedCompanies, right: PreparedCompanies, weights: ClearWeights = CLEAR_WEIGHTS
) -> tuple[PreparedCompanies, PreparedCompanies]:
    """The two tables with ``name_commonness`` learnt from them (a term-frequency adjustment, as Splink
    makes one): a name that the two lists hold n times in all (1 + 1 for a company in both) weighs
    log(n - 1) less when it agrees, up to ``weights.name_commonness_cap``."""

    def counts_per_record(left_codes: np.ndarray, right_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How often each record's code occurs in both lists together."""
        # a hash table (polars, every core) rather than sorting two lists of codes
        codes = pl.DataFrame({"code": np.concatenate([left_codes, right_codes])})
        per_record: np.ndarray = codes.select(pl.len().over("code"))["len"].to_numpy()
        return per_record[: len(left_codes)], per_record[len(left_codes) :]

    def commonness(codes: np.ndarray, count: np.ndarray) -> np.ndarray:
        result = np.log(np.maximum(count.astype(np.float32) - 1.0, 1.0)).astype(np.float32)
        result[codes == 0] = 0.0
        return np.minimum(result, np.float32(weights.name_commonness_cap))

    def exact_codes(table: PreparedCompanies, vat_count: np.ndarray) -> dict[str, np.ndarray]:
        """The VAT ids that the two lists hold more than ``weights.vat_id_max_count`` times in all are
        placeholders ("DE123456789"), not evidence: missing."""
        vat = table.exact_codes["vat_id"]
        return table.exact_codes | {
            "vat_id": np.where(vat_count > weights.vat_id_max_count, np.uint64(0), vat)
        }

    left_names, right_names = counts_per_record(left.name_codes, right.name_codes)
    left_vats, right_vats = counts_per_record(left.exact_codes["vat_id"], right.exact_codes["vat_id"])
    return (
        dataclasses.replace(
            left,
            name_commonness=commonness(left.name_codes, left_names),
            exact_codes=exact_codes(left, left_vats),
        ),
        dataclasses.replace(
            right,
            name_commonness=commonness(right.name_codes, right_names),
            exact_codes=exact_codes(right, right_vats),
        ),
    )


def name_commonness_evidence(
    left: PreparedCompanies,
    right: PreparedCompanies,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    similarity: np.ndarray,
) -> np.ndarray:
    """Minus the commonness of the rarer of two names where the names agree (similarity >= 0.95), else 0."""
    commonness = np.minimum(left.name_commonness[left_rows], right.name_commonness[right_rows])
    return np.where(np.nan_to_num(similarity, nan=0.0) >= 0.95, -commonness, 0.0).astype(np.float32)


def match_prepared(
    left: PreparedCompanies,
    right: PreparedCompanies,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    mode: str = DEFAULT_MODE,
    progress: ProgressReport = _silent,
) -> PairArrays:
    """Block, score and assign two prepared tables."""
    started = time.perf_counter()
    left, right = with_name_frequencies(left, right)
    left_rows, right_rows = candidate_pairs(left.blocking_keys, right.blocking_keys)
    progress(f"blocking: {len(left_rows):,} candidate pairs ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    scores = np.empty(len(left_rows), dtype=np.float32)

    # at least two chunks, so that a smaller run uses both threads too
    chunk_size = min(PAIRS_PER_SCORING_CHUNK, max(PAIRS_PER_SMALLEST_CHUNK, -(-len(left_rows) // 2)))

    def score_chunk(start: int) -> None:
        chunk = slice(start, start + chunk_size)
        scores[chunk] = score_clear_pairs(
            left, right, left_rows[chunk], right_rows[chunk], threshold=threshold
        )

    # two chunks at a time: one thread's numpy work overlaps the other's string comparisons (C or rapidfuzz)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(score_chunk, range(0, len(left_rows), chunk_size)))
    progress(f"scoring: {len(scores):,} pairs scored ({time.perf_counter() - started:.1f} s)")
    scorer = PairScorer(
        cross=lambda rows, others: score_clear_pairs(left, right, rows, others),
        within_left=lambda rows, others: score_clear_pairs(left, left, rows, others),
        within_right=lambda rows, others: score_clear_pairs(right, right, rows, others),
    )
    return assign_pairs(
        left_rows,
        right_rows,
        scores,
        threshold=threshold,
        mode=mode,
        scorer=scorer,
        sizes=(left.size, right.size),
    )


def match_tables(
    left: CompanyTable,
    right: CompanyTable,
    *,
    threshold: float | None = None,
    mode: str = DEFAULT_MODE,
    progress: ProgressReport = _silent,
) -> tuple[PairArrays, PreparedCompanies, PreparedCompanies]:
    """Match two tables in the clear; the pairs refer to rows of ``left`` and ``right``; with the two
    prepared tables (for ``explain_clear_pairs``)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:  # polars and pyarrow release the GIL
        prepared_left, prepared_right = pool.map(prepare_companies, (left, right))
    progress(f"normalising: {len(left):,} + {len(right):,} records ({time.perf_counter() - started:.1f} s)")
    pairs = match_prepared(
        prepared_left,
        prepared_right,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        mode=mode,
        progress=progress,
    )
    return pairs, prepared_left, prepared_right


def pairs_with_ids(
    pairs: PairArrays,
    left_ids: pl.Series,
    right_ids: pl.Series,
    evidence: dict[str, FieldColumns] | None = None,
) -> pl.DataFrame:
    """The pairs as a frame ``left_id, right_id, score`` (score rounded to 4 places), sorted by score; with
    ``evidence`` (aligned with ``pairs``) also a column ``evidence`` holding JSON per pair."""
    columns: dict[str, object] = {
        "left_id": left_ids.gather(pairs.left_rows),
        "right_id": right_ids.gather(pairs.right_rows),
        "score": np.round(pairs.scores.astype(np.float64), 4),
    }
    if evidence is not None:
        columns["evidence"] = pl.Series("evidence", evidence_json(evidence), dtype=pl.String)
    return pl.DataFrame(columns).sort(["score", "left_id", "right_id"], descending=[True, False, False])


def pair_objects(
    pairs: PairArrays,
    left_ids: pl.Series,
    right_ids: pl.Series,
    evidence: dict[str, FieldColumns] | None = None,
) -> list[MatchPair]:
    """The pairs as ``MatchPair`` objects, best first (ties by ids), with their evidence when given."""
    frame = pl.DataFrame(
        {
            "left_id": left_ids.gather(pairs.left_rows),
            "right_id": right_ids.gather(pairs.right_rows),
            "score": np.round(pairs.scores.astype(np.float64), 4),
            "index": np.arange(len(pairs.scores), dtype=np.int64),
        }
    ).sort(["score", "left_id", "right_id"], descending=[True, False, False])
    return [
        MatchPair(left_id, right_id, float(score), evidence_tuples(evidence, index) if evidence else ())  # type: ignore[arg-type]
        for left_id, right_id, score, index in frame.iter_rows()
    ]


def match_records(
    left: Sequence[CompanyRecord],
    right: Sequence[CompanyRecord],
    *,
    threshold: float | None = None,
    mode: str | None = None,
    explain: bool = False,
    one_to_many: bool | None = None,
) -> list[MatchPair]:
    """Pairs of left and right records that are the same company, best first.

    Raises ``MatchingInputError`` when ids repeat within one side, ``ValueError`` for an unknown mode.

    ``mode`` (default "many") says how records are assigned: see ``handschlag.matching``. ``threshold``
    (default 0.5) is the lowest score kept. With ``explain`` every pair carries its ``evidence``.
    ``one_to_many=True`` is the deprecated spelling of ``mode="one-to-many"``.
    """
    chosen_mode = resolve_mode(mode, one_to_many)
    if not left or not right:
        return []
    left_table = CompanyTable.from_records(left, "left records")
    right_table = CompanyTable.from_records(right, "right records")
    for table in (left_table, right_table):
        duplicated = table.ids.filter(table.ids.is_duplicated())
        if len(duplicated):
            raise MatchingInputError(table.source, 0, f"duplicate id {duplicated[0]!r}; ids must be unique")
    pairs, prepared_left, prepared_right = match_tables(
        left_table, right_table, threshold=threshold, mode=chosen_mode
    )
    evidence = (
        explain_clear_pairs(prepared_left, prepared_right, pairs.left_rows, pairs.right_rows)
        if explain
        else None
    )
    return pair_objects(pairs, left_table.ids, right_table.ids, evidence)
