"""The concessions part of the home page (registered in `ConcessionsConfig.ready` with `core.home`): what waits
for the user's approval (his own limit or an absent approver's), and for a seller his accounts in the relationship
trap. Nothing for users without concessions, and nothing when there is nothing to do."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from handschlag.concessions.access import may_approve_at_all
from handschlag.concessions.analytics import concession_figures
from handschlag.concessions.selectors import approvals_waiting
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability

SHOWN = 5


def concessions_home(user: User) -> dict[str, Any] | None:
    if not has_capability(user, Capability.CONCESSIONS_VIEW):
        return None
    waiting = approvals_waiting(user=user) if may_approve_at_all(user) else []
    trapped = []
    if has_capability(user, Capability.CONCESSIONS_RECORD) and not has_capability(
        user, Capability.CONCESSIONS_VIEW_ALL
    ):
        trapped = [entry for entry in concession_figures(user=user).trap if entry.account.owner_id == user.pk]
    if not waiting and not trapped:
        return None
    return {
        "waiting": waiting[:SHOWN],
        "waiting_count": len(waiting),
        "trapped": trapped[:SHOWN],
        "trapped_count": len(trapped),
    }


def concessions_digest_lines(context: dict[str, Any]) -> list[str]:
    lines = []
    if context.get("waiting_count"):
        lines.append(
            ngettext(
                "%(count)d concession waits for your approval.",
                "%(count)d concessions wait for your approval.",
                context["waiting_count"],
            )
            % {"count": context["waiting_count"]}
        )
    if context.get("trapped_count"):
        lines.append(
            ngettext(
                "%(count)d of your accounts is in the relationship trap.",
                "%(count)d of your accounts are in the relationship trap.",
                context["trapped_count"],
            )
            % {"count": context["trapped_count"]}
        )
    return lines
