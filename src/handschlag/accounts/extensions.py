"""How the modules above accounts add sections to the account page. Accounts imports none of them.

Each module registers in its AppConfig.ready (as with `alliances.extensions`):

- `account_section_register`: a part of the account page (complaints: the account's complaints and revenue at
  risk; mapping: the partnerships whose latest mapping matched the account; opportunities and concessions next).
- `account_bulk_action_register`: an action of the account list's bulk form (mapping: never share / share again).

A section is a template rendered inside the page with the page's context plus what the section's `context`
function returns under the name `section`. `context` returns None when the user may not see the section (it is
then left out). Registered in the order of `order`; a later registration of the same name replaces the earlier one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from handschlag.accounts.models import Account
    from handschlag.core.models import User


@dataclass(frozen=True)
class AccountSection:
    """A part of the account page; `context(request, account)` gives its variables, or None to leave it out."""

    name: str
    order: int
    template: str
    context: Callable[[HttpRequest, Account], dict[str, Any] | None]


@dataclass(frozen=True)
class RenderedSection:
    name: str
    template: str
    context: dict[str, Any]


_ACCOUNT_SECTIONS: dict[str, AccountSection] = {}


def account_section_register(section: AccountSection) -> None:
    _ACCOUNT_SECTIONS[section.name] = section


def account_sections_for(request: HttpRequest, account: Account) -> list[RenderedSection]:
    """The sections the user may see, in order."""
    rendered = []
    for section in sorted(_ACCOUNT_SECTIONS.values(), key=lambda section: section.order):
        context = section.context(request, account)
        if context is not None:
            rendered.append(RenderedSection(name=section.name, template=section.template, context=context))
    return rendered


@dataclass(frozen=True)
class AccountBulkAction:
    """An action of the account list's bulk form. `apply(actor, account)` goes through the module's service, which
    checks the actor; it raises `NotFound`, `Forbidden`, `InvalidInput` or `Conflict` when he may not."""

    name: str
    order: int
    label: str | Promise
    apply: Callable[[User, Account], None]


_BULK_ACTIONS: dict[str, AccountBulkAction] = {}


def account_bulk_action_register(action: AccountBulkAction) -> None:
    _BULK_ACTIONS[action.name] = action


def account_bulk_actions() -> list[AccountBulkAction]:
    return sorted(_BULK_ACTIONS.values(), key=lambda action: action.order)
