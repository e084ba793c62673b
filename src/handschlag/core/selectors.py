"""Reads of the core app."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from handschlag.core.calendar import BusinessCalendar
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.models import ApiToken, AuditEvent, Department, Notification, Organisation, User


def organisation_home_get() -> Organisation:
    """Our own company. It exists from the first migration on (see core/migrations/0002)."""
    return Organisation.objects.get(kind=OrganisationKind.HOME)


def business_calendar_get() -> BusinessCalendar:
    return BusinessCalendar(state=organisation_home_get().state)


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("head").order_by("name")


def user_list_internal() -> QuerySet[User]:
    return (
        User.objects.exclude(role=Role.PARTNER_USER)
        .select_related("department", "manager")
        .order_by("last_name", "first_name", "username")
    )


def seller_list() -> QuerySet[User]:
    return User.objects.filter(role=Role.SELLER, is_active=True).order_by("last_name", "first_name")


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def audit_event_list(
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    actor_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, with their actors; `since` inclusive, `until` exclusive."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events


def notification_list_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """One COUNT on the (user, read_at, created_at) index; the top bar shows it on every page."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
