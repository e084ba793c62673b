"""Core API: who am I, my API tokens, departments, jobs, my notifications."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from handschlag.core import jobs, services
from handschlag.core.access import (
    access_api_token_by_id,
    access_department_by_id,
    access_job_by_id,
    access_notification_by_id,
    require_capability,
)
from handschlag.core.admin_api import router as admin_router
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.enums import JobStatus, NotificationEmail
from handschlag.core.errors import Forbidden
from handschlag.core.inputs import DepartmentInput, DepartmentPatch
from handschlag.core.models import User
from handschlag.core.notifications import (
    notifications_mark_read,
    user_notification_email_set,
    user_weekly_digest_set,
)
from handschlag.core.privacy_api import router as privacy_router
from handschlag.core.roles import Capability, is_internal
from handschlag.core.selectors import api_token_list_for_user, department_list, notification_list_for_user

router = Router(tags=["core"])


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    department: str | None
    language: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreateIn(Schema):
    name: str = Field(min_length=1, max_length=100)


class TokenCreatedOut(TokenOut):
    token: str


class DepartmentOut(Schema):
    id: int
    name: str
    head_id: int | None
    is_active: bool


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class JobOut(Schema):
    id: int
    task: str
    arguments: dict[str, Any]
    queue: str
    status: str
    attempts: int
    max_attempts: int
    run_after: dt.datetime
    finished_at: dt.datetime | None
    error: str


@router.get("/jobs", response={200: list[JobOut], **ERROR_RESPONSES})
@paginate(Page)
def job_index(request: HttpRequest, status: JobStatus | None = None) -> Any:
    """Jobs of the queue, for administrators: `?status=failed` lists the failed ones, most recent first."""
    require_capability(_user(request), Capability.JOBS_MANAGE)
    return jobs.job_list(status=status)


@router.post("/jobs/{job_id}/retry", response={200: JobOut, **ERROR_RESPONSES})
def job_retry(request: HttpRequest, job_id: int) -> Any:
    """Queue a failed job again with fresh attempts (409 when it is not failed)."""
    user = _user(request)
    return jobs.job_retry(actor=user, job=access_job_by_id(user, job_id))


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def me(request: HttpRequest) -> MeOut:
    user = _user(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        role=user.role,
        department=user.department.name if user.department else None,
        language=user.language,
    )


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
def token_list(request: HttpRequest) -> object:
    require_capability(_user(request), Capability.API_TOKENS_OWN)
    return list(api_token_list_for_user(user=_user(request)))


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES})
def token_create(request: HttpRequest, payload: TokenCreateIn) -> tuple[int, TokenCreatedOut]:
    user = _user(request)
    require_capability(user, Capability.API_TOKENS_OWN)
    token, plaintext = services.api_token_create(actor=user, user=user, name=payload.name)
    return 201, TokenCreatedOut(**TokenOut.from_orm(token).dict(), token=plaintext)


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERROR_RESPONSES})
def token_revoke(request: HttpRequest, token_id: int) -> object:
    user = _user(request)
    token = access_api_token_by_id(user, token_id)
    return services.api_token_revoke(actor=user, token=token)


@router.get("/departments", response={200: list[DepartmentOut], **ERROR_RESPONSES})
def department_index(request: HttpRequest) -> object:
    if not is_internal(_user(request)):
        raise Forbidden
    return list(department_list())


@router.post("/departments", response={201: DepartmentOut, **ERROR_RESPONSES})
def department_create(request: HttpRequest, payload: DepartmentInput) -> tuple[int, object]:
    return 201, services.department_create(actor=_user(request), data=payload)


@router.put("/departments/{department_id}", response={200: DepartmentOut, **ERROR_RESPONSES})
def department_update(request: HttpRequest, department_id: int, payload: DepartmentInput) -> object:
    """Replaces every field (PUT): the body is the same as for creating."""
    user = _user(request)
    department = access_department_by_id(user, department_id)
    patch = DepartmentPatch.model_validate(payload.model_dump())
    return services.department_update(actor=user, department=department, patch=patch)


# --- notifications: each user his own ---------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    text: str = Field(description="in the language of the request (the user's)")
    url: str = Field(description="a path of this site, relative")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationsReadIn(Schema):
    ids: list[int] | None = Field(
        None, description="the notifications to mark read; all unread ones when null"
    )


class NotificationsReadOut(Schema):
    marked: int


class NotificationSettingsIO(Schema):
    notification_email: NotificationEmail
    weekly_digest: bool | None = Field(
        None, description="the weekly summary e-mail of your home page (Monday mornings); unchanged when null"
    )


@router.get("/notifications", response={200: list[NotificationOut], **ERROR_RESPONSES})
@paginate(Page)
def notification_index(request: HttpRequest, unread: bool = False) -> Any:
    """Your own notifications, newest first; `?unread=true` only the unread ones."""
    return notification_list_for_user(user=_user(request), unread_only=unread)


@router.post("/notifications/read", response={200: NotificationsReadOut, **ERROR_RESPONSES})
def notifications_read(request: HttpRequest, payload: NotificationsReadIn) -> NotificationsReadOut:
    """Mark your notifications read: the given ones, or all. Ids of others' notifications change nothing."""
    return NotificationsReadOut(
        marked=notifications_mark_read(user=_user(request), notification_ids=payload.ids)
    )


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERROR_RESPONSES})
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    user = _user(request)
    notification = access_notification_by_id(user, notification_id)
    notifications_mark_read(user=user, notification_ids=[notification.pk])
    notification.refresh_from_db(fields=["read_at"])
    return notification


@router.get("/notifications/settings", response={200: NotificationSettingsIO, **ERROR_RESPONSES})
def notification_settings(request: HttpRequest) -> NotificationSettingsIO:
    """How notifications reach you by e-mail: `immediate`, `daily` (one digest a day) or `none`."""
    user = _user(request)
    return NotificationSettingsIO(
        notification_email=NotificationEmail(user.notification_email), weekly_digest=user.weekly_digest
    )


@router.put("/notifications/settings", response={200: NotificationSettingsIO, **ERROR_RESPONSES})
def notification_settings_update(
    request: HttpRequest, payload: NotificationSettingsIO
) -> NotificationSettingsIO:
    user = _user(request)
    user_notification_email_set(actor=user, user=user, notification_email=payload.notification_email)
    if payload.weekly_digest is not None:
        user_weekly_digest_set(actor=user, user=user, enabled=payload.weekly_digest)
    return NotificationSettingsIO(
        notification_email=NotificationEmail(user.notification_email), weekly_digest=user.weekly_digest
    )


# the administrators' endpoints: /audit and /users
router.add_router("", admin_router)
# data protection: /privacy/subjects, /privacy/retention, /privacy/records
router.add_router("/privacy", privacy_router)
