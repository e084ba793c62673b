"""Matching in the clear: normalise → block → score → assign, on whole columns.

``match_tables`` is the columnar entry point the command line uses; ``match_records`` wraps it for callers
that hold ``CompanyRecord`` objects (accounts import de-duplication, partner mapping runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import polars as pl

from handschlag.matching.assignment import assign_one_to_many, assign_one_to_one
from handschlag.matching.blocking import (
    BLOCKING_KEY_EXPRESSIONS,
    blocking_key_strings,
    candidate_pairs,
    hashed_blocking_keys,
    plain_string_hashes,
)
from handschlag.matching.evidence import AgreementWeight, SimilarityCurve, agreement_states, logistic
from handschlag.matching.normalisation import RAW_FIELDS, compiled_module, normalise_frame, string_buffers
from handschlag.matching.records import COMPANY_FIELDS, CompanyRecord, MatchingInputError, MatchPair

DEFAULT_THRESHOLD: Final = 0.5
PAIRS_PER_SCORING_CHUNK: Final = 500_000

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
        return cls(source, frame.with_columns(pl.col(field).str.strip_chars() for field in RAW_FIELDS))


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
)


_ADDRESS_FIELDS: Final = ("postal_code", "house_number")
_NON_ADDRESS_FIELDS: Final = tuple(field for field in _EXACT_FIELDS if field not in _ADDRESS_FIELDS)


@dataclass(frozen=True, slots=True)
class PreparedCompanies:
    """A table normalised and keyed for matching in the clear."""

    size: int
    blocking_keys: np.ndarray
    exact_codes: dict[str, np.ndarray]
    names: TextColumn
    multi_word: np.ndarray  # names of more than one word, whose order may differ
    street_names: TextColumn
    cities: TextColumn


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
    keys = np.frombuffer(fast.blocking_keys(buffers, normalised.height), dtype=np.uint64)
    return keys.reshape(normalised.height, len(BLOCKING_KEY_EXPRESSIONS))


@dataclass(frozen=True, slots=True)
class TextColumn:
    """Texts of one normalised field (null where missing), which of them are present, and a 64-bit code
    per text (equal texts, equal codes; 0 where missing) that lets equal texts skip the comparison.

    ``buffers`` are the column's Arrow buffers for the compiled similarity (None without it); Python
    strings are made only for the rows rapidfuzz has to compare (``texts``)."""

    column: pl.Series
    present: np.ndarray
    codes: np.ndarray
    buffers: tuple[int, object, object, object, int] | None

    @classmethod
    def from_series(cls, column: pl.Series) -> TextColumn:
        present: np.ndarray = (
            (column.is_not_null() & (column.str.len_bytes() > 0)).fill_null(False).to_numpy()
        )
        codes = _codes(column)
        codes[~present] = 0
        buffers = string_buffers(column) if compiled_module() is not None else None
        return cls(column, present, codes, buffers)

    def texts(self, rows: np.ndarray) -> list[str | None]:
        return self.column.gather(rows).to_list()


def prepare_companies(table: CompanyTable) -> PreparedCompanies:
    """Normalise a table and compute its blocking keys and comparison columns."""
    normalised = normalise_frame(
        table.frame.select([field for field in RAW_FIELDS if field in table.frame.columns]), stripped=True
    )
    return PreparedCompanies(
        size=normalised.height,
        blocking_keys=clear_blocking_keys(normalised),
        exact_codes={field: _codes(normalised[field]) for field in _EXACT_FIELDS},
        names=TextColumn.from_series(normalised["name_core"]),
        multi_word=normalised["name_core"].str.contains(" ", literal=True).fill_null(False).to_numpy(),
        street_names=TextColumn.from_series(normalised["street_name"]),
        cities=TextColumn.from_series(normalised["city"]),
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


# The string similarities used, by the name of their rapidfuzz function; the compiled code computes each
# of them itself for ASCII texts (the number is its code for the C function).
Scorer = Literal["ratio", "token_sort_ratio", "token_set_ratio"]
_COMPILED_SCORERS: Final[dict[str, int]] = {"ratio": 0, "token_sort_ratio": 1, "token_set_ratio": 2}


def _scored(
    left: TextColumn,
    right: TextColumn,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    scorer: Scorer,
) -> np.ndarray:
    """rapidfuzz's ``scorer`` / 100 (float32) of the texts at aligned rows, all present: in C for ASCII texts
    (the same figures), else with rapidfuzz."""
    fast = compiled_module()
    if fast is None or left.buffers is None or right.buffers is None:
        return _rapidfuzz_scored(left, right, left_rows, right_rows, scorer)
    scored = np.frombuffer(
        fast.similarities(
            left.buffers,
            len(left.column),
            right.buffers,
            len(right.column),
            np.ascontiguousarray(left_rows, dtype=np.uint32),
            np.ascontiguousarray(right_rows, dtype=np.uint32),
            _COMPILED_SCORERS[scorer],
        ),
        dtype=np.float32,
    ).copy()
    not_ascii = np.flatnonzero(np.isnan(scored))
    if len(not_ascii):
        scored[not_ascii] = _rapidfuzz_scored(
            left, right, left_rows[not_ascii], right_rows[not_ascii], scorer
        )
    return scored


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
        reordered = _similarities(
            left.names, right.names, left_rows[unsure], right_rows[unsure], "token_sort_ratio"
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
    best_address = weights.address_range[1]
    best_name = max(weights.name.log_odds)
    # The address first (cheap: exact codes, and each distinct pair of cities and streets compared once),
    # for the pairs that could reach the threshold with the best name and address evidence ...
    open_pairs = np.flatnonzero(log_odds + best_name + best_address >= needed)
    left_open, right_open = left_rows[open_pairs], right_rows[open_pairs]
    address = np.zeros(len(open_pairs), dtype=np.float32)
    for field in _ADDRESS_FIELDS:
        states = agreement_states(left.exact_codes[field][left_open], right.exact_codes[field][right_open])
        field_weight = getattr(weights, field)
        address += field_weight.evidence(states)
    address += weights.city.evidence(
        _similarities(
            left.cities, right.cities, left_open, right_open, "token_set_ratio", distinct_pairs=True
        )
    )
    address += weights.street.evidence(
        _similarities(
            left.street_names, right.street_names, left_open, right_open, "ratio", distinct_pairs=True
        )
    )
    address = np.clip(address, weights.address_range[0], weights.address_range[1])
    # ... then the names (the costly comparisons), only for the pairs that the best name evidence could
    # still lift over the threshold, given their address. The others get upper bounds (best name, best
    # address), which are below the threshold.
    name_open = log_odds[open_pairs] + address + best_name >= needed
    named = open_pairs[name_open]
    containment_evidence = float(weights.name.evidence(np.array([weights.name_containment], np.float32))[0])
    containment_could_matter = log_odds[named] + address[name_open] + containment_evidence >= needed
    name_evidence = np.full(len(left_rows), best_name, dtype=np.float32)
    name_evidence[named] = weights.name.evidence(
        _name_similarities(
            left, right, left_rows[named], right_rows[named], containment_could_matter, weights
        )
    )
    # summed in the same order as when every score is computed, so that scores do not depend on the threshold
    log_odds += name_evidence
    log_odds += best_address
    log_odds[open_pairs] += address - best_address
    return logistic(log_odds)


def assign_pairs(
    left_rows: np.ndarray, right_rows: np.ndarray, scores: np.ndarray, *, threshold: float, one_to_many: bool
) -> PairArrays:
    """Pairs at or above the threshold, assigned one-to-one (default) or one-to-many."""
    above = scores >= threshold
    left_rows, right_rows, scores = left_rows[above], right_rows[above], scores[above]
    assign = assign_one_to_many if one_to_many else assign_one_to_one
    chosen = assign(left_rows, right_rows, scores)
    return PairArrays(left_rows[chosen], right_rows[chosen], scores[chosen])


def match_prepared(
    left: PreparedCompanies,
    right: PreparedCompanies,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    one_to_many: bool = False,
    progress: ProgressReport = _silent,
) -> PairArrays:
    """Block, score and assign two prepared tables."""
    started = time.perf_counter()
    left_rows, right_rows = candidate_pairs(left.blocking_keys, right.blocking_keys)
    progress(f"blocking: {len(left_rows):,} candidate pairs ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    scores = np.empty(len(left_rows), dtype=np.float32)

    def score_chunk(start: int) -> None:
        chunk = slice(start, start + PAIRS_PER_SCORING_CHUNK)
        scores[chunk] = score_clear_pairs(
            left, right, left_rows[chunk], right_rows[chunk], threshold=threshold
        )

    # two chunks at a time: one thread's numpy work overlaps the other's string comparisons (C or rapidfuzz)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(score_chunk, range(0, len(left_rows), PAIRS_PER_SCORING_CHUNK)))
    progress(f"scoring: {len(scores):,} pairs scored ({time.perf_counter() - started:.1f} s)")
    return assign_pairs(left_rows, right_rows, scores, threshold=threshold, one_to_many=one_to_many)


def match_tables(
    left: CompanyTable,
    right: CompanyTable,
    *,
    threshold: float | None = None,
    one_to_many: bool = False,
    progress: ProgressReport = _silent,
) -> PairArrays:
    """Match two tables in the clear; the pairs refer to rows of ``left`` and ``right``."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:  # polars and pyarrow release the GIL
        prepared_left, prepared_right = pool.map(prepare_companies, (left, right))
    progress(f"normalising: {len(left):,} + {len(right):,} records ({time.perf_counter() - started:.1f} s)")
    return match_prepared(
        prepared_left,
        prepared_right,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        one_to_many=one_to_many,
        progress=progress,
    )


def pairs_with_ids(pairs: PairArrays, left_ids: pl.Series, right_ids: pl.Series) -> pl.DataFrame:
    """The pairs as a frame ``left_id, right_id, score`` (score rounded to 4 places), sorted by score."""
    return pl.DataFrame(
        {
            "left_id": left_ids.gather(pairs.left_rows),
            "right_id": right_ids.gather(pairs.right_rows),
            "score": np.round(pairs.scores.astype(np.float64), 4),
        }
    ).sort(["score", "left_id", "right_id"], descending=[True, False, False])


def match_records(
    left: Sequence[CompanyRecord],
    right: Sequence[CompanyRecord],
    *,
    threshold: float | None = None,
    one_to_many: bool = False,
) -> list[MatchPair]:
    """Pairs of left and right records that are the same company, best first.

    Raises ``MatchingInputError`` when ids repeat within one side.

    One-to-one by default: every record appears in at most one pair. With ``one_to_many`` every right record
    goes to its best left record and a left record may get several. ``threshold`` (default 0.5) is the lowest
    score kept.
    """
    if not left or not right:
        return []
    left_table = CompanyTable.from_records(left, "left records")
    right_table = CompanyTable.from_records(right, "right records")
    for table in (left_table, right_table):
        duplicated = table.ids.filter(table.ids.is_duplicated())
        if len(duplicated):
            raise MatchingInputError(table.source, 0, f"duplicate id {duplicated[0]!r}; ids must be unique")
    pairs = match_tables(left_table, right_table, threshold=threshold, one_to_many=one_to_many)
    frame = pairs_with_ids(pairs, left_table.ids, right_table.ids)
    return [MatchPair(left_id, right_id, float(score)) for left_id, right_id, score in frame.iter_rows()]
