"""Account mapping API: /api/v1/mappings (runs, overlap matrix, overlapping accounts, changes), sharing rules
and accounts never shared. Partner users see their own partnership's runs, through the sharing rules only."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.alliances.access import access_agreement_by_id, portal_partner_for
from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, is_internal
from handschlag.mapping import services
from handschlag.mapping.access import access_account_for_exclusion, access_mapping_run_by_id
from handschlag.mapping.enums import MappingSource, MappingStatus, Population, SharedField, SharingLevel
from handschlag.mapping.models import MappingRun
from handschlag.mapping.selectors import (
    mapping_run_list,
    overlap_cells_for,
    overlap_is_visible,
    overlap_rows_for,
    run_changes_for,
    share_exclusion_list,
    sharing_rules_of,
)

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
    match_count: int
    overlap_visible: bool
    previous_run_id: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_overlap_visible(run: MappingRun) -> bool:
        return overlap_is_visible(run)


class PartnerMappingRunOut(Schema):
    """What a partner user sees of a run: no counts of our accounts, nothing about records that did not match."""

    id: int
    agreement_id: int
    status: MappingStatus
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RowErrorOut(Schema):
    line: int
    field: str
    value: str
    reason: str


class CellOut(Schema):
    our_population: Population
    partner_population: Population
    count: int | None = Field(description="null: hidden by the sharing rules")
    drill_down: bool
    fields: list[str]


class OverlapRowOut(Schema):
    our_population: Population
    partner_population: Population
    name: str
    partner_record_id: str
    partner_record_name: str
    score: float
    account_id: int | None = None
    city: str | None = None
    domain: str | None = None
    owner: str | None = None
    open_opportunity: bool | None = None


class ChangesOut(Schema):
    previous_run_id: int | None
    new_count: int
    gone_count: int
    new: list[OverlapRowOut]
    gone: list[dict[str, Any]]


class RuleIn(Schema):
    level: SharingLevel
    fields: list[SharedField] = Field(default_factory=list, max_length=10)


class RulesIn(Schema):
    rules: dict[Population, RuleIn]


class RuleOut(Schema):
    population: Population
    level: SharingLevel
    fields: list[str]


class ExclusionIn(Schema):
    account_id: int
    reason: str = Field("", max_length=300)


class ExclusionOut(Schema):
    account_id: int
    account_name: str = Field(alias="account.display_name")
    reason: str
    created_at: dt.datetime


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
    return [run for run in mapping_run_list().filter(agreement__partner=partner) if overlap_is_visible(run)]


@router.post("", response={201: MappingRunOut, **ERROR_RESPONSES})
def mapping_create(
    request: HttpRequest,
    agreement_id: Form[int],
    file: File[UploadedFile],
    source: Form[MappingSource] = MappingSource.CLEAR,
    default_population: Form[Population] = Population.CUSTOMER,
    skip_bad_rows: Form[bool] = False,
    populations: File[UploadedFile] | None = None,
) -> tuple[int, Any]:
    """Upload the partner's list (CSV/XLSX in clear, or the file `handschlag encode` wrote with the
    agreement's secret) and start a run in the background; poll `GET /mappings/{id}` for progress."""
    user = _user(request)
    _internal(user, Capability.MAPPINGS_RUN)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    run = services.mapping_run_create(
        actor=user,
        agreement=agreement,
        upload=file,
        source=source,
        default_population=default_population,
        populations_upload=populations,
        skip_bad_rows=skip_bad_rows,
    )
    return 201, run


@router.get("/sharing-rules/{agreement_id}", response={200: list[RuleOut], **ERROR_RESPONSES})
def sharing_rules_read(request: HttpRequest, agreement_id: int) -> Any:
    """The rules of an agreement; the partner's users may read their own agreement's rules."""
    agreement = access_agreement_by_id(_user(request), agreement_id)
    rules = sharing_rules_of(agreement)
    return [
        {
            "population": population,
            "level": rules[population].level if population in rules else SharingLevel.HIDDEN,
            "fields": list(rules[population].fields) if population in rules else [],
        }
        for population in Population.values
    ]


@router.put("/sharing-rules/{agreement_id}", response={200: list[RuleOut], **ERROR_RESPONSES})
def sharing_rules_update(request: HttpRequest, agreement_id: int, payload: RulesIn) -> Any:
    """Set the rules per population of our accounts. Any change withdraws both opt-ins."""
    user = _user(request)
    _internal(user, Capability.PARTNERS_MANAGE)
    agreement = access_agreement_by_id(user, agreement_id, for_write=True)
    services.sharing_rules_set(
        actor=user,
        agreement=agreement,
        rules={str(population): rule.dict() for population, rule in payload.rules.items()},
    )
    return sharing_rules_read(request, agreement_id)


@router.get("/exclusions", response={200: list[ExclusionOut], **ERROR_RESPONSES})
@paginate(Page)
def exclusion_index(request: HttpRequest) -> Any:
    _internal(_user(request), Capability.PARTNERS_VIEW)
    return share_exclusion_list()


@router.post("/exclusions", response={201: ExclusionOut, **ERROR_RESPONSES})
def exclusion_create(request: HttpRequest, payload: ExclusionIn) -> tuple[int, Any]:
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
        return PartnerMappingRunOut.from_orm(run)
    return run


@router.get("/{run_id}/errors", response={200: list[RowErrorOut], **ERROR_RESPONSES})
def mapping_errors(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    _internal(user, Capability.PARTNERS_VIEW)
    return access_mapping_run_by_id(user, run_id).row_errors


@router.get("/{run_id}/matrix", response={200: list[CellOut], **ERROR_RESPONSES})
def mapping_matrix(request: HttpRequest, run_id: int) -> Any:
    """Counts per pair of populations; empty until both sides opted in."""
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    return overlap_cells_for(run, for_partner=_for_partner(user))


@router.get("/{run_id}/overlap", response={200: list[OverlapRowOut], **ERROR_RESPONSES})
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
    return overlap_rows_for(
        run,
        for_partner=_for_partner(user),
        our_population=our_population or "",
        partner_population=partner_population or "",
    )


@router.get("/{run_id}/changes", response={200: ChangesOut | None, **ERROR_RESPONSES})
def mapping_changes(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    run = access_mapping_run_by_id(user, run_id)
    changes = run_changes_for(run, for_partner=_for_partner(user))
    if changes is None:
        return None
    return {
        "previous_run_id": changes.previous.pk if changes.previous else None,
        "new_count": changes.new_count,
        "gone_count": changes.gone_count,
        "new": changes.new,
        "gone": changes.gone,
    }


@router.delete("/{run_id}", response={204: None, **ERROR_RESPONSES})
def mapping_delete(request: HttpRequest, run_id: int) -> tuple[int, None]:
    user = _user(request)
    _internal(user, Capability.MAPPINGS_RUN)
    services.mapping_run_delete(actor=user, run=access_mapping_run_by_id(user, run_id, for_write=True))
    return 204, None
