"""Access to insights objects: views and API endpoints get a goal only through these functions."""

from __future__ import annotations

from handschlag.core.access import require_capability
from handschlag.core.errors import NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability
from handschlag.insights.models import Goal


def access_goal_by_id(user: User, goal_id: int) -> Goal:
    require_capability(user, Capability.GOALS_VIEW)
    goal = Goal.objects.select_related("department").filter(pk=goal_id).first()
    if goal is None:
        raise NotFound
    return goal
