"""Accounts API: /api/v1/accounts (with contacts, orders, goals/risks/constraints) and /api/v1/imports."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from handschlag.accounts import import_services, services
from handschlag.accounts.access import (
    access_account_by_id,
    access_contact_by_id,
    access_import_run_by_id,
    access_insight_by_id,
    access_order_by_id,
    access_saved_column_mapping_by_id,
)
from handschlag.accounts.enums import AccountStatus, ImportMode, ImportPreset, InsightKind, OrderStatus
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, InsightInput, OrderInput
from handschlag.accounts.selectors import (
    AccountFilters,
    account_list,
    import_row_errors,
    import_row_warnings,
    import_run_list,
    saved_column_mapping_list,
)
from handschlag.core.access import require_capability
from handschlag.core.api_support import (
    ERROR_RESPONSES,
    Page,
    UnboundedPage,
    attribute_row,
    page_response,
    plain_rows,
)
from handschlag.core.errors import InvalidInput
from handschlag.core.models import User
from handschlag.core.roles import Capability

router = Router(tags=["accounts"])
imports_router = Router(tags=["imports"])

Money = Decimal
MAX_ID = 2**63 - 1


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class AccountOut(Schema):
    id: int
    name: str
    legal_form: str
    external_id: str
    domain: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str
    industry: str
    employees: int | None
    annual_revenue: Money | None
    status: AccountStatus
    customer_since: dt.date | None
    owner_id: int | None
    tags: list[str] = Field(alias="tag_list")
    success_plan: str
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AccountQuery(Schema):
    q: str = Field(
        "", max_length=200, description="Search in name, city, domain, postal code, CRM id, VAT id"
    )
    status: AccountStatus | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    country: str = Field("", max_length=2)
    tag: str = Field("", max_length=100)
    ordering: Literal[
        "name", "-name", "city", "-city", "status", "-status", "revenue", "-revenue", "updated", "-updated"
    ] = "name"
    archived: bool = Field(False, description="List the archived accounts instead of the active ones")


class PagedAccountOut(Schema):
    items: list[AccountOut]
    count: int
    count_capped: bool = False


_PLAIN_ROWS = plain_rows(AccountOut)
_ROW = attribute_row(AccountOut)


@router.get("", response={200: PagedAccountOut, **ERROR_RESPONSES})
def account_index(request: HttpRequest, filters: Query[AccountQuery], page: Query[Page.Input]) -> Any:
    require_capability(_user(request), Capability.ACCOUNTS_VIEW)
    rows = account_list(
        user=_user(request),
        filters=AccountFilters(
            search=filters.q,
            status=filters.status or "",
            owner_id=filters.owner_id,
            country=filters.country,
            tag=filters.tag,
            ordering=filters.ordering,
            archived=filters.archived,
        ),
    )
    return page_response(rows, page, _PLAIN_ROWS, _ROW)


class DuplicateCandidateOut(Schema):
    account_id: int
    name: str
    external_id: str
    city: str
    score: float


class PossibleDuplicateDetail(Schema):
    code: Literal["possible_duplicate"]
    message: str
    fields: dict[str, list[str]]
    candidates: list[DuplicateCandidateOut]


class PossibleDuplicateOut(Schema):
    error: PossibleDuplicateDetail


@router.post("", response={201: AccountOut, **ERROR_RESPONSES, 409: PossibleDuplicateOut})
def account_create(request: HttpRequest, payload: AccountInput) -> tuple[int, Any]:
    """Create an account. When the matching engine takes it for an existing one, the answer is 409
    `possible_duplicate` naming the candidates; send it again with `confirm_duplicate: true` to save it anyway."""
    try:
        return 201, services.account_create(actor=_user(request), data=payload)
    except services.PossibleDuplicate as duplicate:
        return 409, {
            "error": {
                "code": duplicate.code,
                "message": duplicate.message,
                "fields": {},
                "candidates": [vars(candidate) for candidate in duplicate.candidates],
            }
        }


@router.get("/{account_id}", response={200: AccountOut, **ERROR_RESPONSES})
def account_read(request: HttpRequest, account_id: int) -> Any:
    return access_account_by_id(_user(request), account_id)


@router.patch("/{account_id}", response={200: AccountOut, **ERROR_RESPONSES})
def account_update(request: HttpRequest, account_id: int, payload: AccountPatch) -> Any:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    return services.account_update(actor=user, account=account, patch=payload)


@router.delete("/{account_id}", response={204: None, **ERROR_RESPONSES})
def account_delete(request: HttpRequest, account_id: int) -> tuple[int, None]:
    """Delete an account that nothing else refers to; 409 `account_referenced` when something does — archive
    it then (`POST /accounts/{id}/archive`)."""
    user = _user(request)
    services.account_delete(actor=user, account=access_account_by_id(user, account_id))
    return 204, None


@router.post("/{account_id}/archive", response={200: AccountOut, **ERROR_RESPONSES})
def account_archive(request: HttpRequest, account_id: int) -> Any:
    """Leave the account out of lists and choices; it keeps its history and can be restored."""
    user = _user(request)
    return services.account_archive(actor=user, account=access_account_by_id(user, account_id))


@router.post("/{account_id}/restore", response={200: AccountOut, **ERROR_RESPONSES})
def account_restore(request: HttpRequest, account_id: int) -> Any:
    user = _user(request)
    return services.account_restore(actor=user, account=access_account_by_id(user, account_id))


# --- contacts ----------------------------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    position: str
    email: str
    phone: str


@router.get("/{account_id}/contacts", response={200: list[ContactOut], **ERROR_RESPONSES})
def contact_index(request: HttpRequest, account_id: int) -> Any:
    return list(access_account_by_id(_user(request), account_id).contacts.all())


@router.post("/{account_id}/contacts", response={201: ContactOut, **ERROR_RESPONSES})
def contact_create(request: HttpRequest, account_id: int, payload: ContactInput) -> tuple[int, Any]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    return 201, services.contact_create(actor=user, account=account, data=payload)


@router.put("/{account_id}/contacts/{contact_id}", response={200: ContactOut, **ERROR_RESPONSES})
def contact_update(request: HttpRequest, account_id: int, contact_id: int, payload: ContactInput) -> Any:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    contact = access_contact_by_id(user, account, contact_id)
    return services.contact_update(actor=user, contact=contact, data=payload)


@router.delete("/{account_id}/contacts/{contact_id}", response={204: None, **ERROR_RESPONSES})
def contact_delete(request: HttpRequest, account_id: int, contact_id: int) -> tuple[int, None]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    services.contact_delete(actor=user, contact=access_contact_by_id(user, account, contact_id))
    return 204, None


# --- orders ------------------------------------------------------------------------------------------------------


class OrderOut(Schema):
    id: int
    number: str
    value: Money
    due_date: dt.date | None
    status: OrderStatus
    product: str


@router.get("/{account_id}/orders", response={200: list[OrderOut], **ERROR_RESPONSES})
def order_index(request: HttpRequest, account_id: int) -> Any:
    return list(access_account_by_id(_user(request), account_id).orders.all())


@router.post("/{account_id}/orders", response={201: OrderOut, **ERROR_RESPONSES})
def order_create(request: HttpRequest, account_id: int, payload: OrderInput) -> tuple[int, Any]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    return 201, services.order_create(actor=user, account=account, data=payload)


@router.put("/{account_id}/orders/{order_id}", response={200: OrderOut, **ERROR_RESPONSES})
def order_update(request: HttpRequest, account_id: int, order_id: int, payload: OrderInput) -> Any:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    return services.order_update(actor=user, order=access_order_by_id(user, account, order_id), data=payload)


@router.delete("/{account_id}/orders/{order_id}", response={204: None, **ERROR_RESPONSES})
def order_delete(request: HttpRequest, account_id: int, order_id: int) -> tuple[int, None]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    services.order_delete(actor=user, order=access_order_by_id(user, account, order_id))
    return 204, None


# --- goals, risks, constraints -------------------------------------------------------------------------------------


class InsightOut(Schema):
    id: int
    kind: InsightKind
    text: str
    review_date: dt.date | None


@router.get("/{account_id}/insights", response={200: list[InsightOut], **ERROR_RESPONSES})
def insight_index(request: HttpRequest, account_id: int) -> Any:
    return list(access_account_by_id(_user(request), account_id).insights.all())


@router.post("/{account_id}/insights", response={201: InsightOut, **ERROR_RESPONSES})
def insight_create(request: HttpRequest, account_id: int, payload: InsightInput) -> tuple[int, Any]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    return 201, services.insight_create(actor=user, account=account, data=payload)


@router.put("/{account_id}/insights/{insight_id}", response={200: InsightOut, **ERROR_RESPONSES})
def insight_update(request: HttpRequest, account_id: int, insight_id: int, payload: InsightInput) -> Any:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    insight = access_insight_by_id(user, account, insight_id)
    return services.insight_update(actor=user, insight=insight, data=payload)


@router.delete("/{account_id}/insights/{insight_id}", response={204: None, **ERROR_RESPONSES})
def insight_delete(request: HttpRequest, account_id: int, insight_id: int) -> tuple[int, None]:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    services.insight_delete(actor=user, insight=access_insight_by_id(user, account, insight_id))
    return 204, None


# --- imports -------------------------------------------------------------------------------------------------------


class ImportRunOut(Schema):
    id: int
    original_name: str
    preset: ImportPreset
    mode: ImportMode
    status: str
    file_format: str
    encoding: str
    delimiter: str
    column_mapping: dict[str, str]
    total_rows: int
    processed_rows: int
    progress_percent: int
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int
    error_row_count: int
    warning_count: int
    warning_row_count: int
    requested_columns: dict[str, str]
    saved_mapping_id: int | None
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportRowErrorOut(Schema):
    line: int
    field: str
    value: str
    reason: str


class ImportColumnOut(Schema):
    column: str
    field: str = Field(description='The field the column is read into; "" when the column is ignored.')
    sample: str


class ColumnsIn(Schema):
    columns: dict[str, str] = Field(
        description='Header → field ("" ignores the column); columns not named are detected.'
    )
    save_as: str = Field("", max_length=100, description="Save the mapping under this name to use it again.")


class SavedColumnMappingIn(Schema):
    name: str = Field(max_length=100)
    columns: dict[str, str]


class SavedColumnMappingOut(Schema):
    id: int
    name: str
    columns: dict[str, str]
    created_at: dt.datetime
    updated_at: dt.datetime


def _columns_from_form(text: str) -> dict[str, str] | None:
    """The `columns` form field: a JSON object of header → field."""
    import json

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
    return {key: item or "" for key, item in value.items()}


@imports_router.get("/column-mappings", response={200: list[SavedColumnMappingOut], **ERROR_RESPONSES})
def column_mapping_index(request: HttpRequest) -> Any:
    """Column mappings saved per source, to be used again by name or id (`saved_mapping` of an upload)."""
    require_capability(_user(request), Capability.ACCOUNTS_IMPORT)
    return saved_column_mapping_list()


@imports_router.post("/column-mappings", response={201: SavedColumnMappingOut, **ERROR_RESPONSES})
def column_mapping_save(request: HttpRequest, payload: SavedColumnMappingIn) -> tuple[int, Any]:
    """Save a column mapping under a name; the same name replaces the saved one."""
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_IMPORT)
    return 201, import_services.saved_column_mapping_save(
        actor=user, name=payload.name, columns=payload.columns
    )


@imports_router.delete("/column-mappings/{mapping_id}", response={204: None, **ERROR_RESPONSES})
def column_mapping_delete(request: HttpRequest, mapping_id: int) -> tuple[int, None]:
    user = _user(request)
    import_services.saved_column_mapping_delete(
        actor=user, mapping=access_saved_column_mapping_by_id(user, mapping_id)
    )
    return 204, None


@imports_router.get("", response={200: list[ImportRunOut], **ERROR_RESPONSES})
@paginate(Page)
def import_index(request: HttpRequest) -> Any:
    require_capability(_user(request), Capability.ACCOUNTS_IMPORT)
    return import_run_list()


@imports_router.post("", response={201: ImportRunOut, **ERROR_RESPONSES})
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    preset: Form[ImportPreset] = ImportPreset.AUTO,
    mode: Form[ImportMode] = ImportMode.ALL_OR_NOTHING,
    columns: Form[str] = "",
    saved_mapping: Form[str] = "",
    confirm_columns: Form[bool] = False,
) -> tuple[int, Any]:
    """Upload a CSV or XLSX export. Small files are imported before the answer; large ones in the background —
    poll `GET /imports/{id}` for progress.

    `columns`: a JSON object of column header → field ("" ignores the column), e.g.
    `{"Kd-Nr": "external_id", "Bemerkung": ""}`; `saved_mapping`: a saved column mapping's name or id. Columns
    not named are detected. With `confirm_columns` the import waits: `GET /imports/{id}/columns` shows the
    detected mapping with a sample value per column, `POST /imports/{id}/columns` confirms it and starts."""
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_IMPORT)
    return 201, import_services.import_run_create(
        actor=user,
        upload=file,
        preset=preset,
        mode=mode,
        columns=_columns_from_form(columns),
        saved_mapping=saved_mapping.strip() or None,
        confirm_columns=confirm_columns,
    )


@imports_router.get("/{run_id}", response={200: ImportRunOut, **ERROR_RESPONSES})
def import_read(request: HttpRequest, run_id: int) -> Any:
    return access_import_run_by_id(_user(request), run_id)


@imports_router.get("/{run_id}/errors", response={200: list[ImportRowErrorOut], **ERROR_RESPONSES})
@paginate(UnboundedPage)
def import_errors(request: HttpRequest, run_id: int) -> Any:
    return import_row_errors(run=access_import_run_by_id(_user(request), run_id))


@imports_router.get("/{run_id}/warnings", response={200: list[ImportRowErrorOut], **ERROR_RESPONSES})
@paginate(Page)
def import_warnings(request: HttpRequest, run_id: int) -> Any:
    """Rows imported all the same, with a warning: the new account is probably a duplicate of an existing one."""
    return import_row_warnings(run=access_import_run_by_id(_user(request), run_id))


@imports_router.get("/{run_id}/columns", response={200: list[ImportColumnOut], **ERROR_RESPONSES})
def import_columns(request: HttpRequest, run_id: int) -> Any:
    """The file's columns: header, the field each is read into ("" = ignored) and a sample value."""
    user = _user(request)
    return import_services.import_run_columns(actor=user, run=access_import_run_by_id(user, run_id))


@imports_router.post("/{run_id}/columns", response={202: ImportRunOut, **ERROR_RESPONSES})
def import_columns_confirm(request: HttpRequest, run_id: int, payload: ColumnsIn) -> tuple[int, Any]:
    """Confirm (or change) the columns of an import uploaded with `confirm_columns`, and start it."""
    user = _user(request)
    run = access_import_run_by_id(user, run_id)
    return 202, import_services.import_run_confirm_columns(
        actor=user, run=run, columns=payload.columns, save_as=payload.save_as
    )


@imports_router.post("/{run_id}/import-good-rows", response={202: ImportRunOut, **ERROR_RESPONSES})
def import_good_rows(request: HttpRequest, run_id: int) -> tuple[int, Any]:
    user = _user(request)
    run = access_import_run_by_id(user, run_id)
    return 202, import_services.import_run_import_good_rows(actor=user, run=run)
