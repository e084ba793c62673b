"""The survey figures as pure functions (no ORM): scaling, favourability, the two-proportion test, suppression.

DESIGN §3.8: alignment index per department = mean of the items scaled 0-100; perception gap = |sales - marketing|.
An item's answers are counts per Likert value (1-5), never single answers (docs/adr/0401-survey-anonymity.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FAVOURABLE_VALUES = frozenset({4, 5})
SIGNIFICANCE_LEVEL = 0.05


def scaled(value: int) -> float:
    """A Likert value 1-5 on the 0-100 scale: 1 → 0, 3 → 50, 5 → 100."""
    return (value - 1) * 25.0


def answer_count(counts: Mapping[int, int]) -> int:
    return sum(counts.values())


def mean_scaled(counts: Mapping[int, int]) -> float | None:
    """The item's mean on the 0-100 scale; None without answers."""
    total = answer_count(counts)
    if total == 0:
        return None
    return sum(scaled(value) * count for value, count in counts.items()) / total


def favourable(counts: Mapping[int, int]) -> int:
    """How many answered 4 or 5 (agree, strongly agree)."""
    return sum(count for value, count in counts.items() if value in FAVOURABLE_VALUES)


def favourable_share(counts: Mapping[int, int]) -> float | None:
    total = answer_count(counts)
    return None if total == 0 else favourable(counts) / total


def index_of(item_means: Iterable[float | None]) -> float | None:
    """The alignment index of a group: the mean of its item means (each 0-100)."""
    means = [mean for mean in item_means if mean is not None]
    return sum(means) / len(means) if means else None


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@dataclass(frozen=True)
class ProportionTest:
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE_LEVEL


def two_proportion_test(success_a: int, total_a: int, success_b: int, total_b: int) -> ProportionTest | None:
    """Two-sided two-proportion z-test with the pooled share: z = (p_a - p_b) / sqrt(p(1-p)(1/n_a + 1/n_b)).

    None when a group has no answers. When both shares are 0 or both 1 there is no variance: z = 0, p = 1.
    """
    if total_a <= 0 or total_b <= 0:
        return None
    share_a, share_b = success_a / total_a, success_b / total_b
    pooled = (success_a + success_b) / (total_a + total_b)
    variance = pooled * (1 - pooled) * (1 / total_a + 1 / total_b)
    if variance <= 0:
        return ProportionTest(z=0.0, p_value=1.0)
    z = (share_a - share_b) / math.sqrt(variance)
    p_value = 2.0 * (1.0 - normal_cdf(abs(z)))
    return ProportionTest(z=z, p_value=min(1.0, max(0.0, p_value)))


@dataclass(frozen=True)
class Disclosure:
    """Which groups' results may be shown, and whether figures over all groups may be."""

    shown: frozenset[str]
    suppressed: frozenset[str]
    total_shown: bool


def disclosure(group_sizes: Mapping[str, int], *, min_group_size: int) -> Disclosure:
    """A group is shown from `min_group_size` respondents on (never below 3).

    Complement suppression: figures over all groups (the total) are shown only when every group is, so that no
    suppressed group can be computed as total minus the others. When exactly one group would be suppressed and the
    others shown with the total hidden, nothing can be subtracted either: the survey has no other margin.
    """
    threshold = max(3, min_group_size)
    shown = frozenset(group for group, size in group_sizes.items() if size >= threshold)
    suppressed = frozenset(group_sizes) - shown
    return Disclosure(shown=shown, suppressed=suppressed, total_shown=not suppressed)
