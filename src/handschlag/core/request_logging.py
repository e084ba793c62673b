"""How refused requests are logged: a 403 is one line with the path and the user, not a traceback.

Django logs a `PermissionDenied` raised in a view to `django.request` as a warning with the exception attached, so a
user who follows an old link fills the log with a traceback. `OneLineForbidden` (installed on that logger in
settings.LOGGING) keeps the warning and drops the traceback; every other record passes unchanged.
"""

from __future__ import annotations

import logging


class OneLineForbidden(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        record.msg = "Forbidden: %s %s (user %s)"
        record.args = (
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            user.pk if user is not None and user.is_authenticated else "anonymous",
        )
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
