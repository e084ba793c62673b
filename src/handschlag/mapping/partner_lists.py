"""Reading a partner's list for a mapping run: in clear (CSV/XLSX, the accounts import rules) or encoded.

No ORM in here. A clear list needs a company name column; a population column is optional (see
`POPULATION_HEADERS` and `parse_population`), else every record gets the run's default population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from handschlag.accounts import importing
from handschlag.mapping.enums import Population
from handschlag.matching import CompanyRecord

POPULATION_HEADERS = [
    "population",
    "segment",
    "beziehung",
    "status",
    "type",
    "typ",
    "kundenstatus",
    "lifecyclestage",
    "art",
]
MATCHING_FIELDS = ["external_id", "name", "domain", "street", "postal_code", "city", "country", "vat_id"]
_OPPORTUNITY_WORDS = {
    "openopportunity",
    "opportunity",
    "offeneopportunity",
    "offenechance",
    "chance",
    "verkaufschance",
    "offenesangebot",
    "angebot",
    "pipeline",
    "opendeal",
    "deal",
}
MAX_REPORTED_ERRORS = 200


class PartnerListError(Exception):
    """The list as a whole cannot be used; `row_errors` lists bad rows when that is the reason."""

    def __init__(self, message: str, *, row_errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row_errors = row_errors or []


@dataclass
class PartnerRow:
    record: CompanyRecord
    population: str


@dataclass
class PartnerList:
    rows: list[PartnerRow]
    skipped: list[dict[str, Any]] = field(default_factory=list)


def parse_population(value: Any) -> str:
    """`Kunde`, `customer`, `Interessent`, `offene Chance`, `ehemaliger Kunde` … → a Population value."""
    key = importing.normalise_header(str(value))
    for population in Population.values:
        if population.replace("_", "") == key:
            return population
    if key in _OPPORTUNITY_WORDS:
        return Population.OPEN_OPPORTUNITY
    return importing.parse_status(value)  # customer, prospect, former customer in German and English


def _population_column(headers: list[str]) -> int | None:
    normalised = [importing.normalise_header(header) for header in headers]
    for name in POPULATION_HEADERS:
        if name in normalised:
            return normalised.index(name)
    return None


def read_clear_list(path: Path, *, source: str, default_population: str, skip_bad_rows: bool) -> PartnerList:
    try:
        table = importing.open_table(path, source=source)
        mapping = importing.map_columns(table.headers)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    mapping = {name: index for name, index in mapping.items() if name in MATCHING_FIELDS}
    population_index = _population_column(table.headers)
    context = importing.RowContext(decimal_comma=table.delimiter == ";", owners={})
    rows: list[PartnerRow] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        for line, cells in table.rows:
            parsed, row_errors = importing.parse_row(line, cells, mapping, context)
            problems = [
                {"line": error.line, "field": error.field, "value": error.value, "reason": error.reason}
                for error in row_errors
            ]
            population = default_population
            if (
                population_index is not None
                and population_index < len(cells)
                and str(cells[population_index]).strip()
            ):
                try:
                    population = parse_population(cells[population_index])
                except ValueError:
                    problems.append(
                        {
                            "line": line,
                            "field": "population",
                            "value": str(cells[population_index])[:200],
                            "reason": _(
                                "unknown population (customer, open opportunity, prospect, former customer)"
                            ),
                        }
                    )
            record_id = str(parsed.values.get("external_id") or f"line-{line}")
            if record_id in seen:
                problems.append(
                    {
                        "line": line,
                        "field": "external_id",
                        "value": record_id[:200],
                        "reason": _("this id appears twice"),
                    }
                )
            if problems:
                errors.extend(problems)
                continue
            seen.add(record_id)
            values = parsed.values
            rows.append(
                PartnerRow(
                    record=CompanyRecord(
                        id=record_id,
                        name=values["name"],
                        domain=values.get("domain", ""),
                        street=values.get("street", ""),
                        postal_code=values.get("postal_code", ""),
                        city=values.get("city", ""),
                        country=values.get("country", ""),
                        vat_id=values.get("vat_id", ""),
                    ),
                    population=population,
                )
            )
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    if errors and not skip_bad_rows:
        raise PartnerListError(
            _(
                "%(count)d rows of %(file)s are bad; nothing was mapped. Correct them or choose to skip bad rows."
            )
            % {"count": len({error["line"] for error in errors}), "file": source},
            row_errors=errors[:MAX_REPORTED_ERRORS],
        )
    if not rows:
        raise PartnerListError(
            _("%(file)s has no usable rows.") % {"file": source}, row_errors=errors[:MAX_REPORTED_ERRORS]
        )
    return PartnerList(rows=rows, skipped=errors[:MAX_REPORTED_ERRORS])


def read_population_sidecar(path: Path, *, source: str) -> dict[str, str]:
    """For an encoded list: a small CSV of `id;population` — the ids the partner's encoded file carries."""
    try:
        table = importing.open_table(path, source=source)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    normalised = [importing.normalise_header(header) for header in table.headers]
    id_index = next(
        (normalised.index(name) for name in ("id", "externalid", "recordid") if name in normalised), None
    )
    population_index = _population_column(table.headers)
    if id_index is None or population_index is None:
        raise PartnerListError(_("%(file)s needs two columns: “id” and “population”.") % {"file": source})
    populations: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for line, cells in table.rows:
        record_id = str(cells[id_index]).strip() if id_index < len(cells) else ""
        raw = cells[population_index] if population_index < len(cells) else ""
        try:
            populations[record_id] = parse_population(raw)
        except ValueError:
            errors.append(
                {
                    "line": line,
                    "field": "population",
                    "value": str(raw)[:200],
                    "reason": _("unknown population"),
                }
            )
    if errors:
        raise PartnerListError(
            _("%(file)s has rows with an unknown population.") % {"file": source},
            row_errors=errors[:MAX_REPORTED_ERRORS],
        )
    return populations
