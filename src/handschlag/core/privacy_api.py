"""The data protection API (administrators): `/api/v1/privacy/…` — find a person, export, erase, retention,
the record of processing activities. Partner users get 404, other roles 403 (api_support)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from handschlag.core import privacy
from handschlag.core.access import require_capability
from handschlag.core.api_support import ERROR_RESPONSES
from handschlag.core.models import User
from handschlag.core.roles import Capability

router = Router(tags=["data protection"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class SubjectQuery(Schema):
    q: str = Field(
        min_length=privacy.SEARCH_MIN_CHARS, max_length=200, description="name or e-mail, or part of it"
    )


class SubjectOut(Schema):
    kind: str = Field(description="`core.user`, `accounts.contact`, `alliances.partnercontact`, …")
    id: int
    name: str
    email: str
    context: str = Field(description="where the person belongs: account, partner, role")


class ErasureOut(Schema):
    subject: SubjectOut
    erased: int = Field(description="rows deleted")
    anonymised: int = Field(description="rows kept with the personal fields blanked")
    kept: list[str] = Field(description="what had to stay, and why")


class RetentionOut(Schema):
    kind: str
    label: str
    days: int | None = Field(description="null: kept")
    last_run_at: str | None
    last_deleted: int


class RetentionIn(Schema):
    days: int | None = Field(None, description=f"1 to {privacy.MAX_RETENTION_DAYS}; null keeps the data")


class ActivityOut(Schema):
    name: str
    purpose: str
    subjects: str
    categories: str
    recipients: str
    retention: str
    retention_days: int | None


def _subject_out(subject: privacy.DataSubject) -> dict[str, Any]:
    return {
        "kind": subject.kind,
        "id": subject.id,
        "name": subject.name,
        "email": subject.email,
        "context": subject.context,
    }


@router.get("/subjects", response={200: list[SubjectOut], **ERROR_RESPONSES})
def subject_search(request: HttpRequest, query: Query[SubjectQuery]) -> Any:
    subjects = privacy.data_subject_search(actor=_user(request), query=query.q)
    return [_subject_out(subject) for subject in subjects]


@router.post("/subjects/{kind}/{subject_id}/export", response={200: dict[str, Any], **ERROR_RESPONSES})
def subject_export(request: HttpRequest, kind: str, subject_id: int) -> Any:
    """Everything held about the person (Art. 15/20 GDPR). The audit log records that it happened."""
    user = _user(request)
    subject = privacy.data_subject_get(actor=user, kind=kind, subject_id=subject_id)
    return privacy.data_subject_export(actor=user, subject=subject)


@router.post("/subjects/{kind}/{subject_id}/erase", response={200: ErasureOut, **ERROR_RESPONSES})
def subject_erase(request: HttpRequest, kind: str, subject_id: int) -> Any:
    """Erase or anonymise the person where no retention duty applies; says what stayed and why."""
    user = _user(request)
    subject = privacy.data_subject_get(actor=user, kind=kind, subject_id=subject_id)
    report = privacy.data_subject_erase(actor=user, subject=subject)
    return {
        "subject": _subject_out(subject),
        "erased": report.erased,
        "anonymised": report.anonymised,
        "kept": [str(reason) for reason in report.kept],
    }


def _retention_out(row: privacy.RetentionRow) -> dict[str, Any]:
    return {
        "kind": row.kind.name,
        "label": str(row.kind.label),
        "days": row.days,
        "last_run_at": row.last_run_at.isoformat() if row.last_run_at else None,
        "last_deleted": row.last_deleted,
    }


@router.get("/retention", response={200: list[RetentionOut], **ERROR_RESPONSES})
def retention_index(request: HttpRequest) -> Any:
    return [_retention_out(row) for row in privacy.retention_rows(actor=_user(request))]


@router.put("/retention/{kind}", response={200: RetentionOut, **ERROR_RESPONSES})
def retention_update(request: HttpRequest, kind: str, data: RetentionIn) -> Any:
    user = _user(request)
    privacy.retention_set(actor=user, kind=kind, days=data.days)
    row = next(row for row in privacy.retention_rows(actor=user) if row.kind.name == kind)
    return _retention_out(row)


@router.get("/records", response={200: list[ActivityOut], **ERROR_RESPONSES})
def records_index(request: HttpRequest) -> Any:
    user = _user(request)
    require_capability(user, Capability.PRIVACY_MANAGE)
    days = {row.kind.name: row.days for row in privacy.retention_rows(actor=user)}
    return [
        {
            "name": str(activity.name),
            "purpose": str(activity.purpose),
            "subjects": str(activity.subjects),
            "categories": str(activity.categories),
            "recipients": str(activity.recipients),
            "retention": str(activity.retention),
            "retention_days": days.get(activity.retention_kind),
        }
        for activity in privacy.processing_activities()
    ]
