"""The shared goals on the home page (core/home.py): the goals a user owns; management sees every current goal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.insights.selectors import goal_list, goal_progress, goals_of


def goals_home(user: User) -> dict[str, Any] | None:
    if has_capability(user, Capability.GOALS_MANAGE):
        goals = goal_list(user=user, current_only=True)
    elif has_capability(user, Capability.GOALS_VIEW):
        goals = goals_of(user=user).filter(pk__in=goal_list(user=user, current_only=True).values("pk"))
    else:
        return None
    progress = [goal_progress(goal) for goal in goals[:10]]
    return {"goals": progress} if progress else None


def goals_digest_lines(context: dict[str, Any]) -> list[str]:
    lines = []
    for progress in context["goals"]:
        state = (
            _("on track")
            if progress.on_track
            else _("off track")
            if progress.on_track is False
            else _("no data")
        )
        lines.append(
            _("Shared goal “%(title)s”: %(state)s.") % {"title": progress.goal.title, "state": state}
        )
    return lines
