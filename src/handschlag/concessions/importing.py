"""Reading existing discount lines (CSV or XLSX, as CRMs and ERPs export them: `;`, decimal comma, `01.02.2026`)
into concession values. The file reader and its limits are accounts' shared one (`accounts.importing`); this module
maps the columns and turns each row into the values of a `ConcessionInput` (the service checks them).

Columns (German or English headers): Kunde/Account (CRM id or number), Datum/Date, Art/Kind, Listenwert/List
value, Prozent/Percent, Betrag/Amount, Tage/Extra days, Grund/Reason, Auftrag/Order, Notiz/Note,
Gegenleistung/Return, Wert Gegenleistung/Return value, Fällig/Due, Begründung/Why nothing. Without a kind, a
percent makes a percent discount and an amount an amount discount; without a return the line has none ("nothing",
with the reason that none was recorded before the import).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from handschlag.accounts.importing import ImportFileError, open_table, parse_date
from handschlag.concessions.enums import ConcessionKind, ConcessionReason, GetKind
from handschlag.core.money import parse_decimal

HEADERS: dict[str, str] = {
    "kunde": "account",
    "account": "account",
    "kundennummer": "account",
    "crm id": "account",
    "crm-nummer": "account",
    "datum": "granted_on",
    "date": "granted_on",
    "gewährt am": "granted_on",
    "granted on": "granted_on",
    "art": "kind",
    "kind": "kind",
    "listenwert": "list_value",
    "list value": "list_value",
    "listenpreis": "list_value",
    "prozent": "percent",
    "percent": "percent",
    "nachlass %": "percent",
    "rabatt %": "percent",
    "betrag": "amount",
    "amount": "amount",
    "wert": "amount",
    "tage": "extra_days",
    "extra days": "extra_days",
    "zusätzliche zahlungstage": "extra_days",
    "grund": "reason",
    "reason": "reason",
    "auftrag": "order_number",
    "order": "order_number",
    "auftragsnummer": "order_number",
    "notiz": "note",
    "note": "note",
    "gegenleistung": "get_kind",
    "return": "get_kind",
    "wert gegenleistung": "get_value",
    "return value": "get_value",
    "fällig": "get_due_on",
    "due": "get_due_on",
    "begründung": "nothing_reason",
    "why nothing": "nothing_reason",
}
REQUIRED = ("account", "granted_on", "list_value")


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


def _choices(enum: Any) -> dict[str, str]:
    """Values and labels (German and English) of a choice, lower case → value."""
    found: dict[str, str] = {}
    for value, _label in enum.choices:
        found[value] = value
        for language in ("de", "en"):
            with translation.override(language):
                found[_key(str(enum(value).label))] = value
    return found


@dataclass
class ImportLine:
    line: int
    account: str
    order_number: str
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # field, message


def _number(text: str) -> Decimal:
    return parse_decimal(re.sub(r"\s*%\s*$", "", text))


def read_lines(path: Path, *, source: str) -> list[ImportLine]:
    """The file's lines as values; a whole-file problem raises ImportFileError (a missing column, the format)."""
    table = open_table(path, source=source)
    columns = {index: HEADERS.get(_key(header)) for index, header in enumerate(table.headers)}
    present = set(columns.values())
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        table.close()
        raise ImportFileError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    kinds, reasons, gets = _choices(ConcessionKind), _choices(ConcessionReason), _choices(GetKind)
    lines = []
    for number, cells in table.rows:
        raw = {
            name: str(cells[index]).strip() if index < len(cells) and cells[index] is not None else ""
            for index, name in columns.items()
            if name
        }
        if not any(raw.values()):
            continue
        line = ImportLine(
            line=number, account=raw.get("account", ""), order_number=raw.get("order_number", "")
        )
        values: dict[str, Any] = {}
        for name in ("granted_on", "get_due_on"):
            if raw.get(name):
                try:
                    values[name] = parse_date(cells[next(i for i, n in columns.items() if n == name)])
                except ValueError:
                    line.problems.append((name, _("Enter a date as 31.12.2026.")))
        for name in ("list_value", "percent", "amount", "get_value"):
            if raw.get(name):
                try:
                    values[name] = _number(raw[name])
                except ValueError:
                    line.problems.append((name, _("Enter a number.")))
        if raw.get("extra_days"):
            if raw["extra_days"].isdigit():
                values["extra_days"] = int(raw["extra_days"])
            else:
                line.problems.append(("extra_days", _("Enter a whole number.")))
        kind = raw.get("kind", "")
        if kind:
            if _key(kind) in kinds:
                values["kind"] = kinds[_key(kind)]
            else:
                line.problems.append(("kind", _("Unknown kind: %(value)s.") % {"value": kind}))
        elif "percent" in values:
            values["kind"] = ConcessionKind.DISCOUNT_PERCENT
        elif "amount" in values:
            values["kind"] = ConcessionKind.DISCOUNT_AMOUNT
        reason = raw.get("reason", "")
        if reason and _key(reason) not in reasons:
            line.problems.append(("reason", _("Unknown reason: %(value)s.") % {"value": reason}))
        values["reason"] = (
            reasons.get(_key(reason), ConcessionReason.OTHER) if reason else ConcessionReason.OTHER
        )
        get_kind = raw.get("get_kind", "")
        if get_kind and _key(get_kind) not in gets:
            line.problems.append(("get_kind", _("Unknown return: %(value)s.") % {"value": get_kind}))
        values["get_kind"] = gets.get(_key(get_kind), GetKind.NOTHING) if get_kind else GetKind.NOTHING
        if values["get_kind"] == GetKind.NOTHING:
            values["nothing_reason"] = raw.get("nothing_reason") or _("No return recorded before the import.")
        values["note"] = raw.get("note", "")
        line.values = values
        lines.append(line)
    return lines
