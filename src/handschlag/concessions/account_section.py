"""The concessions section of the account page (registered in `ConcessionsConfig.ready` with
`accounts.extensions`): next to the customer's goals, risks and constraints, what we gave this customer and what we
got for it, the concession rate of the last four quarters and — for the seller of his own accounts and for
management — the relationship-trap signals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handschlag.concessions.access import concessions_visible_to
from handschlag.concessions.analytics import concession_figures
from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.selectors import account_rates
from handschlag.core.roles import Capability, has_capability

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.accounts.models import Account

RECENT = 10


def account_concessions_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    user = request.user
    if not has_capability(user, Capability.CONCESSIONS_VIEW):
        return None
    own_or_all = has_capability(user, Capability.CONCESSIONS_VIEW_ALL) or account.owner_id == user.pk
    entries = list(
        concessions_visible_to(user)
        .filter(account_id=account.pk)
        .select_related("recorded_by")
        .order_by("-granted_on", "-id")[:RECENT]
    )
    history = account_rates(
        user=user, account=account
    )  # the rates only: the page shows orders, complaints, insights
    trap = None
    if own_or_all:
        figures = concession_figures(user=user, account_ids=[account.pk])
        trap = next((entry for entry in figures.trap if entry.account.key == account.pk), None)
    return {
        "entries": entries,
        "history": history,
        "trap": trap,
        "show_signals": own_or_all,
        "can_record": has_capability(user, Capability.CONCESSIONS_RECORD)
        and (has_capability(user, Capability.CONCESSIONS_VIEW_ALL) or account.owner_id == user.pk)
        and not account.is_archived,
        "waiting": sum(1 for entry in entries if entry.approval_status == ApprovalStatus.PENDING),
    }
