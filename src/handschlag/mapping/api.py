"""Account mapping API: /api/v1/mappings (runs, overlap matrix, overlapping accounts, changes), sharing rules
and accounts never shared. Partner users see their own partnership's runs, through the sharing rules only."""

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.accounts.match_evidence import evidence_sentence
from handschlag.alliances.access import access_agreement_by_id, portal_partner_for
from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, is_internal
from handschlag.mapping import services
from handschlag.mapping.access import (
    access_account_for_exclusion,
    access_mapping_run_by_id,
    access_match_by_id,
    access_portal_upload_by_id,
)
from handschlag.mapping.enums import MappingSource, MappingStatus, MatchVerdict, Population, SharingLevel
from handschlag.mapping.inputs import (
    ExclusionInput,
    MappingColumnsInput,
    MappingRunInput,
    MatchDecisionInput,
    SharingRulesPatch,
)
from handschlag.mapping.models import MappingMatch, MappingRun, MatchDecision
from handschlag.mapping.selectors import (
    decision_of_match,
    mapping_run_list,
    mapping_settings_of,
    overlap_cells_for,
    overlap_is_visible,
    overlap_rows_for,
    run_changes_for,
    share_exclusion_list,
    sharing_rules_of,
)
from handschlag.mapping.sharing import Cell, Rule, rule_for

if TYPE_CHECKING:
    from handschlag.alliances.models import Agreement

router = Router(tags=["mappings"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _for_partner(user: User) -> bool:
    return not is_internal(user)


class MappingRunOut(Schema):
    id: int
    agreement_id: int
    source: MappingSource
    original_name: str
    status: MappingStatus
    progress_percent: int
    message: str
    our_count: int
    partner_count: int
    match_count: int = Field(
        description="overlapping companies: records of one company on either side count once"
    )
    pair_count: int = Field(description="pairs of records behind the overlapping companies")
    rejected_count: int = Field(description="pairs rejected earlier by a person and left out of this run")
    overlap_visible: bool
    counts_released: bool
    min_cell_size: int
    previous_run_id: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_overlap_visible(run: MappingRun) -> bool:
        return overlap_is_visible(run)


class RowErrorOut(Schema):
    line: int
    field: str
    value: str
    reason: str


class CellOut(Schema):
    our_population: Population
    partner_population: Population
    count: int
    drill_down: bool
    fields: list[str]


class OverlapRowOut(Schema):
    our_population: Population
    partner_population: Population
    name: str
    partner_record_id: str
    partner_record_name: str
    score: float
    account_id: int
    city: str
    domain: str
    owner: str
    open_opportunity: bool
    match_id: int
    evidence_text: str = Field(description="why the engine matched the pair, in the reader's language")
    decision: MatchVerdict | None = None


class EvidenceOut(Schema):
    field: str = Field(
        description="name, domain, street, postal_code, city, country, vat_id, phone, email_domain"
    )
    outcome: str = Field(description="agrees, similar, disagrees or missing")
    similarity: float | None
    weight: float = Field(description="log-odds the field added to the score (negative: against)")


class DecisionOut(Schema):
    verdict: MatchVerdict
    note: str
    decided_by_id: int | None
    decided_at: dt.datetime
    partner_key: str


class MatchOut(Schema):
    """One pair of a run with the engine's evidence: our people only."""

    id: int
    run_id: int
    account_id: int
    account_name: str
    partner_record_id: str
    partner_record_name: str
    our_population: Population
    partner_population: Population
    score: float
    cluster: int = Field(description="pairs of one company share the number within the run")
    evidence_text: str
    evidence: list[EvidenceOut]
    decision: DecisionOut | None


class GoneRowOut(Schema):
    account_id: int
    name: str
    partner_record_id: str
    our_population: Population


class ChangesOut(Schema):
    previous_run_id: int | None
    new_count: int
    gone_count: int
    new: list[OverlapRowOut]
    gone: list[GoneRowOut]


class RuleOut(Schema):
    population: Population
    level: SharingLevel
    fields: list[str]


class SharingRulesOut(Schema):
    rules: list[RuleOut]
    min_cell_size: int
    min_list_records: int
    count_release_days: int
    counts_released_at: dt.datetime | None


class ExclusionOut(Schema):
    account_id: int
    account_name: str = Field(alias="account.display_name")
    reason: str
    created_at: dt.datetime


# --- what a partner user receives: allow-listed, its own schemas (the list is in docs/partner-portal.md) ------


class PartnerMappingRunOut(Schema):
    """What a partner user sees of a run: no counts of our accounts, nothing about records that did not match."""

    id: int
    agreement_id: int
    status: MappingStatus
    counts_shown: bool = Field(description="false: the counts of rows shared as counts only are withheld")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class PartnerCellOut(Schema):
    our_population: Population
    partner_population: Population
    level: SharingLevel = Field(description="what the sharing rules show of this row of our accounts")
    count: int | None = Field(description="the exact count: only in rows shared as overlapping accounts")
    count_from: int | None = Field(description="the count lies between count_from and count_to")
    count_to: int | None
    counts_withheld: bool = Field(description="counts only, in a run whose counts are not shown")
    drill_down: bool
    fields: list[str]


class PartnerOverlapRowOut(Schema):
    our_population: Population
    partner_population: Population
    name: str
    partner_record_id: str
    partner_record_name: str
    score: float
    city: str | None = Field(description="null: not shared by the sharing rules")
    domain: str | None
    owner: str | None
    open_opportunity: bool | None


class PartnerChangesOut(Schema):
    previous_run_id: int | None
    new_count: int = Field(description="new overlaps in rows shared as overlapping accounts")
    gone_count: int = Field(description="overlaps gone in rows shared as overlapping accounts")
    new: list[PartnerOverlapRowOut]


class PartnerRuleOut(Schema):
    population: Population
    level: SharingLevel
    fields: list[str]


class PartnerSharingRulesOut(Schema):
    rules: list[PartnerRuleOut]
    min_cell_size: int = Field(description="k: counts of rows shared as counts only are shown in bands of k")
    min_list_records: int
    count_release_days: int


def _partner_run(run: MappingRun) -> PartnerMappingRunOut:
    return PartnerMappingRunOut(
        id=run.pk,
        agreement_id=run.agreement_id,
        status=MappingStatus(run.status),
        counts_shown=run.counts_released,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


def _partner_cell(cell: Cell, rules: dict[str, Rule]) -> PartnerCellOut:
    count_from, count_to = (
        (cell.band.low, cell.band.high) if cell.band is not None else (cell.count, cell.count)
    )
    return PartnerCellOut(
        our_population=Population(cell.our_population),
        partner_population=Population(cell.partner_population),
        level=SharingLevel(rule_for(rules, cell.our_population).level),
        count=cell.count,
        count_from=count_from,
        count_to=count_to,
        counts_withheld=cell.withheld,
        drill_down=cell.drill_down,
        fields=list(cell.fields),
    )


def _partner_row(row: dict[str, Any]) -> PartnerOverlapRowOut:
    return PartnerOverlapRowOut(
        our_population=row["our_population"],
        partner_population=row["partner_population"],
        name=row["name"],
        partner_record_id=row["partner_record_id"],
        partner_record_name=row["partner_record_name"],
        score=row["score"],
        city=row.get("city"),
        domain=row.get("domain"),
        owner=row.get("owner"),
        open_opportunity=row.get("open_opportunity"),
    )


def _internal(user: User, capability: Capability) -> None:
    if not is_internal(user):
        raise NotFound
    require_capability(user, capability)


@router.get("", response={200: list[MappingRunOut], **ERROR_RESPONSES})
@paginate(Page)
def mapping_index(request: HttpRequest, agreement_id: int | None = None) -> Any:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    agreement = access_agreement_by_id(user, agreement_id) if agreement_id is not None else None
    return mapping_run_list(agreement=agreement)


@router.get("/portal", response={200: list[PartnerMappingRunOut], **ERROR_RESPONSES})
def mapping_index_for_partner(request: HttpRequest) -> Any:
    """A partner user's runs: done, of his own partnership, and only after both sides opted in."""
    partner = portal_partner_for(_user(request))
    return [
        _partner_run(run)
        for run in mapping_run_list().filter(agreement__partner=partner)
        if overlap_is_visible(run)
    ]


def _columns_from_form(text: str) -> dict[str, str | None] | None:
    """The `columns` form field: a JSON object of header → field."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str | type(None)) for key, item in value.items()
    ):
        raise InvalidInput.for_field(
            "columns", _("Send the columns as a JSON object of column header → field.")
        )
    return value


@router.post("", response={201: MappingRunOut, **ERROR_RESPONSES})
def mapping_create(
    request: HttpRequest,
    agreement_id: Form[int],
    file: File[UploadedFile],
    data: Form[MappingRunInput],
    populations: File[UploadedFile] | None = None,
    columns: Form[str] = "",
) -> tuple[int, Any]:
    """Upload the partner's list (CSV/XLSX in clear, or the file `handschlag encode` wrote with the
    agreement's secret) and start a run in the background; poll `GET /mappings/{id}` for progress.

    For a list in clear, `columns` is a JSON object of column header → field ("" ignores the column,
    "population" reads the partner's population), e.g. `{"Firmenbezeichnung": "name", "Bemerkung": ""}`;
    `saved_mapping` a saved column mapping's name or id (`GET /imports/column-mappings`). Columns not named are
    detected. With `confirm_columns` the run waits: `GET /mappings/{id}/columns` shows the detected mapping with a
    sample value per column, `POST /mappings/{id}/columns` confirms it and starts the run."""
    user = _user(request)
    _internal(user, Capability.MAPPINGS_RUN)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    run = services.mapping_run_create(
        actor=user,
        agreement=agreement,
        upload=file,
        data=data,
        populations_upload=populations,
        columns=_columns_from_form(columns),
    )
    return 201, run


class ListColumnOut(Schema):
    """A column of an uploaded list in clear (the partner user's own file): nothing else is in it."""

    column: str
    field: str = Field(
        description='the field the column is read into; "" when ignored, "population" for the population'
    )
    sample: str = Field(description="the first value of the column in the file")


def _columns_run(user: User, run_id: int) -> MappingRun:
    """A run whose columns the user may see and confirm: ours with `MAPPINGS_RUN`; a partner user's own
    partner's uploads only (404 for anything else)."""
    if is_internal(user):
        return access_mapping_run_by_id(user, run_id, for_write=True)
    return access_portal_upload_by_id(user, run_id)


@router.get("/{run_id}/columns", response={200: list[ListColumnOut], **ERROR_RESPONSES})
def mapping_columns(request: HttpRequest, run_id: int) -> Any:
    """The columns of the run's list in clear: header, the field each is read into and a sample value."""
    user = _user(request)
    return [
        ListColumnOut(column=column["column"], field=column["field"], sample=column["sample"])
        for column in services.mapping_run_columns(actor=user, run=_columns_run(user, run_id))
    ]


@router.post("/{run_id}/columns", response={202: MappingRunOut | PartnerMappingRunOut, **ERROR_RESPONSES})
def mapping_columns_confirm(
    request: HttpRequest, run_id: int, payload: MappingColumnsInput
) -> tuple[int, Any]:
    """Confirm (or change) the columns of a run uploaded with `confirm_columns`, and start it. `save_as` saves
    the mapping for the next list of the same source (our people only)."""
    user = _user(request)
    run = services.mapping_run_confirm_columns(actor=user, run=_columns_run(user, run_id), data=payload)
    return 202, (run if is_internal(user) else _partner_run(run))


def _rules_out(agreement: "Agreement", *, for_partner: bool) -> SharingRulesOut | PartnerSharingRulesOut:
    rules = sharing_rules_of(agreement)
    protection = mapping_settings_of(agreement)
    listed = [
        (
            Population(population),
            SharingLevel(rule_for(rules, population).level),
            list(rule_for(rules, population).fields),
        )
        for population in Population.values
    ]
    if for_partner:
        return PartnerSharingRulesOut(
            rules=[
                PartnerRuleOut(population=population, level=level, fields=fields)
                for population, level, fields in listed
            ],
            min_cell_size=protection.min_cell_size,
            min_list_records=protection.min_list_records,
            count_release_days=protection.count_release_days,
        )
    return SharingRulesOut(
        rules=[
            RuleOut(population=population, level=level, fields=fields) for population, level, fields in listed
        ],
        min_cell_size=protection.min_cell_size,
        min_list_records=protection.min_list_records,
        count_release_days=protection.count_release_days,
        counts_released_at=protection.counts_released_at,
    )


@router.get(
    "/sharing-rules/{agreement_id}",
    response={200: SharingRulesOut | PartnerSharingRulesOut, **ERROR_RESPONSES},
)
def sharing_rules_read(request: HttpRequest, agreement_id: int) -> Any:
    """The rules of an agreement and how its counts are protected; the partner's users read their own."""
    user = _user(request)
    agreement = access_agreement_by_id(user, agreement_id)
    return _rules_out(agreement, for_partner=_for_partner(user))


@router.put("/sharing-rules/{agreement_id}", response={200: SharingRulesOut, **ERROR_RESPONSES})
def sharing_rules_update(request: HttpRequest, agreement_id: int, payload: SharingRulesPatch) -> Any:
    """Set the rules per population of our accounts and the count protection (k at least 3). Any change
    withdraws both opt-ins."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    services.sharing_rules_set(actor=user, agreement=agreement, patch=payload)
    return _rules_out(agreement, for_partner=False)


@router.get("/exclusions", response={200: list[ExclusionOut], **ERROR_RESPONSES})
@paginate(Page)
def exclusion_index(request: HttpRequest) -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return share_exclusion_list()


@router.post("/exclusions", response={201: ExclusionOut, **ERROR_RESPONSES})
def exclusion_create(request: HttpRequest, payload: ExclusionInput) -> tuple[int, Any]:
    user = _user(request)
    account = access_account_for_exclusion(user, payload.account_id)
    return 201, services.share_exclusion_add(actor=user, account=account, reason=payload.reason)


@router.delete("/exclusions/{account_id}", response={204: None, **ERROR_RESPONSES})
def exclusion_delete(request: HttpRequest, account_id: int) -> tuple[int, None]:
    user = _user(request)
    services.share_exclusion_remove(actor=user, account=access_account_for_exclusion(user, account_id))
    return 204, None


@router.get("/{run_id}", response={200: MappingRunOut | PartnerMappingRunOut, **ERROR_RESPONSES})
def mapping_read(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    if _for_partner(user):
        return _partner_run(run)
    return run


@router.get("/{run_id}/errors", response={200: list[RowErrorOut], **ERROR_RESPONSES})
def mapping_errors(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    return access_mapping_run_by_id(user, run_id).row_errors


@router.get("/{run_id}/matrix", response={200: list[CellOut | PartnerCellOut], **ERROR_RESPONSES})
def mapping_matrix(request: HttpRequest, run_id: int) -> Any:
    """Counts per pair of populations; empty until both sides opted in. Partners get bands in rows shared as
    counts only, and nothing new from a run whose counts are withheld (docs/partner-portal.md)."""
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    cells = overlap_cells_for(run, for_partner=_for_partner(user))
    if _for_partner(user):
        rules = sharing_rules_of(run.agreement)
        return [_partner_cell(cell, rules) for cell in cells]
    return [CellOut(**_internal_cell(cell)) for cell in cells]


def _internal_cell(cell: Cell) -> dict[str, Any]:
    return {
        "our_population": cell.our_population,
        "partner_population": cell.partner_population,
        "count": cell.count or 0,
        "drill_down": cell.drill_down,
        "fields": list(cell.fields),
    }


@router.get(
    "/{run_id}/overlap", response={200: list[OverlapRowOut | PartnerOverlapRowOut], **ERROR_RESPONSES}
)
@paginate(Page)
def mapping_overlap(
    request: HttpRequest,
    run_id: int,
    our_population: Population | None = None,
    partner_population: Population | None = None,
) -> Any:
    """The overlapping accounts one may see (partners: only populations shared as "overlapping accounts")."""
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    rows = overlap_rows_for(
        run,
        for_partner=_for_partner(user),
        our_population=our_population or "",
        partner_population=partner_population or "",
    )
    if _for_partner(user):
        return [_partner_row(row) for row in rows]
    return [OverlapRowOut(**row) for row in rows]


@router.get("/{run_id}/changes", response={200: ChangesOut | PartnerChangesOut | None, **ERROR_RESPONSES})
def mapping_changes(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    changes = run_changes_for(run, for_partner=_for_partner(user))
    if changes is None:
        return None
    previous_run_id = changes.previous.pk if changes.previous else None
    if _for_partner(user):
        return PartnerChangesOut(
            previous_run_id=previous_run_id,
            new_count=changes.new_count,
            gone_count=changes.gone_count,
            new=[_partner_row(row) for row in changes.new],
        )
    return ChangesOut(
        previous_run_id=previous_run_id,
        new_count=changes.new_count,
        gone_count=changes.gone_count,
        new=[OverlapRowOut(**row) for row in changes.new],
        gone=[GoneRowOut(**row) for row in changes.gone],
    )


def _match_out(match: MappingMatch, decision: MatchDecision | None) -> MatchOut:
    record = match.partner_record
    return MatchOut(
        id=match.pk,
        run_id=match.run_id,
        account_id=match.account_id,
        account_name=match.account.display_name,
        partner_record_id=record.external_id,
        partner_record_name=record.name,
        our_population=Population(match.our_population),
        partner_population=Population(match.partner_population),
        score=round(match.score, 3),
        cluster=match.cluster,
        evidence_text=evidence_sentence(match.evidence),
        evidence=[EvidenceOut(**item) for item in match.evidence],
        decision=DecisionOut.model_validate(decision) if decision is not None else None,
    )


@router.get("/{run_id}/pairs/{match_id}", response={200: MatchOut, **ERROR_RESPONSES})
def mapping_pair(request: HttpRequest, run_id: int, match_id: int) -> Any:
    """Why the engine matched a pair (its evidence per field) and any decision on it. Partner users: 404."""
    match = access_match_by_id(_user(request), run_id, match_id)
    return _match_out(match, decision_of_match(match))


@router.put("/{run_id}/pairs/{match_id}/decision", response={200: MatchOut, **ERROR_RESPONSES})
def mapping_pair_decide(request: HttpRequest, run_id: int, match_id: int, payload: MatchDecisionInput) -> Any:
    """Confirm or reject a pair (`MAPPINGS_RUN`). A rejected pair is left out of every later run of the agreement
    (kept by our account and the partner record's own id or normalised name); audited."""
    user = _user(request)
    match = access_match_by_id(user, run_id, match_id, for_write=True)
    decision = services.match_decide(actor=user, match=match, data=payload)
    return _match_out(match, decision)


@router.delete("/{run_id}/pairs/{match_id}/decision", response={204: None, **ERROR_RESPONSES})
def mapping_pair_withdraw(request: HttpRequest, run_id: int, match_id: int) -> tuple[int, None]:
    """Withdraw the decision on a pair: the next run judges it again."""
    user = _user(request)
    match = access_match_by_id(user, run_id, match_id, for_write=True)
    decision = decision_of_match(match)
    if decision is None:
        raise NotFound
    services.match_decision_withdraw(actor=user, decision=decision)
    return 204, None


@router.delete("/{run_id}", response={204: None, **ERROR_RESPONSES})
def mapping_delete(request: HttpRequest, run_id: int) -> tuple[int, None]:
    user = _user(request)
    _internal(user, Capability.MAPPINGS_RUN)
    services.mapping_run_delete(actor=user, run=access_mapping_run_by_id(user, run_id, for_write=True))
    return 204, None
