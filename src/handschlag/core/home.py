"""What modules put on a user's home page: what that person must do today. Core imports no module above it, so
each module registers here (in its AppConfig.ready()).

- A `HomeSection` has a template and a context function of the user; the function returns None when the section
  has nothing for this user (his role does not do that work, or there is nothing to do), so every role sees its
  own work: the process owner his open and overdue cases, the seller his watched cases and what he still has to
  read, management cancellation threats and escalations, the partner manager leads and registrations waiting.
  `digest_lines` turns the same context into the lines of the weekly e-mail (core/weekly_digest.py).
- A contribution (`home_contribution_register`) adds plain context (the account tiles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handschlag.core.models import User

HomeContribution = Callable[["User"], dict[str, Any]]

_CONTRIBUTIONS: dict[str, HomeContribution] = {}


@dataclass(frozen=True)
class HomeSection:
    name: str
    order: int
    template: str
    context: Callable[[User], dict[str, Any] | None]
    digest_lines: Callable[[dict[str, Any]], list[str]] | None = None


_SECTIONS: dict[str, HomeSection] = {}


def home_contribution_register(name: str, contribution: HomeContribution) -> None:
    _CONTRIBUTIONS[name] = contribution


def home_section_register(section: HomeSection) -> None:
    _SECTIONS[section.name] = section


def home_context_for(user: User) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for contribution in _CONTRIBUTIONS.values():
        context.update(contribution(user))
    return context


@dataclass(frozen=True)
class VisibleSection:
    section: HomeSection
    context: dict[str, Any]


def home_sections_for(user: User) -> list[VisibleSection]:
    """The sections with something for this user, in order."""
    visible = []
    for section in sorted(_SECTIONS.values(), key=lambda item: (item.order, item.name)):
        context = section.context(user)
        if context is not None:
            visible.append(VisibleSection(section, context))
    return visible
