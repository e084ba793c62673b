from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.core import jobs, services
from handschlag.core.access import (
    access_api_token_by_id,
    access_department_by_id,
    access_job_by_id,
    access_notification_by_id,
    access_user_by_id,
    require_capability,
)
from handschlag.core.audit_filters import AuditFilter, AuditFilterForm
from handschlag.core.audit_sentences import audit_rows
from handschlag.core.csv_export import csv_response
from handschlag.core.enums import JobStatus
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import (
    ApiTokenForm,
    DepartmentForm,
    NotificationSettingsForm,
    UserForm,
    form_add_service_errors,
)
from handschlag.core.home import home_context_for, home_sections_for
from handschlag.core.inputs import DepartmentInput, DepartmentPatch, UserPatch, input_from_form
from handschlag.core.models import AuditEvent, User
from handschlag.core.notifications import (
    notifications_mark_read,
    user_notification_email_set,
    user_weekly_digest_set,
)
from handschlag.core.pagination import BoundedPaginator
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.selectors import (
    api_token_list_for_user,
    audit_event_list,
    department_list,
    notification_list_for_user,
    notification_unread_count,
    user_list_internal,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# the services' field names (shared with the API) → the form's
DEPARTMENT_FIELD_ALIASES = {"head_id": "head"}
USER_FIELD_ALIASES = {"department_id": "department", "manager_id": "manager"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if has_capability(user, Capability.PORTAL_USE):
        return redirect("portal:home")  # partner users live in their portal
    context: dict[str, object] = {"is_internal": is_internal(user)}
    if is_internal(user):
        context.update(home_context_for(user))
        context["sections"] = home_sections_for(user)
    return render(request, "core/home.html", context)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            services.user_set_language(user=_user(request), language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.API_TOKENS_OWN)
    created_plaintext = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, created_plaintext = services.api_token_create(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            form = ApiTokenForm()
    tokens = api_token_list_for_user(user=user)
    return render(
        request,
        "core/token_list.html",
        {"tokens": tokens, "form": form, "created_plaintext": created_plaintext},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = access_api_token_by_id(user, token_id)
    services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("core:token_list")


@login_required
@require_http_methods(["GET", "POST"])
def department_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.DEPARTMENTS_MANAGE)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        head = form.cleaned_data["head"]
        data = input_from_form(form, DepartmentInput, head_id=head.pk if head else None)
        try:
            if data is not None:
                services.department_create(actor=user, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error, aliases=DEPARTMENT_FIELD_ALIASES)
        else:
            if data is not None:
                messages.success(request, _("Department created."))
                return redirect("core:department_list")
    return render(request, "core/department_list.html", {"departments": department_list(), "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    user = _user(request)
    department = access_department_by_id(user, department_id)
    initial = {"name": department.name, "head": department.head, "is_active": department.is_active}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        head = form.cleaned_data["head"]
        patch = input_from_form(form, DepartmentPatch, head_id=head.pk if head else None)
        try:
            if patch is not None:
                services.department_update(actor=user, department=department, patch=patch)
        except InvalidInput as error:
            form_add_service_errors(form, error, aliases=DEPARTMENT_FIELD_ALIASES)
        else:
            if patch is not None:
                messages.success(request, _("Department saved."))
                return redirect("core:department_list")
    return render(request, "core/department_form.html", {"form": form, "department": department})


@login_required
@require_http_methods(["GET", "POST"])
def user_list_view(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    require_capability(actor, Capability.USERS_MANAGE)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                actor=actor,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                department=data["department"],
                manager=data["manager"],
            )
        except InvalidInput as error:
            form_add_service_errors(form, error, aliases=USER_FIELD_ALIASES)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": data["username"]})
            return redirect("core:user_list")
    return render(request, "core/user_list.html", {"users": user_list_internal(), "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _user(request)
    target = access_user_by_id(actor, user_id)
    initial = {
        field: getattr(target, field)
        for field in [
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "department",
            "manager",
            "is_active",
        ]
    }
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if target.is_partner_user:
        form.fields["role"].choices = [("partner_user", _("Partner user"))]  # type: ignore[attr-defined]
        form.fields["department"].disabled = True
        form.fields["manager"].disabled = True
    if request.method == "POST" and form.is_valid():
        department, manager = form.cleaned_data["department"], form.cleaned_data["manager"]
        patch = input_from_form(
            form,
            UserPatch,
            department_id=department.pk if department else None,
            manager_id=manager.pk if manager else None,
        )
        try:
            if patch is not None:
                services.user_update(actor=actor, user=target, patch=patch)
        except InvalidInput as error:
            form_add_service_errors(form, error, aliases=USER_FIELD_ALIASES)
        else:
            if patch is not None:
                messages.success(request, _("User saved."))
                return redirect("core:user_list")
    return render(request, "core/user_form.html", {"form": form, "target": target})


AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_CHUNK = 500


def _audit_events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    require_capability(_user(request), Capability.AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    audit_filter = form.audit_filter() if form.is_bound else AuditFilter()
    return form, audit_event_list(**asdict(audit_filter))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log as sentences in the reader's language, filtered by object type, person and period."""
    form, events = _audit_events(request)
    page = BoundedPaginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(page.object_list),
        "query_without_page": f"{query.urlencode()}&" if query else "",
        "query": query.urlencode(),
    }
    return render(request, "core/audit_list.html", context)


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit log as CSV: dates and numbers in the reader's format, people by name."""
    _form, events = _audit_events(request)

    def rows() -> Iterator[list[object]]:
        chunk: list[AuditEvent] = []
        for event in events.iterator(chunk_size=AUDIT_EXPORT_CHUNK):
            chunk.append(event)
            if len(chunk) == AUDIT_EXPORT_CHUNK:
                yield from _audit_csv_rows(chunk)
                chunk = []
        yield from _audit_csv_rows(chunk)

    response = csv_response(
        filename="audit-log.csv",
        header=[_("When"), _("Who"), _("What happened"), _("Object type"), _("Object"), _("Action")],
        rows=rows(),
    )
    response["Cache-Control"] = "no-store"
    return response


def _audit_csv_rows(events: list[AuditEvent]) -> Iterator[list[object]]:
    for row in audit_rows(events):
        event = row.event
        yield [
            timezone.localtime(event.created_at),
            row.actor_name,
            row.sentence,
            row.object_type,
            row.target_name or f"#{event.target_id}",
            event.action,
        ]


JOB_PAGE_SIZE = 50


@login_required
def job_list_view(request: HttpRequest) -> HttpResponse:
    """Jobs of the queue for administrators: the failed ones by default, with what failed and a retry."""
    require_capability(_user(request), Capability.JOBS_MANAGE)
    status = request.GET.get("status", "")
    if status not in JobStatus.values:
        status = JobStatus.FAILED
    page = Paginator(jobs.job_list(status=status), JOB_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": JobStatus.choices,
        "query_without_page": f"status={status}&",
        "active_section": "jobs",
    }
    return render(request, "core/job_list.html", context)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = access_job_by_id(user, job_id)
    try:
        jobs.job_retry(actor=user, job=job)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The job %(task)s is queued again.") % {"task": job.task})
    return redirect(f"{reverse('core:job_list')}?status={JobStatus.FAILED}")


NOTIFICATIONS_PAGE_SIZE = 50


def _safe_next(request: HttpRequest, url: str) -> str:
    """Only a path on this site; anything else (another host, a scheme) falls back to the inbox."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("core:notifications")


@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    """The inbox: newest first, unread ones marked; `?unread=1` shows only the unread."""
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(
        notification_list_for_user(user=user, unread_only=unread_only), NOTIFICATIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread_total": notification_unread_count(user=user),
        "query_without_page": "unread=1&" if unread_only else "",
        "active_section": "notifications",
    }
    template = "core/notification_list.html#results" if request.htmx else "core/notification_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read. With `open=1` go on to what it links to (its own page on this site)."""
    user = _user(request)
    notification = access_notification_by_id(user, notification_id)
    notifications_mark_read(user=user, notification_ids=[notification.pk])
    if request.POST.get("open") == "1" and notification.url:
        return redirect(_safe_next(request, notification.url))
    if request.htmx:  # type: ignore[attr-defined]
        notification.refresh_from_db()
        context = {"notification": notification, "unread_total": notification_unread_count(user=user)}
        return render(request, "core/notification_list.html#marked_read", context)
    return redirect(_safe_next(request, request.POST.get("next", "")))


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings_view(request: HttpRequest) -> HttpResponse:
    """The user's own choice: an e-mail per notification, a daily digest, or none."""
    user = _user(request)
    form = NotificationSettingsForm(
        request.POST or None,
        initial={"notification_email": user.notification_email, "weekly_digest": user.weekly_digest},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_notification_email_set(
                actor=user, user=user, notification_email=form.cleaned_data["notification_email"]
            )
            user_weekly_digest_set(actor=user, user=user, enabled=form.cleaned_data["weekly_digest"])
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Your e-mail settings are saved."))
            return redirect("core:notification_settings")
    return render(request, "core/notification_settings.html", {"form": form})


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_read(user=_user(request))
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.", "%(count)s notifications marked as read.", count
            )
            % {"count": count},
        )
    return redirect(_safe_next(request, request.POST.get("next", "")))


# --- error pages: rendered with the request, so the layout shows the user's navigation and language ----------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400. A `BadRequest` of ours carries a message for the user; Django's other 400s (SuspiciousOperation) do not."""
    messages_list = [str(exception)] if type(exception) is BadRequest and str(exception) else []
    return render(request, "400.html", {"messages_list": messages_list}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # a partner user may not learn that one of our pages exists: he gets the 404 (docs/partner-portal.md)
    if getattr(request.user, "is_partner_user", False):
        return page_not_found(request, exception)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


# --- passwords: Django's views in our layout; the reset link starts with HANDSCHLAG_BASE_URL -------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed_record(user=form.user, how="change")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        # read at request time (settings are never read at import time); the request's own host is not trusted
        self.extra_email_context = {"base_url": settings.HANDSCHLAG_BASE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed_record(user=form.user, how="reset")
        return response
