"""Opportunities from a CRM export (Salesforce, HubSpot, Pipedrive or plain German/English headers).

The file is read with the accounts' import reader (`accounts.importing.open_table`: CSV or XLSX, size and row
limits). Each row's account is resolved by the account's CRM id, then by its website domain, then by the matching
engine on the company name (and domain/city when the export has them), all rows at once. A row whose CRM id is
known updates that opportunity (amount, title, close date, and the stage when it moved forward — a stage going
backwards is left as it was, with a warning); a new one is created through `opportunity_create` with its history.
Rows that cannot be used are reported with line, field and reason; the others are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from handschlag.accounts import importing
from handschlag.accounts.selectors import (
    CompanyFields,
    accounts_with_open_orders,
    duplicate_candidates_of_rows,
)
from handschlag.core.access import require_capability
from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.money import parse_decimal
from handschlag.core.roles import Capability
from handschlag.coselling.enums import OpportunitySource
from handschlag.coselling.inputs import OpportunityInput, OpportunityPatch, StageMoveInput
from handschlag.coselling.models import Opportunity, PipelineStage
from handschlag.coselling.services.opportunities import (
    default_pipeline,
    opportunity_create,
    opportunity_move,
    opportunity_update,
)

FIELDS = (
    "external_id",
    "title",
    "amount",
    "stage",
    "close_date",
    "account_crm_id",
    "account_name",
    "account_domain",
    "account_city",
)

PRESETS: dict[str, dict[str, str]] = {
    "salesforce": {
        "opportunity id": "external_id",
        "opportunity name": "title",
        "amount": "amount",
        "stage": "stage",
        "close date": "close_date",
        "account id": "account_crm_id",
        "account name": "account_name",
        "website": "account_domain",
        "account: website": "account_domain",
        "billing city": "account_city",
    },
    "hubspot": {
        "record id": "external_id",
        "deal name": "title",
        "amount": "amount",
        "deal stage": "stage",
        "close date": "close_date",
        "associated company ids": "account_crm_id",
        "associated company id": "account_crm_id",
        "associated company": "account_name",
        "company domain name": "account_domain",
        "city": "account_city",
    },
    "pipedrive": {
        "deal - id": "external_id",
        "deal - title": "title",
        "deal - value": "amount",
        "deal - stage": "stage",
        "deal - expected close date": "close_date",
        "organization - id": "account_crm_id",
        "organization - name": "account_name",
        "organization - website": "account_domain",
        "organization - city": "account_city",
    },
}
GENERIC = {
    "crm id": "external_id",
    "id": "external_id",
    "titel": "title",
    "title": "title",
    "name": "title",
    "betrag": "amount",
    "phase": "stage",
    "stufe": "stage",
    "abschlussdatum": "close_date",
    "kunden-id": "account_crm_id",
    "kunde": "account_name",
    "firma": "account_name",
    "company": "account_name",
    "domain": "account_domain",
    "webseite": "account_domain",
    "ort": "account_city",
}
# the CRMs' own stage names → the default pipeline's stages (by position: 1 to 4 open, won, lost)
STAGE_WORDS = {
    "prospecting": 1,
    "qualification": 1,
    "appointmentscheduled": 1,
    "qualifiedtobuy": 1,
    "lead in": 1,
    "qualified": 1,
    "needs analysis": 2,
    "value proposition": 2,
    "presentationscheduled": 2,
    "contact made": 2,
    "demo scheduled": 2,
    "proposal/price quote": 3,
    "proposal": 3,
    "decisionmakerboughtin": 3,
    "proposal made": 3,
    "negotiation/review": 4,
    "negotiation": 4,
    "contractsent": 4,
    "negotiations started": 4,
    "closed won": 5,
    "closedwon": 5,
    "won": 5,
    "closed lost": 6,
    "closedlost": 6,
    "lost": 6,
}


@dataclass
class ImportProblem:
    line: int
    field: str
    value: str
    reason: str
    warning: bool = False


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    resolved_by: dict[str, int] = field(default_factory=lambda: {"crm_id": 0, "domain": 0, "engine": 0})

    @property
    def errors(self) -> list[ImportProblem]:
        return [problem for problem in self.problems if not problem.warning]


def _columns(headers: list[str], preset: str) -> dict[str, int]:
    names = (
        {**GENERIC, **PRESETS.get(preset, {})}
        if preset
        else {**GENERIC, **{k: v for p in PRESETS.values() for k, v in p.items()}}
    )
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        target = names.get(header.strip().lower())
        if target and target not in mapping:
            mapping[target] = index
    if "title" not in mapping:
        raise InvalidInput.for_field(
            "file", _("No column for the opportunity's name (e.g. “Opportunity Name”, “Deal Name”, “Titel”).")
        )
    return mapping


def _stage_of(value: str, stages: list[PipelineStage]) -> PipelineStage | None:
    text = value.strip().lower()
    if not text:
        return None
    for stage in stages:
        if stage.name.lower() == text:
            return stage
    position = STAGE_WORDS.get(text)
    return next((stage for stage in stages if stage.position == position), None)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return importing.parse_date(value)


def _cell(row: list[Any], mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _account_by(field_name: str, value: str) -> int | None:
    if not value:
        return None
    lookup = {f"{field_name}__iexact": value}
    found: int | None = accounts_with_open_orders().filter(**lookup).values_list("pk", flat=True).first()
    return found


def opportunity_import(*, actor: User, path: Path, source: str, preset: str = "") -> ImportOutcome:
    """Read the export and create or update its opportunities; see the module's docstring."""
    require_capability(actor, Capability.OPPORTUNITIES_IMPORT)
    try:
        table = importing.open_table(path, source=source)
    except importing.ImportFileError as error:
        raise InvalidInput.for_field("file", str(error)) from None
    mapping = _columns(table.headers, preset)
    stages = list(default_pipeline().stages.order_by("position"))
    outcome = ImportOutcome()
    rows: list[tuple[int, dict[str, str], int | None]] = []
    unresolved: list[int] = []
    try:
        for line, row in table.rows:
            values = {name: _cell(row, mapping, name) for name in FIELDS}
            if not any(values.values()):
                continue
            known = (
                Opportunity.objects.filter(external_id=values["external_id"])
                .values_list("account_id", flat=True)
                .first()
                if values["external_id"]
                else None
            )
            account_id = known if known is not None else _account_by("external_id", values["account_crm_id"])
            if known is not None:
                pass  # an update: the opportunity keeps its account
            elif account_id is not None:
                outcome.resolved_by["crm_id"] += 1
            else:
                domain = ""
                if values["account_domain"]:
                    try:
                        domain = importing.normalise_domain(values["account_domain"])
                    except ValueError:
                        outcome.problems.append(
                            ImportProblem(
                                line,
                                "account_domain",
                                values["account_domain"],
                                _("Not a web address."),
                                True,
                            )
                        )
                account_id = _account_by("domain", domain)
                values["account_domain"] = domain
                if account_id is not None:
                    outcome.resolved_by["domain"] += 1
            if account_id is None:
                unresolved.append(len(rows))
            rows.append((line, values, account_id))
    except importing.ImportFileError as error:
        raise InvalidInput.for_field("file", str(error)) from None
    companies = [
        CompanyFields(
            name=rows[index][1]["account_name"],
            domain=rows[index][1]["account_domain"],
            city=rows[index][1]["account_city"],
        )
        for index in unresolved
    ]
    named = [(index, company) for index, company in zip(unresolved, companies, strict=True) if company.name]
    found = duplicate_candidates_of_rows(companies=[company for _index, company in named]) if named else {}
    for position, (index, _company) in enumerate(named):
        candidate = found.get(position)
        if candidate is not None:
            line, values, _none = rows[index]
            rows[index] = (line, values, candidate.account_id)
            outcome.resolved_by["engine"] += 1
    for line, values, account_id in rows:
        _import_row(actor, line, values, account_id, stages, outcome)
    return outcome


def _import_row(
    actor: User,
    line: int,
    values: dict[str, str],
    account_id: int | None,
    stages: list[PipelineStage],
    outcome: ImportOutcome,
) -> None:
    if account_id is None:
        outcome.problems.append(
            ImportProblem(
                line,
                "account",
                values["account_name"] or values["account_crm_id"],
                _("No such account: not found by CRM id, domain or name."),
            )
        )
        return
    try:
        amount = parse_decimal(values["amount"]) if values["amount"] else Decimal("0")
        close_date = _date(values["close_date"])
    except ValueError as error:
        outcome.problems.append(
            ImportProblem(line, "amount/close_date", values["amount"] or values["close_date"], str(error))
        )
        return
    stage = _stage_of(values["stage"], stages)
    if values["stage"] and stage is None:
        outcome.problems.append(
            ImportProblem(line, "stage", values["stage"], _("Unknown stage; the first stage is used."), True)
        )
    existing = (
        Opportunity.objects.select_related("stage").filter(external_id=values["external_id"]).first()
        if values["external_id"]
        else None
    )
    try:
        if existing is None:
            opportunity_create(
                actor=actor,
                data=input_build(
                    OpportunityInput,
                    {
                        "account_id": account_id,
                        "title": values["title"],
                        "amount": amount,
                        "stage_id": stage.pk if stage else None,
                        "expected_close_date": close_date,
                        "external_id": values["external_id"],
                        "lost_reason": _("Lost in the CRM")
                        if stage is not None and stage.position == 6
                        else "",
                    },
                ),
                source=OpportunitySource.IMPORT,
            )
            outcome.created += 1
            return
        opportunity_update(
            actor=actor,
            opportunity=existing,
            patch=input_build(
                OpportunityPatch,
                {"title": values["title"], "amount": amount, "expected_close_date": close_date},
            ),
        )
        if stage is not None and stage.pk != existing.stage_id:
            forward = existing.stage.kind == "open" and (stage.position > existing.stage.position)
            if forward:
                opportunity_move(
                    actor=actor,
                    opportunity=existing,
                    data=input_build(
                        StageMoveInput, {"stage_id": stage.pk, "lost_reason": _("Lost in the CRM")}
                    ),
                )
            else:
                outcome.problems.append(
                    ImportProblem(
                        line,
                        "stage",
                        values["stage"],
                        _("The stage would go backwards; kept as it was."),
                        True,
                    )
                )
        outcome.updated += 1
    except InvalidInput as error:
        outcome.problems.append(ImportProblem(line, next(iter(error.fields), ""), "", error.message))
