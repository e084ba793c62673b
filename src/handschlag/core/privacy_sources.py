"""What core holds about people: user accounts, their API tokens and notifications, the audit log of their writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.core.models import ApiToken, AuditEvent, Notification, User
from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    RetentionKind,
    personal_data_source_register,
    retention_kind_register,
)

USER = "core.user"
AUDIT_EXPORT_LIMIT = 10_000


def _subject(user: User) -> DataSubject:
    return DataSubject(
        kind=USER,
        id=user.pk,
        name=user.get_full_name() or user.username,
        email=user.email,
        context=str(user.get_role_display()),
    )


def users_find(text: str) -> list[DataSubject]:
    query = (
        Q(username__icontains=text)
        | Q(email__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
    )
    return [_subject(user) for user in User.objects.filter(query).order_by("pk")[:50]]


def user_get(kind: str, subject_id: int) -> DataSubject | None:
    user = User.objects.filter(pk=subject_id).first()
    return _subject(user) if user is not None else None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def user_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    user = User.objects.filter(pk=subject.id).select_related("department").first()
    if user is None:
        return []
    return [
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "department": user.department.name if user.department else None,
            "language": user.language,
            "notification_email": user.notification_email,
            "is_active": user.is_active,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }
    ]


def tokens_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    tokens = ApiToken.objects.filter(user_id=subject.id).order_by("pk")
    # the token's name and dates, never its secret (only its hash is stored anyway)
    return [{"name": token.name, "created_at": _iso(token.created_at)} for token in tokens]


def notifications_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    rows = Notification.objects.filter(user_id=subject.id).order_by("created_at", "pk")
    return [
        {"text": row.text, "link": row.url, "created_at": _iso(row.created_at), "read_at": _iso(row.read_at)}
        for row in rows
    ]


def audit_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    events = AuditEvent.objects.filter(actor_id=subject.id).order_by("created_at", "pk")[:AUDIT_EXPORT_LIMIT]
    return [
        {
            "at": _iso(event.created_at),
            "action": event.action,
            "object": f"{event.target_type}:{event.target_id}",
        }
        for event in events
    ]


def user_erase(subject: DataSubject) -> ErasureResult:
    """A user row stays (cases, comments and the audit log point at it) but carries no personal data any more."""
    if subject.kind != USER:
        return ErasureResult()
    user = User.objects.filter(pk=subject.id).first()
    if user is None:
        return ErasureResult()
    tokens, _detail = ApiToken.objects.filter(user=user).delete()
    notifications, _detail = Notification.objects.filter(user=user).delete()
    user.username = f"geloescht-{user.pk}"
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return ErasureResult(
        erased=tokens + notifications,
        anonymised=1,
        kept=(
            _(
                "The user account stays as an anonymous, deactivated entry: cases, comments and the audit log "
                "refer to it."
            ),
        ),
    )


def notifications_older_than(cutoff: dt.datetime) -> int:
    deleted, _detail = Notification.objects.filter(created_at__lt=cutoff, read_at__isnull=False).delete()
    return deleted


def privacy_sources_core_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="core.users",
            activity=ProcessingActivity(
                name=_("User accounts"),
                purpose=_("Sign-in, roles and permissions, notifications, the audit trail of changes"),
                subjects=_("Employees; users of partner companies (partner portal)"),
                categories=_(
                    "Name, e-mail, user name, role, department, language, sign-in times, API token names"
                ),
                recipients=_("Administrators of this installation"),
                retention=_("Until the user account is erased; read notifications per the retention setting"),
                retention_kind="core.notifications",
            ),
            subject_kinds=(USER,),
            find=users_find,
            get=user_get,
            export=user_export,
            erase=user_erase,
        )
    )
    personal_data_source_register(PersonalDataSource(name="core.api_tokens", export=tokens_export))
    personal_data_source_register(PersonalDataSource(name="core.notifications", export=notifications_export))
    personal_data_source_register(
        PersonalDataSource(name="core.audit_log", activity=_AUDIT, export=audit_export)
    )
    retention_kind_register(
        RetentionKind(
            name="core.notifications",
            label=_("Read notifications"),
            help=_("Notifications a user has read are deleted after this period."),
            apply=notifications_older_than,
            default_days=365,
        )
    )


# tokens and notifications belong to the "user accounts" activity (their sources register none)
_AUDIT = ProcessingActivity(
    name=_("Audit log"),
    purpose=_(
        "Proof of who changed what and when (agreements, registrations, concessions, complaints, permissions)"
    ),
    subjects=_("Users of this installation"),
    categories=_("User, time, action, changed object"),
    recipients=_("Administrators and management"),
    retention=_("Kept as documentation; an erased user appears there only as an anonymous entry"),
)
