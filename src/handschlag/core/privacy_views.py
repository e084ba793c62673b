"""The data protection pages (administrators): find a person, export, erase; retention; processing record."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.core import privacy
from handschlag.core.access import require_capability
from handschlag.core.errors import InvalidInput
from handschlag.core.models import User
from handschlag.core.roles import Capability


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def privacy_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.PRIVACY_MANAGE)
    query = request.GET.get("q", "").strip()[:200]
    subjects: list[privacy.DataSubject] = []
    error = ""
    if query:
        try:
            subjects = privacy.data_subject_search(actor=user, query=query)
        except InvalidInput as problem:
            error = problem.message
    return render(
        request,
        "core/privacy.html",
        {"query": query, "subjects": subjects, "error": error, "limit": privacy.SEARCH_MAX_RESULTS},
    )


@login_required
def subject_view(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    user = _user(request)
    subject = privacy.data_subject_get(actor=user, kind=kind, subject_id=subject_id)
    return render(
        request,
        "core/privacy_subject.html",
        {"subject": subject, "is_self": kind == "core.user" and subject_id == user.pk},
    )


@login_required
@require_POST
def subject_export_view(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    user = _user(request)
    subject = privacy.data_subject_get(actor=user, kind=kind, subject_id=subject_id)
    document = privacy.data_subject_export(actor=user, subject=subject)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    filename = f"personal-data-{kind.replace('.', '-')}-{subject_id}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["POST"])
def subject_erase_view(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    user = _user(request)
    subject = privacy.data_subject_get(actor=user, kind=kind, subject_id=subject_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Please confirm that the person's data is to be erased."))
        return redirect("core:privacy_subject", kind=kind, subject_id=subject_id)
    try:
        report = privacy.data_subject_erase(actor=user, subject=subject)
    except InvalidInput as problem:
        messages.error(request, problem.message)
        return redirect("core:privacy_subject", kind=kind, subject_id=subject_id)
    return render(request, "core/privacy_erased.html", {"report": report})


@login_required
@require_http_methods(["GET", "POST"])
def retention_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.PRIVACY_MANAGE)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        raw = request.POST.get("days", "").strip()
        days: int | None = None
        if raw:
            try:
                days = int(raw)
            except ValueError:
                days = -1
        try:
            privacy.retention_set(actor=user, kind=kind, days=days)
        except InvalidInput:
            messages.error(
                request,
                _(
                    "Please enter a number of days between 1 and %(max)d, or leave the field empty to keep the data."
                )
                % {"max": privacy.MAX_RETENTION_DAYS},
            )
        else:
            messages.success(request, _("Retention period saved."))
            return redirect("core:privacy_retention")
    return render(request, "core/privacy_retention.html", {"rows": privacy.retention_rows(actor=user)})


@login_required
def records_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.PRIVACY_MANAGE)
    days = {row.kind.name: row.days for row in privacy.retention_rows(actor=user)}
    activities = [
        (activity, days.get(activity.retention_kind) if activity.retention_kind else None)
        for activity in privacy.processing_activities()
    ]
    return render(request, "core/privacy_records.html", {"activities": activities})
