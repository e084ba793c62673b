from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


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


API_PREFIX = "/api/"
_STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "bad_request"}


def _carries_nul(request: HttpRequest) -> bool:
    """NUL characters in JSON or the query string: PostgreSQL cannot store them, and no real input has them."""
    if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.content_type == "application/json":
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    return False


class ApiErrorShapeMiddleware:
    """Answers the API's plain Django errors (unknown path, wrong method, body too large) in the API's error shape,
    and refuses NUL characters before they reach a service (the same answer on SQLite and PostgreSQL)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and _carries_nul(request):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            return JsonResponse(
                {
                    "error": {
                        "code": "invalid",
                        "message": _("The request contains a NUL character."),
                        "fields": {},
                    }
                },
                status=400,
            )
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            code = _STATUS_CODES.get(response.status_code, "error")
            messages = {
                "not_found": _("Not found."),
                "method_not_allowed": _("This method is not allowed here."),
                "too_large": _("The request is too large."),
            }
            shaped = JsonResponse(
                {
                    "error": {
                        "code": code,
                        "message": messages.get(code, _("The request failed.")),
                        "fields": {},
                    }
                },
                status=response.status_code,
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
