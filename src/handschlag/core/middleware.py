"""Request and response rules every page and endpoint shares: language, NUL refusal, error shapes, security headers.

Order in settings.MIDDLEWARE: `RefuseNulMiddleware` after authentication (its 400 page speaks the user's language),
`ErrorPageMiddleware` and `ApiErrorShapeMiddleware` last, `SecurityHeadersMiddleware` early (it sees every response).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, ValidationError
from django.db import DataError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

SUPPORTED = {code for code, _ in settings.LANGUAGES}
API_PREFIX = "/api/"
_STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "bad_request"}

# Self only: inline <script> and <style> elements and style="…" attributes are refused (the templates use none;
# tests/core/test_security.py keeps it so). Complaint attachments set their own, stricter policy (sandboxed).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Downloads of personal data that must not stay in a browser's or proxy's cache.
_EXPORT_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class UserLanguageMiddleware:
    """German unless the user chose otherwise: his profile, else the language cookie. The browser's
    Accept-Language is ignored on purpose: a German company's tool speaks German on an English laptop."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in SUPPORTED:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in SUPPORTED:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def api_error(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    """The API's one error shape (see core/api_support.py), for answers given before the API is reached."""
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _has_nul(values: Any) -> bool:
    """True when a key or value of a QueryDict (GET, POST) contains a NUL character."""
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def carries_nul(request: HttpRequest) -> bool:
    """NUL characters anywhere a client can put text: path, query string, form fields (url-encoded or multipart),
    file names, JSON and every other body. PostgreSQL cannot store them, and no real input has them. Only the
    contents of uploaded files may hold NUL bytes (photos, spreadsheets); their checks are the importers' job."""
    if "\x00" in request.path_info or _has_nul(request.GET):
        return True
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return False
    if request.content_type == "multipart/form-data":
        if _has_nul(request.POST):
            return True
        return any(
            "\x00" in (upload.name or "") for _field, uploads in request.FILES.lists() for upload in uploads
        )
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view answers 413 when it reads the body
    if b"\x00" in body:
        return True
    if request.content_type == "application/json":
        return b"\\u0000" in body
    if request.content_type == "application/x-www-form-urlencoded":
        return _has_nul(request.POST)
    return False


class RefuseNulMiddleware:
    """Refuses a request that carries a NUL character before it reaches a view: 400 in the API's error shape, or
    the 400 page. Same answer on SQLite and PostgreSQL, whatever the content type."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = carries_nul(request)
        except MultiPartParserError:
            message = _("The request body cannot be read.")
            if request.path.startswith(API_PREFIX):
                return api_error(400, "bad_request", message)
            raise BadRequest(message) from None
        if refused:
            message = _("The request contains a NUL character.")
            if request.path.startswith(API_PREFIX):
                return api_error(400, "invalid", message)
            raise BadRequest(message)  # Django's handler400 renders the 400 page
        return self.get_response(request)


def protected_message(error: ProtectedError | RestrictedError) -> str:
    """'… still referred to by: complaints (2), mapping runs (1)': what keeps the object from being deleted."""
    counts: dict[str, int] = {}
    objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    for obj in objects:
        label = str(obj._meta.verbose_name_plural)
        counts[label] = counts.get(label, 0) + 1
    listing = ", ".join(f"{label} ({count})" for label, count in sorted(counts.items()))
    return _("This cannot be deleted while other records still refer to it: %(listing)s.") % {
        "listing": listing
    }


def validation_messages(error: ValidationError) -> dict[str, list[str]]:
    """A model's `ValidationError` as field → messages ("" for errors of the whole record)."""
    if hasattr(error, "error_dict"):
        return {
            ("" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"": [str(message) for message in error.messages]}


class ErrorPageMiddleware:
    """Pages (not the API, which has its own handlers) answer what a service could not foresee clearly:
    a delete that other records block (409, naming them), a model's validation error (400, with its messages),
    a number too large for the database (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, ProtectedError | RestrictedError):
            return render(request, "409.html", {"message": protected_message(exception)}, status=409)
        if isinstance(exception, ValidationError):
            messages = [message for group in validation_messages(exception).values() for message in group]
            return render(request, "400.html", {"messages_list": messages}, status=400)
        if isinstance(exception, OverflowError | DataError):
            return render(
                request,
                "400.html",
                {"messages_list": [_("A number in the request is out of range.")]},
                status=400,
            )
        return None


def _serves_personal_data(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return response.get("Content-Type", "").startswith(_EXPORT_TYPES)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response that has none, and `Cache-Control: no-store` on everything a
    logged-in user receives (pages, fragments, API answers, CSV and XLSX exports, attachments)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if _serves_personal_data(request, response):
            response["Cache-Control"] = "no-store"
        return response


class ApiErrorShapeMiddleware:
    """Answers the API's plain Django errors (unknown path, wrong method, body too large) in the API's error
    shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code = _STATUS_CODES.get(response.status_code, "error")
            messages = {
                "not_found": _("Not found."),
                "method_not_allowed": _("This method is not allowed here."),
                "too_large": _("The request is too large."),
            }
            shaped = api_error(response.status_code, code, messages.get(code, _("The request failed.")))
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
