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


def connected_components(size: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A component label per node (0..size-1) of the undirected graph with edges (first[i], second[i]):
    the smallest node of its component. Vectorised label propagation with pointer jumping."""
    labels = np.arange(size, dtype=np.int64)
    if not len(first):
        return labels
    first = first.astype(np.int64)
    second = second.astype(np.int64)
    while True:
        low = np.minimum(labels[first], labels[second])
        before = labels.copy()
        np.minimum.at(labels, first, low)
        np.minimum.at(labels, second, low)
        labels = labels[labels]  # pointer jumping: follow each label to its own label
        labels = labels[labels]
        if np.array_equal(labels, before):
            return labels


def consistent_groups(
    left_size: int,
    right_size: int,
    assigned: tuple[np.ndarray, np.ndarray],
    left_links: tuple[np.ndarray, np.ndarray],
    right_links: tuple[np.ndarray, np.ndarray],
    *,
    max_group_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """All (left row, right row) pairs of the companies formed by one-to-one pairs (``assigned``) plus
    duplicate links inside the left and inside the right list: every left record of a company is paired
    with every right record of it, so that duplicates inside one list all map to the other side.

    Groups larger than ``max_group_size`` records (long chains of links, which say more about a weak
    link than about one company) keep only their one-to-one pairs.
    """
    assigned_left, assigned_right = (np.asarray(part, dtype=np.int64) for part in assigned)
    # one graph: left rows 0..left_size-1, right rows left_size..
    first = np.concatenate([assigned_left, left_links[0].astype(np.int64), right_links[0] + left_size])
    second = np.concatenate(
        [assigned_right + left_size, left_links[1].astype(np.int64), right_links[1] + left_size]
    )
    labels = connected_components(left_size + right_size, first, second)
    group_sizes = np.bincount(labels, minlength=left_size + right_size)
    touched = np.unique(np.concatenate([first, second]))
    linked = touched[(group_sizes[labels[touched]] > 2) & (group_sizes[labels[touched]] <= max_group_size)]
    linked_left = linked[linked < left_size]
    linked_right = linked[linked >= left_size]
    if not len(linked_left) or not len(linked_right):
        return assigned_left, assigned_right
    # cross product within each group: sort both sides by group and pair them up group by group
    left_groups = labels[linked_left]
    right_groups = labels[linked_right]
    left_order = np.argsort(left_groups, kind="stable")
    right_order = np.argsort(right_groups, kind="stable")
    linked_left, left_groups = linked_left[left_order], left_groups[left_order]
    linked_right, right_groups = linked_right[right_order] - left_size, right_groups[right_order]
    groups, left_starts, left_counts = np.unique(left_groups, return_index=True, return_counts=True)
    right_index = np.searchsorted(right_groups, groups)
    right_counts = np.searchsorted(right_groups, groups, side="right") - right_index
    has_both = right_counts > 0
    left_starts, left_counts = left_starts[has_both], left_counts[has_both]
    right_index, right_counts = right_index[has_both], right_counts[has_both]
    # pair k of a group (of a left and b right records) is left k // b with right k % b, for all groups at once
    pair_counts = left_counts * right_counts
    group_of_pair = np.repeat(np.arange(len(pair_counts)), pair_counts)
    first_pair = np.concatenate([[0], np.cumsum(pair_counts)[:-1]])
    within = np.arange(int(pair_counts.sum())) - first_pair[group_of_pair]
    width = right_counts[group_of_pair]
    pairs_left = linked_left[left_starts[group_of_pair] + within // width]
    pairs_right = linked_right[right_index[group_of_pair] + within % width]
    grouped = np.isin(assigned_left, linked_left)
    all_left = np.concatenate([assigned_left[~grouped], pairs_left])
    all_right = np.concatenate([assigned_right[~grouped], pairs_right])
    return all_left, all_right
