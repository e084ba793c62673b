from functools import partial
from typing import Any

from django.http import HttpRequest

from handschlag.core.navigation import navigation_for
from handschlag.core.selectors import notification_unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    return {"navigation": navigation_for(user, request.path)}


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the top bar: a callable, so the template runs the one COUNT only where it shows it
    (`{% with unread=unread_notifications %}` calls it once)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": partial(notification_unread_count, user=user)}
