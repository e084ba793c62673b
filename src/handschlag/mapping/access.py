"""The only way pages and API endpoints get mapping runs and exclusions.

A partner user gets a run only when it belongs to his own partner's agreement, is done, and both sides opted
in; any other id answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from handschlag.accounts.access import access_account_by_id, can_edit_account
from handschlag.alliances.access import portal_partner_for
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.mapping.models import MappingMatch, MappingRun
from handschlag.mapping.selectors import overlap_is_visible

if TYPE_CHECKING:
    from handschlag.accounts.models import Account


def access_mapping_run_by_id(
    user: User | AnonymousUser, run_id: int, *, for_write: bool = False
) -> MappingRun:
    runs = MappingRun.objects.select_related("agreement__partner__organisation", "created_by", "previous_run")
    if is_internal(user) and has_capability(user, Capability.PARTNERS_VIEW):
        run = runs.filter(pk=run_id).first()
        if run is None:
            raise NotFound
        if for_write and not has_capability(user, Capability.MAPPINGS_RUN):
            raise Forbidden
        return run
    partner = portal_partner_for(user)
    run = runs.filter(pk=run_id, agreement__partner=partner).first()
    if run is None or not overlap_is_visible(run) or for_write:
        raise NotFound
    return run


def access_match_by_id(
    user: User | AnonymousUser, run_id: int, match_id: int, *, for_write: bool = False
) -> MappingMatch:
    """A pair of a run with its evidence, for our people who may see partnerships, once the overlap may be shown
    (double opt-in). Partner users never: 404, as for a pair that does not exist — the evidence and our account
    ids stay on our side. Deciding (confirm, reject) needs `MAPPINGS_RUN` (403)."""
    if not is_internal(user):
        raise NotFound
    run = access_mapping_run_by_id(user, run_id)
    match = (
        MappingMatch.objects.select_related("account", "partner_record", "run")
        .filter(pk=match_id, run=run)
        .first()
    )
    if match is None or not overlap_is_visible(run):
        raise NotFound
    match.run = run
    if for_write and not has_capability(user, Capability.MAPPINGS_RUN):
        raise Forbidden
    return match


def may_mark_never_share(user: User | AnonymousUser, account: Account) -> bool:
    return has_capability(user, Capability.PARTNERS_MANAGE) or can_edit_account(user, account)


def access_account_for_exclusion(user: User | AnonymousUser, account_id: int) -> Account:
    if not is_internal(user):
        raise NotFound
    account = access_account_by_id(user, account_id)  # 404 without ACCOUNTS_VIEW or when there is none
    if not may_mark_never_share(user, account):
        raise Forbidden
    return account


def access_portal_upload_by_id(user: User | AnonymousUser, run_id: int) -> MappingRun:
    """A run a user of the partner company uploaded, for its progress page in the portal, whatever its status.

    Only runs of the user's own partner that one of its users started; anything else answers 404."""
    partner = portal_partner_for(user)
    run = (
        MappingRun.objects.select_related("agreement__partner__organisation")
        .filter(pk=run_id, agreement__partner=partner, created_by__organisation_id=partner.organisation_id)
        .first()
    )
    if run is None:
        raise NotFound
    return run
