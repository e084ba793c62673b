"""The partner section of the account page (registered in `MappingConfig.ready` with `accounts.extensions`): which
partnerships' latest mapping matched this account, for our people who may see partnerships, and the "never share"
mark with its action, for those who may set it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.mapping import services
from handschlag.mapping.access import may_mark_never_share
from handschlag.mapping.selectors import account_overlaps, share_exclusion_of

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.accounts.models import Account
    from handschlag.core.models import User


def account_overlaps_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    user = request.user
    if not is_internal(user):
        return None
    sees_overlaps = has_capability(user, Capability.PARTNERS_VIEW)
    may_mark = may_mark_never_share(user, account)
    if not sees_overlaps and not may_mark:
        return None
    return {
        "sees_overlaps": sees_overlaps,
        "overlaps": account_overlaps(account_id=account.pk) if sees_overlaps else [],
        "exclusion": share_exclusion_of(account_id=account.pk),
        "may_mark": may_mark,
    }


def never_share(actor: User, account: Account) -> None:
    """The account list's bulk action: through the service, which checks the actor."""
    services.share_exclusion_add(actor=actor, account=account)


def share_again(actor: User, account: Account) -> None:
    services.share_exclusion_remove(actor=actor, account=account)
