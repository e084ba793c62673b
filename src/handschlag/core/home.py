"""What modules contribute to a user's home page. Core imports no module above it: each module registers here.

A contribution is a function of the user that returns template context (e.g. the accounts summary); the home
view merges the contributions of every registered module, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handschlag.core.models import User

HomeContribution = Callable[["User"], dict[str, Any]]

_CONTRIBUTIONS: dict[str, HomeContribution] = {}


def home_contribution_register(name: str, contribution: HomeContribution) -> None:
    _CONTRIBUTIONS[name] = contribution


def home_context_for(user: User) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for contribution in _CONTRIBUTIONS.values():
        context.update(contribution(user))
    return context
