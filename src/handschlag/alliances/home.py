"""The partnerships' part of the home page (core/home.py): value propositions the user still has to read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from handschlag.alliances.selectors import enablement_todo_for_user
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


def enablement_home(user: User) -> dict[str, Any] | None:
    if not has_capability(user, Capability.ENABLEMENT_REQUIRED):
        return None
    todo = enablement_todo_for_user(user=user)
    return {"to_read": todo} if todo else None


def enablement_digest_lines(context: dict[str, Any]) -> list[str]:
    count = len(context["to_read"])
    return [
        ngettext(
            "%(count)d partnership's value proposition is still to read.",
            "%(count)d partnerships' value propositions are still to read.",
            count,
        )
        % {"count": count}
    ]
