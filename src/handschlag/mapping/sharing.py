"""Sharing rules: what one side may see of an overlap. Pure functions (no ORM), used by every view.

Rules are set per population of OUR accounts. The partner sees, per cell of the overlap matrix whose row is
our population: nothing (hidden), a band of counts (counts only: "fewer than k", "k to 2k-1", …, never the exact
number, and only for runs whose counts were released, docs/adr/0305), or the overlapping accounts with the
chosen fields and their exact count (overlapping accounts: the names are shown anyway). Nothing shows a record
that does not overlap; before both sides opted in, nothing shows at all (docs/adr/0301).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from handschlag.mapping.enums import Population, SharedField, SharingLevel


@dataclass(frozen=True)
class Rule:
    level: str = SharingLevel.HIDDEN
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    """A count shown as a range of width k: 0 to k-1 ("fewer than k"), k to 2k-1, 2k to 3k-1, …"""

    low: int
    high: int


def count_band(count: int, min_cell_size: int) -> Band:
    """The band of `count` for cells of size k = `min_cell_size`. Zero is in the first band, like 1 to k-1."""
    size = max(1, min_cell_size)
    low = (max(0, count) // size) * size
    return Band(low=low, high=low + size - 1)


@dataclass(frozen=True)
class Cell:
    our_population: str
    partner_population: str
    count: int | None  # the exact count; None where this viewer may not know it
    drill_down: bool
    fields: tuple[str, ...] = field(default_factory=tuple)
    band: Band | None = None  # "counts only" for a partner: the range the count lies in
    withheld: bool = False  # "counts only" for a partner, in a run whose counts were not released


@dataclass(frozen=True)
class RuleDescription:
    """One sharing rule in words for a person: translated labels, never the stored codes."""

    population: str
    population_label: str
    level: str
    level_label: str
    field_labels: tuple[str, ...]


def describe_rules(rules: Mapping[str, Rule]) -> list[RuleDescription]:
    """Every population of ours, in the matrix's order, with its level and shown fields as labels.

    A population without a rule is hidden; fields are listed only where the level shows accounts."""
    level_labels = dict(SharingLevel.choices)
    field_labels = dict(SharedField.choices)
    descriptions = []
    for population in Population:
        rule = rule_for(rules, population.value)
        fields = clean_fields(rule.fields) if rule.level == SharingLevel.ACCOUNTS else ()
        descriptions.append(
            RuleDescription(
                population=population.value,
                population_label=str(population.label),
                level=str(rule.level),
                level_label=str(level_labels.get(rule.level, rule.level)),
                field_labels=tuple(str(field_labels[name]) for name in fields),
            )
        )
    return descriptions


def rule_for(rules: Mapping[str, Rule], population: str) -> Rule:
    return rules.get(population, Rule())


def clean_fields(fields: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({name for name in fields if name in SharedField.values}))


def overlap_cells(
    *,
    counts: Mapping[tuple[str, str], int],
    rules: Mapping[str, Rule],
    for_partner: bool,
    min_cell_size: int,
    counts_released: bool,
) -> list[Cell]:
    """Every cell of the matrix (our populations x theirs) as one viewer may see it.

    Our people see exact counts. A partner sees, in rows shared as "counts only", the band of each count
    (never the number) and only when the run's counts were released; in rows shared as "overlapping accounts"
    the exact count of the accounts he may list anyway."""
    cells: list[Cell] = []
    for ours in Population.values:
        rule = rule_for(rules, ours)
        for theirs in Population.values:
            count = counts.get((ours, theirs), 0)
            if not for_partner:
                cells.append(
                    Cell(ours, theirs, count, drill_down=count > 0, fields=tuple(SharedField.values))
                )
            elif rule.level == SharingLevel.HIDDEN:
                cells.append(Cell(ours, theirs, None, drill_down=False))
            elif rule.level == SharingLevel.COUNTS:
                band = count_band(count, min_cell_size) if counts_released else None
                cells.append(
                    Cell(ours, theirs, None, drill_down=False, band=band, withheld=not counts_released)
                )
            else:
                cells.append(
                    Cell(ours, theirs, count, drill_down=count > 0, fields=clean_fields(rule.fields))
                )
    return cells


def partner_may_list(rules: Mapping[str, Rule], our_population: str) -> bool:
    return rule_for(rules, our_population).level == SharingLevel.ACCOUNTS
