"""Concessions API under /api/v1/: /concessions (the ledger, decisions, returns, the approver's view of the
account), /concessions/approvals, /concessions/figures, /concessions/trap-list, /concessions/waterfall,
/concessions/settings, /concessions/limits and /concessions/delegations.

Sellers see their accounts' entries, management all; marketing, process owners and partner managers get 403;
partner users 404 for everything, as if nothing existed.
"""

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.accounts.access import access_account_by_id
from handschlag.concessions import services
from handschlag.concessions.access import (
    access_concession_by_id,
    access_delegation_by_id,
    approval_limits,
    can_decide,
    can_edit_concession,
    check_settings_allowed,
    require_concessions_view,
)
from handschlag.concessions.analytics import concession_figures, price_waterfall
from handschlag.concessions.enums import (
    ApprovalStatus,
    ConcessionKind,
    ConcessionReason,
    GetKind,
    GetStatus,
)
from handschlag.concessions.inputs import (
    ConcessionInput,
    ConcessionPatch,
    DecisionInput,
    DelegationInput,
    GetStatusInput,
    LimitInput,
    SettingsInput,
)
from handschlag.concessions.models import ApprovalDelegation, Concession
from handschlag.concessions.selectors import (
    ConcessionFilters,
    account_history,
    approvals_waiting,
    concession_list,
    concession_settings_get,
)
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability

router = Router(tags=["concessions"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ConcessionOut(Schema):
    id: int
    account_id: int
    account_name: str
    order_id: int | None
    opportunity_id: int | None
    recorded_by_id: int
    changed_by_id: int | None
    granted_on: dt.date
    kind: ConcessionKind
    list_value: Decimal
    percent: Decimal | None
    amount: Decimal | None
    extra_days: int | None
    interest_rate_percent: Decimal | None
    value: Decimal = Field(description="the concession's value in EUR, whatever its kind")
    reason: ConcessionReason
    note: str
    get_kind: GetKind
    get_description: str
    get_value: Decimal | None
    get_due_on: dt.date | None
    get_status: GetStatus = Field(
        description="pending past its due date reads overdue; none without a return"
    )
    nothing_reason: str
    approval_status: ApprovalStatus
    basis_value: Decimal = Field(
        description="what counted against the limit: the account's entries in the period"
    )
    basis_percent: Decimal
    decided_by_id: int | None
    decided_for_id: int | None = Field(description="the absent approver a delegate decided for")
    decided_at: dt.datetime | None
    decision_reason: str
    revision: int
    created_at: dt.datetime

    @staticmethod
    def resolve_account_name(obj: Concession) -> str:
        return obj.account.name

    @staticmethod
    def resolve_get_status(obj: Concession) -> str:
        return obj.get_status_on(timezone.localdate())


class ConcessionQuery(Schema):
    account_id: int | None = Field(None, ge=1, le=2**63 - 1)
    approval_status: ApprovalStatus | None = None
    get_status: GetStatus | None = None
    kind: ConcessionKind | None = None
    reason: ConcessionReason | None = None
    without_return: bool = False
    ordering: Literal["granted", "-granted", "value", "-value", "account", "-account"] = "-granted"


@router.get("/concessions", response={200: list[ConcessionOut], **ERROR_RESPONSES})
@paginate(Page)
def concession_index(request: HttpRequest, filters: Query[ConcessionQuery]) -> Any:
    """The entries the caller may see: a seller his accounts' (and the ones he recorded), management all."""
    user = _user(request)
    require_concessions_view(user)
    return concession_list(
        user=user,
        filters=ConcessionFilters(
            account_id=filters.account_id,
            approval_status=filters.approval_status or "",
            get_status=filters.get_status or "",
            kind=filters.kind or "",
            reason=filters.reason or "",
            without_return=filters.without_return,
            ordering=filters.ordering,
        ),
    )


@router.post("/concessions", response={201: ConcessionOut, **ERROR_RESPONSES})
def concession_create(request: HttpRequest, payload: ConcessionInput) -> tuple[int, Any]:
    """Record a concession. Its value in EUR is computed (percent of the list value; payment terms as interest on
    the list value for the extra days at the organisation's rate). Above the recorder's limit — counted with the
    account's other concessions in the period — it waits for approval; the entry stands either way."""
    user = _user(request)
    concession = services.concession_create(actor=user, data=payload)
    return 201, access_concession_by_id(user, concession.pk)


class ImportProblemOut(Schema):
    line: int
    field: str
    message: str


class ImportOut(Schema):
    created: int
    problems: list[ImportProblemOut]


@router.post("/concessions/import", response={200: ImportOut, 400: ImportOut, **ERROR_RESPONSES})
def concession_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Existing discount lines (CSV or XLSX; German headers and numbers). All or nothing: 400 with every bad line
    (number, field, reason) and nothing written, else 200 with the number created."""
    user = _user(request)
    with tempfile.NamedTemporaryFile(suffix=".upload") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        result = services.concession_import(actor=user, path=Path(handle.name), source=file.name or "upload")
    body = {"created": result.created, "problems": [problem.__dict__ for problem in result.problems]}
    return (400, body) if result.problems else (200, body)


@router.get("/concessions/approvals", response={200: list[ConcessionOut], **ERROR_RESPONSES})
def approval_index(request: HttpRequest) -> Any:
    """The waiting entries the caller may decide (with his limit, or an absent approver's he stands in for)."""
    user = _user(request)
    require_concessions_view(user)
    return approvals_waiting(user=user)


class GroupOut(Schema):
    key: int | str
    label: str
    entries: int
    value: Decimal
    list_value: Decimal
    on_invoice: Decimal
    rate: float | None = Field(description="concession value ÷ list value, percent")
    depth: float | None = Field(description="on-invoice discounts ÷ list value, percent")
    coverage: float | None = Field(
        description="share of the concession value with a recorded return, percent"
    )
    fulfilment: float | None = Field(
        description="delivered ÷ (delivered + overdue + failed) returns, percent"
    )


class QuarterRateOut(Schema):
    quarter: str
    entries: int
    value: Decimal
    list_value: Decimal
    rate: float | None


class AccountFiguresOut(GroupOut):
    owner: str
    customer_since: dt.date | None
    customer_years: int | None
    creep: float | None = Field(
        description="slope of the concession rate over the last four quarters, points/quarter"
    )
    quarters: list[QuarterRateOut]
    complaints_year: int
    window_coverage: float | None


class TrapOut(Schema):
    account_id: int
    account: str
    owner: str
    creep: float | None
    reasons: list[str]


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    total: GroupOut
    accounts: list[AccountFiguresOut]
    sellers: list[GroupOut]
    quarters: list[GroupOut]
    trap_list: list[TrapOut]


def _quarters(rates: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "quarter": rate.label,
            "entries": rate.entries,
            "value": rate.value,
            "list_value": rate.list_value,
            "rate": rate.rate,
        }
        for rate in rates
    ]


def _require_figures(user: User) -> None:
    require_concessions_view(user)
    if not has_capability(user, Capability.CONCESSIONS_ANALYTICS):
        raise Forbidden


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    if start and end and start > end:
        raise InvalidInput.for_field("start", _("The start must not be after the end."))
    return start, end


@router.get("/concessions/figures", response={200: FiguresOut, **ERROR_RESPONSES})
def figures_read(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None) -> Any:
    """Concession rate, discount depth, give-get coverage and get-fulfilment per account, seller and quarter;
    discount creep and the relationship-trap list with each account's reasons (management)."""
    user = _user(request)
    _require_figures(user)
    start, end = _period(start, end)
    figures = concession_figures(user=user, start=start, end=end, all_accounts=True)
    return {
        "start": figures.start,
        "end": figures.end,
        "total": figures.total.__dict__,
        "accounts": [
            {**account.__dict__, "quarters": _quarters(account.quarters)} for account in figures.accounts
        ],
        "sellers": [seller.__dict__ for seller in figures.sellers],
        "quarters": [quarter.__dict__ for quarter in figures.by_quarter],
        "trap_list": [_trap(entry) for entry in figures.trap],
    }


def _trap(entry: Any) -> dict[str, Any]:
    return {
        "account_id": entry.account.key,
        "account": entry.account.label,
        "owner": entry.account.owner,
        "creep": entry.account.creep,
        "reasons": entry.reasons,
    }


@router.get("/concessions/trap-list", response={200: list[TrapOut], **ERROR_RESPONSES})
def trap_index(request: HttpRequest) -> Any:
    """Long, friendly relationships with rising concessions and few returns, each with its reasons: management
    all accounts, a seller his own."""
    user = _user(request)
    require_concessions_view(user)
    figures = concession_figures(user=user)
    return [_trap(entry) for entry in figures.trap]


class WaterfallStepOut(Schema):
    label: str
    amount: Decimal
    is_total: bool


class WaterfallOut(Schema):
    start: dt.date
    end: dt.date
    account_id: int | None
    list_value: Decimal
    invoice: Decimal
    pocket: Decimal
    entries: int
    steps: list[WaterfallStepOut]


@router.get("/concessions/waterfall", response={200: WaterfallOut, **ERROR_RESPONSES})
def waterfall_read(
    request: HttpRequest,
    account_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Any:
    """List price → invoice price → pocket price of the business with concessions, per account (or all) and
    period; the off-invoice items (free services, payment terms, freight, warranty) valued in EUR."""
    user = _user(request)
    _require_figures(user)
    if account_id is not None:
        if not 1 <= account_id <= 2**63 - 1:
            raise InvalidInput.for_field("account_id", _("No such account."))
        access_account_by_id(user, account_id)
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=365)
    _period(start, end)
    waterfall = price_waterfall(user=user, start=start, end=end, account_id=account_id)
    return {
        "start": start,
        "end": end,
        "account_id": account_id,
        **waterfall.__dict__,
        "steps": [step.__dict__ for step in waterfall.steps],
    }


class LimitOut(Schema):
    role: str
    max_value: Decimal | None
    max_percent: Decimal | None


class SettingsOut(Schema):
    interest_rate_percent: Decimal
    period_days: int
    edit_tolerance_percent: Decimal
    trap_min_years: int
    trap_max_complaints: int
    trap_max_coverage_percent: Decimal
    limits: list[LimitOut]


def _settings_body() -> dict[str, Any]:
    settings = concession_settings_get()
    body = {name: getattr(settings, name) for name in SettingsInput.model_fields}
    body["limits"] = [
        {"role": role, "max_value": limit.max_value, "max_percent": limit.max_percent}
        for role, limit in sorted(approval_limits().items())
    ]
    return body


@router.get("/concessions/settings", response={200: SettingsOut, **ERROR_RESPONSES})
def settings_read(request: HttpRequest) -> Any:
    """The interest rate for payment terms, the period that counts together, the tolerance, the trap limits and
    each role's approval limit (administrators)."""
    check_settings_allowed(_user(request))
    return _settings_body()


@router.put("/concessions/settings", response={200: SettingsOut, **ERROR_RESPONSES})
def settings_update(request: HttpRequest, payload: SettingsInput) -> Any:
    services.concession_settings_update(actor=_user(request), data=payload)
    return _settings_body()


@router.put("/concessions/limits", response={200: SettingsOut, **ERROR_RESPONSES})
def limit_set(request: HttpRequest, payload: LimitInput) -> Any:
    """One role's approval limit (EUR and percent of the list value; null = no limit)."""
    services.approval_limit_set(actor=_user(request), data=payload)
    return _settings_body()


class DelegationOut(Schema):
    id: int
    delegator_id: int
    delegate_id: int
    starts_on: dt.date
    ends_on: dt.date


@router.get("/concessions/delegations", response={200: list[DelegationOut], **ERROR_RESPONSES})
def delegation_index(request: HttpRequest) -> Any:
    """The delegations the caller gave or received (administrators: all)."""
    user = _user(request)
    if not has_capability(user, Capability.CONCESSIONS_SETTINGS):
        require_concessions_view(user)
    delegations = ApprovalDelegation.objects.all()
    if not has_capability(user, Capability.CONCESSIONS_SETTINGS):
        delegations = delegations.filter(delegator=user) | delegations.filter(delegate=user)
    return list(delegations.order_by("-starts_on", "-id"))


@router.post("/concessions/delegations", response={201: DelegationOut, **ERROR_RESPONSES})
def delegation_create(request: HttpRequest, payload: DelegationInput) -> tuple[int, Any]:
    """While you are absent a colleague decides in your place, with your limit."""
    return 201, services.delegation_create(actor=_user(request), data=payload)


@router.delete("/concessions/delegations/{delegation_id}", response={204: None, **ERROR_RESPONSES})
def delegation_delete(request: HttpRequest, delegation_id: int) -> tuple[int, None]:
    user = _user(request)
    services.delegation_delete(actor=user, delegation=access_delegation_by_id(user, delegation_id))
    return 204, None


@router.get("/concessions/{concession_id}", response={200: ConcessionOut, **ERROR_RESPONSES})
def concession_read(request: HttpRequest, concession_id: int) -> Any:
    return access_concession_by_id(_user(request), concession_id)


@router.patch("/concessions/{concession_id}", response={200: ConcessionOut, **ERROR_RESPONSES})
def concession_update(request: HttpRequest, concession_id: int, payload: ConcessionPatch) -> Any:
    """Change an entry. Raised beyond the tolerance after approval, it waits again; a rejected entry is submitted
    again by changing its value or its return (unchanged: 400 `unchanged`)."""
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    services.concession_update(actor=user, concession=concession, patch=payload)
    return access_concession_by_id(user, concession_id)


@router.post("/concessions/{concession_id}/decision", response={200: ConcessionOut, **ERROR_RESPONSES})
def concession_decide(request: HttpRequest, concession_id: int, payload: DecisionInput) -> Any:
    """Approve or reject a waiting entry (a rejection needs a reason). 403 for one's own entry or above one's
    limit; 409 `decided` when another approver was first, `changed` when `revision` is not the latest."""
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    services.concession_decide(actor=user, concession=concession, data=payload)
    return access_concession_by_id(user, concession_id)


@router.post("/concessions/{concession_id}/return-status", response={200: ConcessionOut, **ERROR_RESPONSES})
def concession_get_status(request: HttpRequest, concession_id: int, payload: GetStatusInput) -> Any:
    """Whether the customer delivered what he promised in return: pending, delivered or failed."""
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    services.concession_get_status_set(actor=user, concession=concession, data=payload)
    return access_concession_by_id(user, concession_id)


class ComplaintBriefOut(Schema):
    id: int
    title: str
    severity: str
    status: str
    cancellation_threat: bool
    created_at: dt.datetime


class OrderBriefOut(Schema):
    id: int
    number: str
    value: Decimal
    due_date: dt.date | None
    status: str


class InsightOut(Schema):
    kind: str
    text: str
    review_date: dt.date | None


class AccountViewOut(Schema):
    """What the approver sees of the account before deciding."""

    concession: ConcessionOut
    may_decide: bool
    may_edit: bool
    account_id: int
    account: str
    customer_years: int | None
    quarters: list[QuarterRateOut]
    creep: float | None
    trend: Literal["rising", "falling", "flat", "unknown"]
    total_value: Decimal
    coverage: float | None
    gives_without_gets: list[ConcessionOut]
    gets_not_delivered: list[ConcessionOut]
    open_complaints: list[ComplaintBriefOut]
    past_complaints: list[ComplaintBriefOut]
    revenue_at_risk: Decimal
    open_orders: list[OrderBriefOut]
    open_order_value: Decimal
    goals_risks_constraints: list[InsightOut]
    success_plan: str


@router.get("/concessions/{concession_id}/account-view", response={200: AccountViewOut, **ERROR_RESPONSES})
def concession_account_view(request: HttpRequest, concession_id: int) -> Any:
    """The entry with its account's history: the concession rate of the last four quarters and its trend, gives
    without gets, returns not delivered, open and past complaints with their severity, open orders, the customer's
    goals, risks and constraints."""
    user = _user(request)
    concession = access_concession_by_id(user, concession_id)
    history = account_history(user=user, account=concession.account)
    return {
        "concession": concession,
        "may_decide": can_decide(user, concession),
        "may_edit": can_edit_concession(user, concession),
        "account_id": concession.account_id,
        "account": concession.account.name,
        "customer_years": history.customer_years,
        "quarters": _quarters(history.quarters),
        "creep": history.creep,
        "trend": history.trend,
        "total_value": history.total_value,
        "coverage": history.coverage,
        "gives_without_gets": history.gives_without_gets,
        "gets_not_delivered": history.gets_not_delivered,
        "open_complaints": history.complaints.open,
        "past_complaints": history.complaints.recent_closed,
        "revenue_at_risk": history.complaints.revenue_at_risk,
        "open_orders": history.open_orders,
        "open_order_value": history.open_order_value,
        "goals_risks_constraints": history.insights,
        "success_plan": history.success_plan,
    }
