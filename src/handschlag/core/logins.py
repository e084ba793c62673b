"""Logins in the audit log, and the client address that login throttling (django-axes) counts by.

Receivers of Django's `user_logged_in`, `user_logged_out` and `user_login_failed` signals (connected in
`CoreConfig.ready`). A failed login stores the user name tried and the address, never the password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from handschlag.core.models import AuditEvent, User

USERNAME_MAX = 150


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or behind the TLS proxy (HANDSCHLAG_HTTPS) the address the proxy
    appended last to X-Forwarded-For (the entries before it come from the client and can be forged)."""
    if getattr(settings, "HTTPS", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    AuditEvent.objects.create(
        actor=user,
        action="auth.login",
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
        summary=f"{user.username} logged in",
        changes={"address": _address(request)},
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None or not user.pk:
        return
    AuditEvent.objects.create(
        actor=user,
        action="auth.logout",
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
        summary=f"{user.username} logged out",
        changes={"address": _address(request)},
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Only the user name and the address are kept; Django has already masked the password in `credentials`."""
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:USERNAME_MAX]
    known = User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    AuditEvent.objects.create(
        actor=None,
        action="auth.login_failed",
        target_type=User._meta.label_lower,
        target_id=str(known or ""),
        summary=f"failed login as {username!r}"[:300],
        changes={"username": username, "address": _address(request)},
    )


def connect_login_audit() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="handschlag.core.logins.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="handschlag.core.logins.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="handschlag.core.logins.login_failed")
