"""The page for a failed CSRF check (settings.CSRF_FAILURE_VIEW), inside the layout and in the user's language.

The other error pages: 400, 403 and 404 are views in core/views.py (urls.py's handlers); 500 is Django's own view with
templates/500.html, which renders without a request or a database.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form sent without a valid CSRF token (an expired page, a new login in another tab, no cookies).

    Django has logged the reason (logger django.security.csrf, one line). The API answers in its one error shape."""
    if request.path.startswith(API_PREFIX):
        message = _("The security check failed (CSRF). Send the X-CSRFToken header, or use an API token.")
        return JsonResponse({"error": {"code": "csrf_failed", "message": message, "fields": {}}}, status=403)
    return render(request, "403_csrf.html", status=403)
