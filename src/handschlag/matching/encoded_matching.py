"""Matching two encoded tables: the same block → score → assign as in the clear, on keyed data only.

Keyed hashes are compared for equality; hardened Bloom filters by Hamming distance. With diffusion, two
filters of unrelated texts differ in about half of their bits and identical texts in none, so the
similarity used is ``1 - 2 * hamming / bits`` (about 0 for unrelated, 1 for identical).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np

from handschlag.matching.blocking import candidate_pairs
from handschlag.matching.encoding import EncodedTable
from handschlag.matching.engine import (
    DEFAULT_THRESHOLD,
    PairArrays,
    PairScorer,
    ProgressReport,
    assign_pairs,
    pair_objects,
    resolve_mode,
)
from handschlag.matching.evidence import (
    AGREES,
    AGREES_CODE,
    DISAGREES,
    SIMILAR_CODE,
    AgreementWeight,
    FieldColumns,
    SimilarityCurve,
    agreement_states,
    logistic,
    outcome_of_similarity,
    outcome_of_states,
)
from handschlag.matching.records import DEFAULT_MODE, EVIDENCE_FIELDS, MatchResult

PAIRS_PER_SCORING_CHUNK: Final = 500_000

DIFFERENT_SECRETS_WARNING: Final = (
    "{left} and {right} were encoded with different secrets: their encodings cannot be compared and any pairs "
    "found are chance; encode both lists again with the same secret file"
)


def _silent(message: str) -> None:
    del message


@dataclass(frozen=True, slots=True)
class EncodedWeights:
    """Evidence weights for matching encodings (log-odds); see ``handschlag.matching.evidence``."""

    baseline: float
    name: SimilarityCurve
    vat_id: AgreementWeight
    domain_host: AgreementWeight
    domain_label: AgreementWeight
    legal_form: AgreementWeight
    country: AgreementWeight
    phone: AgreementWeight
    sister: float
    sister_same_building: float
    street: SimilarityCurve
    postal_code: SimilarityCurve
    city: SimilarityCurve
    address_range: tuple[float, float]


ENCODED_WEIGHTS: Final = EncodedWeights(
    baseline=-3.0,
    name=SimilarityCurve(
        (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), (-7.0, -6.5, -5.0, -2.5, -0.5, 1.5, 3.2, 4.5)
    ),
    vat_id=AgreementWeight(12.0, -6.0),
    domain_host=AgreementWeight(5.0, 0.0),
    domain_label=AgreementWeight(2.5, -2.5),
    legal_form=AgreementWeight(0.3, -1.0),
    country=AgreementWeight(0.0, -2.0),
    phone=AgreementWeight(3.0, 0.0),
    sister=-12.0,
    sister_same_building=-6.0,
    street=SimilarityCurve((0.0, 0.4, 0.6, 0.8, 1.0), (-1.5, -1.5, -0.5, 1.0, 2.2)),
    postal_code=SimilarityCurve((0.0, 0.6, 0.8, 0.95, 1.0), (-2.0, -2.0, -1.0, 1.0, 1.5)),
    city=SimilarityCurve((0.0, 0.5, 0.7, 0.9, 1.0), (-3.0, -3.0, -1.5, 0.5, 1.0)),
    address_range=(-4.5, 4.0),
)


def filter_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``1 - 2 * hamming / bits`` per aligned pair of filter rows; NaN where either filter is empty."""
    bits = left.shape[1] * 64
    hamming = np.bitwise_count(np.bitwise_xor(left, right)).sum(axis=1, dtype=np.int64)
    similarity: np.ndarray = (1.0 - 2.0 * hamming / bits).astype(np.float32)
    empty = ~left.any(axis=1) | ~right.any(axis=1)
    similarity[empty] = np.nan
    np.clip(similarity, 0.0, 1.0, where=~empty, out=similarity)
    return similarity


def score_encoded_pairs(
    left: EncodedTable,
    right: EncodedTable,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: EncodedWeights = ENCODED_WEIGHTS,
) -> np.ndarray:
    """Match scores in [0, 1] for aligned arrays of left and right row indices."""
    log_odds = np.full(len(left_rows), weights.baseline, dtype=np.float32)
    log_odds += weights.name.evidence(
        filter_similarities(left.filters["name"][left_rows], right.filters["name"][right_rows])
    )
    for field in ("vat_id", "domain_host", "domain_label", "legal_form", "country", "phone"):
        states = agreement_states(left.exact_hashes[field][left_rows], right.exact_hashes[field][right_rows])
        field_weight: AgreementWeight = getattr(weights, field)
        log_odds += field_weight.evidence(states)
    log_odds += encoded_sister_evidence(left, right, left_rows, right_rows, weights)
    # as in the clear: a differing domain taken from an e-mail is no evidence against; a P.O. box leaves
    # only the city to compare
    from_email = _flag(left, "domain_from_email", left_rows) | _flag(right, "domain_from_email", right_rows)
    label_differs = (
        agreement_states(
            left.exact_hashes["domain_label"][left_rows], right.exact_hashes["domain_label"][right_rows]
        )
        == DISAGREES
    )
    log_odds += np.where(label_differs & from_email, -weights.domain_label.disagrees, 0.0).astype(np.float32)
    box = _flag(left, "po_box", left_rows) | _flag(right, "po_box", right_rows)
    address = np.where(
        box,
        np.float32(0.0),
        weights.street.evidence(
            filter_similarities(left.filters["street"][left_rows], right.filters["street"][right_rows])
        ),
    )
    for field in ("postal_code", "city"):
        curve: SimilarityCurve = getattr(weights, field)
        evidence = curve.evidence(
            filter_similarities(left.filters[field][left_rows], right.filters[field][right_rows])
        )
        address += np.where(box, np.float32(0.0), evidence) if field == "postal_code" else evidence
    log_odds += np.clip(address, weights.address_range[0], weights.address_range[1])
    return logistic(log_odds)


def _flag(table: EncodedTable, field: str, rows: np.ndarray) -> np.ndarray:
    """A per-record yes/no the encoding carries as a keyed hash (present = yes)."""
    flags: np.ndarray = table.exact_hashes[field][rows] != 0
    return flags


def encoded_sister_evidence(
    left: EncodedTable,
    right: EncodedTable,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: EncodedWeights = ENCODED_WEIGHTS,
) -> np.ndarray:
    """As ``engine.sister_evidence``, on the keyed hashes of the name without entity words, the entity
    words and the house number."""

    def states(field: str) -> np.ndarray:
        return agreement_states(left.exact_hashes[field][left_rows], right.exact_hashes[field][right_rows])

    sister = (states("name_rest") == AGREES) & (states("entity_words") == DISAGREES)
    same_building = states("house_number") == AGREES
    return np.where(
        sister, np.where(same_building, weights.sister_same_building, weights.sister), 0.0
    ).astype(np.float32)


def _warnings(left: EncodedTable, right: EncodedTable) -> list[str]:
    if left.secret_fingerprint != right.secret_fingerprint:
        return [DIFFERENT_SECRETS_WARNING.format(left=left.source, right=right.source)]
    return []


def explain_encoded_pairs(
    left: EncodedTable,
    right: EncodedTable,
    left_rows: np.ndarray,
    right_rows: np.ndarray,
    weights: EncodedWeights = ENCODED_WEIGHTS,
) -> dict[str, FieldColumns]:
    """The evidence per field behind ``score_encoded_pairs`` for aligned pairs (as
    ``engine.explain_clear_pairs``; similarities are those of the Bloom filters)."""
    left_rows = np.asarray(left_rows, dtype=np.int64)
    right_rows = np.asarray(right_rows, dtype=np.int64)
    nothing = np.full(len(left_rows), np.nan, dtype=np.float32)

    def states(field: str) -> np.ndarray:
        return agreement_states(left.exact_hashes[field][left_rows], right.exact_hashes[field][right_rows])

    def similarity(field: str) -> np.ndarray:
        return filter_similarities(left.filters[field][left_rows], right.filters[field][right_rows])

    fields: dict[str, FieldColumns] = {}
    name_similarity = similarity("name")
    name_weight = (
        weights.name.evidence(name_similarity)
        + weights.legal_form.evidence(states("legal_form"))
        + encoded_sister_evidence(left, right, left_rows, right_rows, weights)
    )
    fields["name"] = FieldColumns(
        outcome_of_similarity(name_similarity, name_weight), name_similarity, name_weight
    )
    host, label = states("domain_host"), states("domain_label")
    domain_outcome = outcome_of_states(label)
    domain_outcome[host == AGREES] = AGREES_CODE
    domain_outcome[(host != AGREES) & (label == AGREES)] = SIMILAR_CODE
    fields["domain"] = FieldColumns(
        domain_outcome, nothing, weights.domain_host.evidence(host) + weights.domain_label.evidence(label)
    )
    for field in ("vat_id", "country", "phone"):
        field_states = states(field)
        field_weight: AgreementWeight = getattr(weights, field)
        fields[field] = FieldColumns(
            outcome_of_states(field_states), nothing, field_weight.evidence(field_states)
        )
    address: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for field in ("street", "postal_code", "city"):
        field_similarity = similarity(field)
        curve: SimilarityCurve = getattr(weights, field)
        address[field] = (field_similarity, curve.evidence(field_similarity))
    total = sum(weight for _, weight in address.values())
    assert isinstance(total, np.ndarray)
    capped = np.clip(total, weights.address_range[0], weights.address_range[1])
    scale = np.ones(len(total), dtype=np.float32)
    np.divide(capped, total, out=scale, where=total != 0)
    for field, (field_similarity, weight) in address.items():
        fields[field] = FieldColumns(
            outcome_of_similarity(field_similarity, weight), field_similarity, weight * scale
        )
    missing = FieldColumns(
        np.zeros(len(left_rows), dtype=np.int8), nothing, np.zeros(len(left_rows), np.float32)
    )
    for field in EVIDENCE_FIELDS:
        fields.setdefault(field, missing)
    return {field: fields[field] for field in EVIDENCE_FIELDS}


def match_encoded_arrays(
    left: EncodedTable,
    right: EncodedTable,
    *,
    threshold: float | None = None,
    mode: str = DEFAULT_MODE,
    progress: ProgressReport = _silent,
) -> tuple[PairArrays, list[str]]:
    """Match two encoded tables; the pairs refer to rows of ``left`` and ``right``; plus warnings."""
    warnings = _warnings(left, right)
    started = time.perf_counter()
    left_rows, right_rows = candidate_pairs(left.blocking_keys, right.blocking_keys)
    progress(f"blocking: {len(left_rows):,} candidate pairs ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    scores = np.empty(len(left_rows), dtype=np.float32)

    def score_chunk(start: int) -> None:
        chunk = slice(start, start + PAIRS_PER_SCORING_CHUNK)
        scores[chunk] = score_encoded_pairs(left, right, left_rows[chunk], right_rows[chunk])

    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy releases the GIL: two chunks at a time
        list(pool.map(score_chunk, range(0, len(left_rows), PAIRS_PER_SCORING_CHUNK)))
    progress(f"scoring: {len(scores):,} pairs scored ({time.perf_counter() - started:.1f} s)")
    scorer = PairScorer(
        cross=lambda rows, others: score_encoded_pairs(left, right, rows, others),
        within_left=lambda rows, others: score_encoded_pairs(left, left, rows, others),
        within_right=lambda rows, others: score_encoded_pairs(right, right, rows, others),
    )
    pairs = assign_pairs(
        left_rows,
        right_rows,
        scores,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        mode=mode,
        scorer=scorer,
        sizes=(len(left), len(right)),
    )
    return pairs, warnings


def match_encoded(
    left: EncodedTable,
    right: EncodedTable,
    *,
    threshold: float | None = None,
    mode: str | None = None,
    explain: bool = False,
    one_to_many: bool | None = None,
) -> MatchResult:
    """Pairs of encoded records that are the same company, best first, with warnings.

    ``mode``, ``threshold``, ``explain`` and the deprecated ``one_to_many`` as for ``match_records``.
    ``result.same_secret`` is False (and ``result.warnings`` says so) when the two tables were encoded
    with different secrets.
    """
    chosen_mode = resolve_mode(mode, one_to_many)
    pairs, warnings = match_encoded_arrays(left, right, threshold=threshold, mode=chosen_mode)
    evidence = explain_encoded_pairs(left, right, pairs.left_rows, pairs.right_rows) if explain else None
    return MatchResult(
        pairs=pair_objects(pairs, left.ids, right.ids, evidence),
        warnings=warnings,
        same_secret=left.secret_fingerprint == right.secret_fingerprint,
    )
