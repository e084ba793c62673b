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
# a record's fields besides its id (the partner's own id, else "line-<n>")
_RECORD_FIELDS = [name for name in MATCHING_FIELDS if name != "external_id"]
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


# --- column mapping (docs/adr/0106, 7): the user's header → field, "" to ignore a column -------------------------

POPULATION_FIELD = "population"
# the fields a column of a partner's list can be read into: the engine's fields and the partner's population
PARTNER_LIST_FIELDS = [*MATCHING_FIELDS, POPULATION_FIELD]


def field_label(name: str) -> str:
    """The label of a field of a partner's list in the active language."""
    return _("Population") if name == POPULATION_FIELD else importing.field_label(name)


def field_choices() -> list[tuple[str, str]]:
    """For the columns page: "ignore", then every field a column can be read into."""
    return [(importing.IGNORE, _("— ignore this column —"))] + [
        (name, field_label(name)) for name in PARTNER_LIST_FIELDS
    ]


def checked_columns(columns: Mapping[str, str | None]) -> dict[str, str]:
    """A column mapping as the user sent it (header → field, "", "ignore" or "-" to ignore the column).

    Raises PartnerListError naming the problem: a field a partner's list cannot have, or two columns on one
    field."""
    checked: dict[str, str] = {}
    for header, target in columns.items():
        target = (target or "").strip()
        if "\x00" in str(header):  # PostgreSQL cannot store it; no export has it
            raise PartnerListError(_("The text contains a NUL character."))
        if target in ("ignore", "-"):
            target = importing.IGNORE
        if target and target not in PARTNER_LIST_FIELDS:
            raise PartnerListError(
                _("“%(field)s” is not a field of a partner's list. Use one of: %(fields)s.")
                % {"field": target[:100], "fields": ", ".join(PARTNER_LIST_FIELDS)}
            )
        checked[str(header)[:200]] = target
    targets = [target for target in checked.values() if target]
    twice = sorted({target for target in targets if targets.count(target) > 1})
    if twice:
        raise PartnerListError(
            _("Two columns are mapped to “%(field)s”; choose one.") % {"field": field_label(twice[0])}
        )
    return checked


def usable_columns(columns: Mapping[str, str]) -> dict[str, str]:
    """A saved column mapping (made for any import) as it fits a partner's list: a column mapped to a field
    the list cannot have (an account owner, a status …) is ignored."""
    return {
        str(header): (target if target in PARTNER_LIST_FIELDS else importing.IGNORE)
        for header, target in columns.items()
    }


def _split_columns(
    headers: list[str], columns: Mapping[str, str] | None
) -> tuple[dict[str, str], int | None, bool]:
    """The company fields' part of a column mapping, the index of the population column chosen by hand (None:
    none chosen) and whether a population column may still be detected."""
    company: dict[str, str] = {}
    chosen: str | None = None
    for header, target in (columns or {}).items():
        if target == POPULATION_FIELD:
            chosen = header
        else:
            company[header] = target
    if chosen is None:
        return company, None, True
    keys = [importing.normalise_header(header) for header in headers]
    if chosen in headers:
        return company, headers.index(chosen), False
    key = importing.normalise_header(chosen)
    return company, (keys.index(key) if key in keys else None), False


def _detected_population_column(
    headers: list[str], columns: Mapping[str, str], mapping: Mapping[str, int]
) -> int | None:
    """The population column found by its header, unless the user named that column (for another field or to
    ignore it) or it was taken for a company field."""
    index = _population_column(headers)
    if index is None or index in mapping.values():
        return None
    named = {importing.normalise_header(header) for header in columns}
    if headers[index] in columns or importing.normalise_header(headers[index]) in named:
        return None
    return index


def map_list_columns(
    headers: list[str], columns: Mapping[str, str] | None
) -> tuple[dict[str, int], int | None]:
    """Column index per company field, and the population column (None: every record gets the default).

    Raises PartnerListError when the mapping cannot be used (no name column, a field twice)."""
    company, population_index, detect = _split_columns(headers, columns)
    try:
        mapping = importing.map_columns(headers, columns=company, fields=MATCHING_FIELDS)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    if population_index is not None and population_index in mapping.values():
        raise PartnerListError(
            _("The column “%(column)s” cannot be read as the population and a company field at once.")
            % {"column": headers[population_index]}
        )
    if detect:
        population_index = _detected_population_column(headers, company, mapping)
    return mapping, population_index


def check_list_columns(path: Path, *, source: str, columns: Mapping[str, str] | None) -> None:
    """Raises PartnerListError when the list's columns cannot be read with this mapping."""
    try:
        table = importing.open_table(path, source=source)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    try:
        map_list_columns(table.headers, columns)
    finally:
        table.close()


def list_columns(path: Path, *, source: str, columns: Mapping[str, str] | None) -> list[dict[str, str]]:
    """For the columns page and API: per column of the list its header, the field it is read into ("" =
    ignored; "population" for the partner's population) and a sample value. A mapping that cannot be used yet
    (no name column, say) is shown all the same, so that the user can correct it."""
    try:
        table = importing.open_table(path, source=source)
        try:
            headers, samples = table.headers, importing.read_samples(table)
        finally:
            table.close()
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    company, population_index, detect = _split_columns(headers, columns)
    shown = importing.detected_columns(headers, samples, columns=company, fields=MATCHING_FIELDS)
    if detect:
        mapped = {column["field"]: index for index, column in enumerate(shown) if column["field"]}
        population_index = _detected_population_column(headers, company, mapped)
    if population_index is not None and not shown[population_index]["field"]:
        shown[population_index]["field"] = POPULATION_FIELD
    return shown


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
    `columns` (header → field, "" to ignore a column, "population" for the population column; e.g. a saved
    column mapping's columns) overrides the detected columns. The partner's own id column (Kd-Nr, Kundennummer, Debitor, Account ID …) is the id."""
    try:
        table = importing.open_table(path, source=source)
    except importing.ImportFileError as error:
        raise PartnerListError(error.message) from None
    try:
        mapping, population_index = map_list_columns(table.headers, columns)
    except PartnerListError:
        table.close()
        raise
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
                        id=record_id, **{name: str(values.get(name, "")) for name in _RECORD_FIELDS}
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
