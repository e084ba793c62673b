"""Fit of an account (or a lead) to the ideal customer profile: pure functions, fast enough for 100k accounts.

score = 100 x (sum of the weights of the criteria met) / (sum of all weights), rounded; a value that is unknown
(no industry, no employee count …) does not meet its criterion and says so in the reasons. Bands: A from 80,
B from 60, C from 40, D below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

BAND_LIMITS: tuple[tuple[str, int], ...] = (("A", 80), ("B", 60), ("C", 40), ("D", 0))

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    kind: str  # industry, employees, revenue, region
    weight: int
    values: tuple[str, ...] = ()  # lower-cased industries; region tokens "de" or "de-7"
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class CompanyFacts:
    """What the profile looks at; any of it may be missing."""

    industry: str = ""
    employees: int | None = None
    revenue: float | Decimal | None = None
    country: str = ""
    postal_code: str = ""


class Fit(NamedTuple):
    score: int
    band: str
    reasons: tuple[tuple[str, str], ...]  # (criterion kind, met / not_met / unknown)


def band_of(score: int) -> str:
    for band, limit in BAND_LIMITS:
        if score >= limit:
            return band
    return "D"


def split_values(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


def _in_range(value: float, criterion: Criterion) -> bool:
    if criterion.minimum is not None and value < criterion.minimum:
        return False
    return not (criterion.maximum is not None and value > criterion.maximum)


def _region_met(country: str, postal_code: str, tokens: tuple[str, ...]) -> bool:
    country = country.lower()
    for token in tokens:
        token_country, _dash, prefix = token.partition("-")
        if token_country == country and postal_code.startswith(prefix):
            return True
    return False


def _judge(facts: CompanyFacts, criterion: Criterion) -> str:
    kind = criterion.kind
    if kind == "industry":
        if not facts.industry:
            return UNKNOWN
        return MET if facts.industry.strip().lower() in criterion.values else NOT_MET
    if kind == "employees":
        if facts.employees is None:
            return UNKNOWN
        return MET if _in_range(float(facts.employees), criterion) else NOT_MET
    if kind == "revenue":
        if facts.revenue is None:
            return UNKNOWN
        return MET if _in_range(float(facts.revenue), criterion) else NOT_MET
    if kind == "region":
        if not facts.country:
            return UNKNOWN
        return MET if _region_met(facts.country, facts.postal_code or "", criterion.values) else NOT_MET
    return UNKNOWN


def fit_of(facts: CompanyFacts, criteria: Sequence[Criterion]) -> Fit | None:
    """The fit of one company; None when the profile has no criteria."""
    total = sum(criterion.weight for criterion in criteria)
    if total <= 0:
        return None
    met = 0
    reasons = []
    for criterion in criteria:
        verdict = _judge(facts, criterion)
        if verdict == MET:
            met += criterion.weight
        reasons.append((criterion.kind, verdict))
    score = round(100 * met / total)
    return Fit(score=score, band=band_of(score), reasons=tuple(reasons))


Row = tuple[int, str, int | None, float | Decimal | None, str, str]


def _compiled(criterion: Criterion) -> Callable[[Row], str]:
    """The criterion as one function of a row (id, industry, employees, revenue, country, postal code)."""
    low, high = criterion.minimum, criterion.maximum
    if criterion.kind == "industry":
        wanted = frozenset(criterion.values)

        def industry(row: Row) -> str:
            value = row[1]
            if not value:
                return UNKNOWN
            return MET if value.strip().lower() in wanted else NOT_MET

        return industry
    if criterion.kind in ("employees", "revenue"):
        index = 2 if criterion.kind == "employees" else 3

        def in_range(row: Row) -> str:
            value = row[index]
            if value is None:
                return UNKNOWN
            number = float(value)
            if (low is not None and number < low) or (high is not None and number > high):
                return NOT_MET
            return MET

        return in_range
    if criterion.kind == "region":
        tokens = [token.partition("-") for token in criterion.values]

        def region(row: Row) -> str:
            country = row[4]
            if not country:
                return UNKNOWN
            country = country.lower()
            postal_code = row[5] or ""
            for token_country, _dash, prefix in tokens:
                if token_country == country and postal_code.startswith(prefix):
                    return MET
            return NOT_MET

        return region
    return lambda row: UNKNOWN


def fits_of(rows: Iterable[Row], criteria: Sequence[Criterion]) -> Iterator[tuple[int, Fit]]:
    """Bulk: (id, industry, employees, revenue, country, postal code) rows → (id, fit). One pass, no queries; the
    same verdicts as `fit_of`, with each criterion compiled once."""
    total = sum(criterion.weight for criterion in criteria)
    if total <= 0:
        return
    judges = [(criterion.kind, criterion.weight, _compiled(criterion)) for criterion in criteria]
    for row in rows:
        met = 0
        reasons = []
        for kind, weight, judge in judges:
            verdict = judge(row)
            if verdict == MET:
                met += weight
            reasons.append((kind, verdict))
        score = round(100 * met / total)
        yield row[0], Fit(score, band_of(score), tuple(reasons))
