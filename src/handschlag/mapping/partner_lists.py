"""Reading a partner's list for a mapping run: in clear (CSV/XLSX, the accounts import rules) or encoded.

No ORM in here. A clear list needs a company name column; a population column is optional (see
`POPULATION_HEADERS` and `parse_population`), else every record gets the run's default population.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.accounts import importing
from handschlag.mapping.enums import Population
from handschlag.matching import CompanyRecord
from handschlag.matching.records import COMPANY_FIELDS

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
# the engine's field list (handschlag.matching.fields), as far as a CompanyRecord carries the fields
MATCHING_FIELDS = [
    name for name in importing.MATCHING_FIELDS if name == "external_id" or name in COMPANY_FIELDS
]
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
    """The usable rows, and what was wrong: `skipped` holds the first MAX_REPORTED_ERRORS problems (rows left
    out for want of a name, and warnings about fields of kept rows, each with "warning"); the counts are exact."""

    rows: list[PartnerRow]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_rows: int = 0
    warning_count: int = 0
    warning_rows: int = 0


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


def read_clear_list(
    path: Path,
    *,
    source: str,
    default_population: str,
    skip_bad_rows: bool,
    columns: Mapping[str, str] | None = None,
) -> PartnerList:
    """Read a partner's list with the accounts import's reader and rules: every row with a name is kept; a bad
    optional field is left out or kept as it is and reported as a warning; only a row without a name is bad.
    `columns` (header → field, "" to ignore a column; e.g. a saved column mapping's columns) overrides the
    detected columns. The partner's own id column (Kd-Nr, Kundennummer, Debitor, Account ID …) is the id."""
    try:
        table = importing.open_table(path, source=source)
        mapping = importing.map_columns(table.headers, columns=columns, fields=MATCHING_FIELDS)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    population_index = _population_column(table.headers)
    if population_index is not None and population_index in mapping.values():
        population_index = None  # the column was chosen as a company field
    context = importing.RowContext(decimal_comma=table.delimiter == ";", owners={})
    rows: list[PartnerRow] = []
    reported: list[dict[str, Any]] = []
    bad_lines: set[int] = set()
    warning_lines: set[int] = set()
    warning_count = 0
    seen: dict[str, int] = {}

    def report(line: int, name: str, value: Any, reason: str, *, warning: bool) -> None:
        nonlocal warning_count
        if warning:
            warning_count += 1
            warning_lines.add(line)
        else:
            bad_lines.add(line)
        if len(reported) < MAX_REPORTED_ERRORS:
            reported.append(
                {"line": line, "field": name, "value": str(value)[:200], "reason": reason, "warning": warning}
            )

    try:
        for line, cells in table.rows:
            parsed, problems = importing.parse_row(line, cells, mapping, context)
            row_errors = [problem for problem in problems if not problem.warning]
            for problem in row_errors or problems:  # a row left out: its errors only
                report(line, problem.field, problem.value, problem.reason, warning=problem.warning)
            if row_errors:
                continue
            population = default_population
            if (
                population_index is not None
                and population_index < len(cells)
                and str(cells[population_index]).strip()
            ):
                try:
                    population = parse_population(cells[population_index])
                except ValueError:
                    report(
                        line,
                        "population",
                        cells[population_index],
                        _(
                            "unknown population (customer, open opportunity, prospect, former customer); "
                            "the default was used"
                        ),
                        warning=True,
                    )
            record_id = str(parsed.values.get("external_id") or f"line-{line}")
            if record_id in seen:
                report(
                    line,
                    "external_id",
                    record_id,
                    _("the same id as line %(line)d; the row got an id of its own")
                    % {"line": seen[record_id]},
                    warning=True,
                )
                record_id = f"line-{line}"
            seen[record_id] = line
            values = parsed.values
            rows.append(
                PartnerRow(
                    record=CompanyRecord(
                        id=record_id,
                        **{
                            name: str(values.get(name, ""))
                            for name in MATCHING_FIELDS
                            if name != "external_id"
                        },
                    ),
                    population=population,
                )
            )
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    if bad_lines and not skip_bad_rows:
        raise PartnerListError(
            ngettext(
                "%(count)d row of %(file)s has no company name; nothing was mapped. Correct it or choose to "
                "skip bad rows.",
                "%(count)d rows of %(file)s have no company name; nothing was mapped. Correct them or choose to "
                "skip bad rows.",
                len(bad_lines),
            )
            % {"count": len(bad_lines), "file": source},
            row_errors=reported,
        )
    if not rows:
        raise PartnerListError(_("%(file)s has no usable rows.") % {"file": source}, row_errors=reported)
    return PartnerList(
        rows=rows,
        skipped=reported,
        skipped_rows=len(bad_lines),
        warning_count=warning_count,
        warning_rows=len(warning_lines),
    )


def partner_list_summary(partner_list: PartnerList) -> str:
    """What happened to the partner's rows, with exact counts, in the user's language ("" when nothing did)."""
    notes = []
    if partner_list.skipped_rows:
        notes.append(
            ngettext(
                "%(count)d row of the partner's list had no company name and was left out.",
                "%(count)d rows of the partner's list had no company name and were left out.",
                partner_list.skipped_rows,
            )
            % {"count": partner_list.skipped_rows}
        )
    if partner_list.warning_count:
        notes.append(
            ngettext(
                "%(count)d warning in %(rows)d rows: fields left out or kept as they are.",
                "%(count)d warnings in %(rows)d rows: fields left out or kept as they are.",
                partner_list.warning_count,
            )
            % {"count": partner_list.warning_count, "rows": partner_list.warning_rows}
        )
    return " ".join(notes)


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
