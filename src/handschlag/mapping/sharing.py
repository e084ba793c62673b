"""Sharing rules: what one side may see of an overlap. Pure functions (no ORM), used by every view.

Rules are set per population of OUR accounts. The partner sees, per cell of the overlap matrix whose row is
our population: nothing (hidden), the count (counts only), or the overlapping accounts with the chosen fields
(overlapping accounts). Nothing shows a record that does not overlap; before both sides opted in, nothing
shows at all (docs/adr/0301).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handschlag.mapping.enums import Population, SharedField, SharingLevel


@dataclass(frozen=True)
class Rule:
    level: str = SharingLevel.HIDDEN
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    our_population: str
    partner_population: str
    count: int | None  # None: hidden from this viewer
    drill_down: bool
    fields: tuple[str, ...] = field(default_factory=tuple)


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


def clean_fields(fields: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({name for name in fields if name in SharedField.values}))


def overlap_cells(
    *, counts: Mapping[tuple[str, str], int], rules: Mapping[str, Rule], for_partner: bool
) -> list[Cell]:
    """Every cell of the matrix (our populations x theirs) as one viewer may see it."""
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
                cells.append(Cell(ours, theirs, count, drill_down=False))
            else:
                cells.append(
                    Cell(ours, theirs, count, drill_down=count > 0, fields=clean_fields(rule.fields))
                )
    return cells


def partner_may_list(rules: Mapping[str, Rule], our_population: str) -> bool:
    return rule_for(rules, our_population).level == SharingLevel.ACCOUNTS


def partner_may_count(rules: Mapping[str, Rule], our_population: str) -> bool:
    return rule_for(rules, our_population).level in {SharingLevel.COUNTS, SharingLevel.ACCOUNTS}
