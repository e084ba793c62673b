"""Who sees the possible duplicates among our accounts: those who may edit accounts (all of them, or a seller his
own). Partner users never (404); our other people get 403."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal


def duplicates_scope(user: User | AnonymousUser) -> int | None:
    """None: every group; an id: only the groups holding an account that user owns. Raises 404 / 403."""
    if not is_internal(user) or not has_capability(user, Capability.ACCOUNTS_VIEW):
        raise NotFound
    if has_capability(user, Capability.ACCOUNTS_EDIT_ALL):
        return None
    if has_capability(user, Capability.ACCOUNTS_EDIT_OWN):
        return user.pk
    raise Forbidden
