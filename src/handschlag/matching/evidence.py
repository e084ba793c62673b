"""Turning field comparisons into a match score.

Each field adds evidence in log-odds (Fellegi-Sunter style): positive when the field agrees, negative when
both records have it and it disagrees, zero when either record lacks it, so missing data never punishes.
The sum goes through the logistic function, giving a score in [0, 1] that reads like a probability.
The weights are set by hand from what each field means (an identical VAT id is near proof, a shared postal
code is weak) and checked against the generated labelled corpus in the tests; see docs/matching.md.
"""

from __future__ import annotations

from dataclasses import dataclass

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
