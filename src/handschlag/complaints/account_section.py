"""The complaints section of the account page (registered in `ComplaintsConfig.ready` with
`accounts.extensions`): the account's open and latest closed cases the user may see, and the revenue at risk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handschlag.complaints.selectors import account_complaints
from handschlag.core.roles import Capability, has_capability

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.accounts.models import Account


def account_complaints_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    if not has_capability(request.user, Capability.COMPLAINTS_VIEW):
        return None
    return {
        "complaints": account_complaints(user=request.user, account_id=account.pk),
        "can_create": has_capability(request.user, Capability.COMPLAINTS_CREATE) and not account.is_archived,
    }
