"""The administrators' API: `/api/v1/audit` (the audit log as sentences) and `/api/v1/users` (our users).

Mounted on core's router (core/api.py). Partner users get 404 for every endpoint (api_support), other roles
without the capability 403.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from handschlag.core import services
from handschlag.core.access import access_user_by_id, require_capability
from handschlag.core.api_support import ERROR_RESPONSES, Page
from handschlag.core.audit_filters import AuditPeriod, audit_period_range
from handschlag.core.audit_sentences import audit_rows
from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import EmailOrEmpty, PersonName, UserPatch
from handschlag.core.models import AuditEvent, Department, User
from handschlag.core.roles import Capability
from handschlag.core.selectors import audit_event_list, user_list_internal

router = Router(tags=["administration"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the audit log ------------------------------------------------------------------------------------------------


class AuditFilterIn(Schema):
    object_type: str | None = Field(None, description="e.g. `complaints.complaint`, `accounts.account`")
    object_id: str | None = Field(None, max_length=64)
    user_id: int | None = Field(None, description="the acting user")
    period: AuditPeriod | None = Field(None, description="a preset period; overrides `date_from`/`date_to`")
    date_from: dt.date | None = Field(None, description="first day, inclusive")
    date_to: dt.date | None = Field(None, description="last day, inclusive")


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    sentence: str = Field(description="what happened, in the requester's language")
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: str
    target_name: str | None = Field(description="the object's name now; null when it no longer exists")
    object_type: str
    changes: dict[str, Any]


class AuditPage(Page):
    """Renders the page's sentences in one pass (names loaded in bulk, not per event)."""

    def paginate_queryset(
        self, queryset: QuerySet[AuditEvent], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        answer = super().paginate_queryset(queryset, pagination, request, **params)
        answer["items"] = [
            AuditEventOut(
                id=row.event.pk,
                created_at=row.event.created_at,
                sentence=row.sentence,
                actor_id=row.event.actor_id,
                actor_name=row.actor_name,
                action=row.event.action,
                target_type=row.event.target_type,
                target_id=row.event.target_id,
                target_name=row.target_name,
                object_type=row.object_type,
                changes=row.event.changes if isinstance(row.event.changes, dict) else {},
            )
            for row in audit_rows(answer["items"])
        ]
        return answer


@router.get("/audit", response={200: list[AuditEventOut], **ERROR_RESPONSES})
@paginate(AuditPage)
def audit_index(request: HttpRequest, filters: Query[AuditFilterIn]) -> Any:
    """The audit log, newest first, each event as a sentence in your language plus its raw action, target and
    changes. Filters as query parameters; `?limit=&offset=`."""
    require_capability(_user(request), Capability.AUDIT_VIEW)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput.for_field("date_to", _("The end lies before the start."))
    since, until = audit_period_range(
        period=filters.period, date_from=filters.date_from, date_to=filters.date_to
    )
    return audit_event_list(
        target_type=filters.object_type,
        target_id=filters.object_id,
        actor_id=filters.user_id,
        since=since,
        until=until,
    )


# --- users --------------------------------------------------------------------------------------------------------


class UserOut(Schema):
    """A user as administrators see him; never his password (hash)."""

    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    department_id: int | None
    manager_id: int | None
    organisation_id: int
    is_active: bool
    language: str
    last_login: dt.datetime | None
    date_joined: dt.datetime


class UserCreateIn(Schema):
    """A login of our company (partner users are created on the partner's page)."""

    username: str = Field(min_length=1, max_length=150)
    password: str | None = Field(
        None, max_length=128, description="omitted: the user cannot log in until a password is set"
    )
    role: Literal["seller", "partner_manager", "process_owner", "marketing", "management", "admin"]
    email: EmailOrEmpty = ""
    first_name: PersonName = ""
    last_name: PersonName = ""
    department_id: int | None = None
    manager_id: int | None = None
    language: Literal["de", "en"] = "de"


def _department(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise InvalidInput.for_field("department_id", _("No such department."))
    return department


def _manager(manager_id: int | None) -> User | None:
    if manager_id is None:
        return None
    manager = User.objects.filter(pk=manager_id).first()
    if manager is None:
        raise InvalidInput.for_field("manager_id", _("No such user."))
    return manager  # the service checks that he may manage (active, ours)


@router.get("/users", response={200: list[UserOut], **ERROR_RESPONSES})
@paginate(Page)
def user_index(request: HttpRequest) -> Any:
    """Our users (not the partners' portal logins), by name."""
    require_capability(_user(request), Capability.USERS_MANAGE)
    return user_list_internal()


@router.get("/users/{user_id}", response={200: UserOut, **ERROR_RESPONSES})
def user_read(request: HttpRequest, user_id: int) -> Any:
    return access_user_by_id(_user(request), user_id)


@router.post("/users", response={201: UserOut, **ERROR_RESPONSES})
def user_create(request: HttpRequest, payload: UserCreateIn) -> tuple[int, Any]:
    actor = _user(request)
    require_capability(actor, Capability.USERS_MANAGE)
    user = services.user_create(
        actor=actor,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        department=_department(payload.department_id),
        manager=_manager(payload.manager_id),
        language=payload.language,
    )
    return 201, user


@router.patch("/users/{user_id}", response={200: UserOut, **ERROR_RESPONSES})
def user_update(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    """Change the fields you send; the user name and the password stay the user's own."""
    actor = _user(request)
    return services.user_update(actor=actor, user=access_user_by_id(actor, user_id), patch=payload)
