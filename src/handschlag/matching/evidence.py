"""Turning field comparisons into a match score.

Each field adds evidence in log-odds (Fellegi-Sunter style): positive when the field agrees, negative when
both records have it and it disagrees, zero when either record lacks it, so missing data never punishes.
The sum goes through the logistic function, giving a score in [0, 1] that reads like a probability.
The weights are set by hand from what each field means (an identical VAT id is near proof, a shared postal
code is weak) and checked against the generated labelled corpus in the tests; see docs/matching.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

AGREES = np.int8(1)
DISAGREES = np.int8(-1)
UNKNOWN = np.int8(0)


def agreement_states(left_codes: np.ndarray, right_codes: np.ndarray) -> np.ndarray:
    """Per pair: AGREES, DISAGREES or UNKNOWN (a code of 0 means the value is missing)."""
    both = (left_codes != 0) & (right_codes != 0)
    states = np.where(left_codes == right_codes, AGREES, DISAGREES).astype(np.int8)
    states[~both] = UNKNOWN
    return states


@dataclass(frozen=True, slots=True)
class AgreementWeight:
    """Log-odds added when a field agrees, and when it disagrees (usually negative)."""

    agrees: float
    disagrees: float

    def evidence(self, states: np.ndarray) -> np.ndarray:
        values = np.zeros(len(states), dtype=np.float32)
        values[states == AGREES] = self.agrees
        values[states == DISAGREES] = self.disagrees
        return values


@dataclass(frozen=True, slots=True)
class SimilarityCurve:
    """Log-odds as a piecewise-linear function of a similarity in [0, 1]; NaN similarity (missing) adds 0."""

    similarities: tuple[float, ...]
    log_odds: tuple[float, ...]

    def evidence(self, similarity: np.ndarray) -> np.ndarray:
        values: np.ndarray = np.interp(
            np.nan_to_num(similarity, nan=0.0), self.similarities, self.log_odds
        ).astype(np.float32)
        values[np.isnan(similarity)] = 0.0
        return values


def logistic(log_odds: np.ndarray) -> np.ndarray:
    """Scores in [0, 1] from summed log-odds."""
    clipped = np.clip(log_odds, -30.0, 30.0)
    scores: np.ndarray = (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)
    return scores


# --- explaining a score: evidence per field --------------------------------------------------------

OUTCOME_CODES: dict[int, str] = {0: "missing", 1: "agrees", 2: "similar", 3: "disagrees"}
MISSING_CODE, AGREES_CODE, SIMILAR_CODE, DISAGREES_CODE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class FieldColumns:
    """Evidence of one field for aligned pairs: outcome codes (``OUTCOME_CODES``), similarity (NaN where
    none was computed) and the log-odds weight added."""

    outcome: np.ndarray
    similarity: np.ndarray
    weight: np.ndarray


def outcome_of_states(states: np.ndarray) -> np.ndarray:
    """Outcome codes from agreement states (AGREES / DISAGREES / UNKNOWN)."""
    outcome = np.full(len(states), MISSING_CODE, dtype=np.int8)
    outcome[states == AGREES] = AGREES_CODE
    outcome[states == DISAGREES] = DISAGREES_CODE
    return outcome


def outcome_of_similarity(similarity: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Outcome codes from a similarity and the weight it earned: equal = agrees, any other positive weight
    = similar, else disagrees; NaN = missing."""
    outcome = np.where(
        similarity >= 0.9999, AGREES_CODE, np.where(weight > 0, SIMILAR_CODE, DISAGREES_CODE)
    ).astype(np.int8)
    outcome[np.isnan(similarity)] = MISSING_CODE
    return outcome


def evidence_tuples(fields: dict[str, FieldColumns], index: int) -> tuple[object, ...]:
    """The ``FieldEvidence`` of pair ``index`` (fields in the order given). Called once per pair: reads
    Python scalars with ``item`` (no numpy scalar per value; a NaN similarity is the one unequal to
    itself). A weight of zero is +0.0 (never -0.0, which would read "-0.0")."""
    result = []
    for name, columns in fields.items():
        similarity = columns.similarity.item(index)
        result.append(
            _field_evidence(
                name,
                OUTCOME_CODES[columns.outcome.item(index)],
                None if similarity != similarity else round(similarity, 4),
                round(columns.weight.item(index), 3) + 0.0,
            )
        )
    return tuple(result)


@lru_cache(maxsize=4096)
def _field_evidence(field: str, outcome: str, similarity: float | None, weight: float) -> object:
    """One ``FieldEvidence`` per distinct value (they are frozen): the pairs of a run share a few thousand
    (31,757 pairs of the held-out corpus at 100k: 2,456 distinct of 285,813), so most are not built again."""
    from handschlag.matching.records import FieldEvidence

    return FieldEvidence(field=field, outcome=outcome, similarity=similarity, weight=weight)


def evidence_json(fields: dict[str, FieldColumns]) -> list[str]:
    """One JSON object per pair: ``{"name": {"outcome": "similar", "similarity": 0.94, "weight": 2.1}, ...}``
    (similarity left out where none was computed)."""
    import json

    count = len(next(iter(fields.values())).outcome) if fields else 0
    texts = []
    for index in range(count):
        item: dict[str, dict[str, object]] = {}
        for name, columns in fields.items():
            entry: dict[str, object] = {"outcome": OUTCOME_CODES[int(columns.outcome[index])]}
            similarity = float(columns.similarity[index])
            if not np.isnan(similarity):
                entry["similarity"] = round(similarity, 4)
            entry["weight"] = round(float(columns.weight[index]), 3)
            item[name] = entry
        texts.append(json.dumps(item, separators=(",", ":")))
    return texts
