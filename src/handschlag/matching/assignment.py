"""Assignment: from scored candidate pairs to the final pairs, one-to-one or one-to-many.

One-to-one is the greedy matching by descending score (ties broken by left row, then right row), computed
without a per-pair Python loop: in each round every pair that is the best remaining pair of both its left and
its right record is accepted, and all other pairs touching an accepted record are dropped. With distinct
scores this gives exactly the greedy result, usually in a handful of rounds.
"""

from __future__ import annotations

import numpy as np


def _sorted_best_first(left: np.ndarray, right: np.ndarray, scores: np.ndarray) -> np.ndarray:
    return np.lexsort((right, left, -scores.astype(np.float64)))


def _first_occurrence_mask(values: np.ndarray) -> np.ndarray:
    """True at the first position of each distinct value."""
    _, first_positions = np.unique(values, return_index=True)
    mask = np.zeros(len(values), dtype=bool)
    mask[first_positions] = True
    return mask


def assign_one_to_one(left: np.ndarray, right: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices of the accepted pairs, each left and each right record used at most once."""
    order = _sorted_best_first(left, right, scores)
    remaining = order
    accepted: list[np.ndarray] = []
    while len(remaining):
        remaining_left = left[remaining]
        remaining_right = right[remaining]
        best_for_left = _first_occurrence_mask(remaining_left)
        best_for_right = _first_occurrence_mask(remaining_right)
        mutual = best_for_left & best_for_right
        chosen = remaining[mutual]
        accepted.append(chosen)
        taken_left = np.isin(remaining_left, left[chosen])
        taken_right = np.isin(remaining_right, right[chosen])
        remaining = remaining[~(taken_left | taken_right)]
    if not accepted:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(accepted))


def assign_one_to_many(left: np.ndarray, right: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices of the accepted pairs: each right record goes to its best left record; a left may get many."""
    order = _sorted_best_first(right, left, scores)
    reordered_right = right[order]
    return np.sort(order[_first_occurrence_mask(reordered_right)])
