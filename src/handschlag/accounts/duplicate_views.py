"""The "possible duplicates" page under accounts: groups of our accounts the matching engine takes for one company,
with its evidence and how to merge them by hand. Nothing is merged automatically."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from handschlag.accounts.duplicate_access import duplicates_scope
from handschlag.accounts.duplicates import guidance_steps, possible_duplicates
from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.selectors import (
    CompanyFields,
    DuplicateCandidate,
    account_duplicate_candidates,
    account_write_version,
)
from handschlag.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from handschlag.accounts.models import Account


@login_required
@require_GET
def possible_duplicates_view(request: HttpRequest) -> HttpResponse:
    owner_id = duplicates_scope(request.user)
    report = possible_duplicates(owner_id=owner_id)
    statuses = dict(AccountStatus.choices)
    groups = []
    for group in report.groups:
        names = {account.id: account.name for account in group.accounts}
        groups.append(
            {
                "group": group,
                "steps": guidance_steps(group),
                "accounts": [
                    {"account": account, "status": statuses.get(account.status, account.status)}
                    for account in group.accounts
                ],
                "pairs": [
                    {
                        "first": names[pair.first_id],
                        "second": names[pair.second_id],
                        "text": pair.evidence_text,
                        "score": pair.score,
                    }
                    for pair in group.pairs
                ],
            }
        )
    return render(
        request,
        "accounts/possible_duplicates.html",
        {
            "report": report,
            "groups": groups,
            "own_only": owner_id is not None,
            "active_section": "accounts",
        },
    )


# The hint asks the engine about up to 500 accounts near this one (~100 ms on the large demo): kept this long per
# account and account version (any write to an account or order starts over; an import within this time).
DUPLICATES_SECTION_CACHE_SECONDS = 300


def account_duplicates_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    """The account page's hint (accounts.extensions, registered in AccountsConfig.ready): active accounts the
    engine takes for the same company, with a link to the list of possible duplicates. For those who may see the
    list; left out when there is none. Asks the engine about the few accounts near this one only, and keeps the
    answer a while (the same for every reader who may see the hint: it depends on the account only)."""
    try:
        duplicates_scope(request.user)
    except (NotFound, Forbidden):
        return None
    if account.archived_at is not None:
        return None
    key = (
        f"accounts:duplicates-section:{account_write_version()}:{account.pk}:{account.updated_at.isoformat()}"
    )
    active: list[DuplicateCandidate] | None = cache.get(key)
    if active is None:
        active = _active_duplicate_candidates(account)
        cache.set(key, active, DUPLICATES_SECTION_CACHE_SECONDS)
    return {"candidates": active} if active else None


def _active_duplicate_candidates(account: Account) -> list[DuplicateCandidate]:
    candidates = account_duplicate_candidates(
        company=CompanyFields(
            name=account.name,
            legal_form=account.legal_form,
            domain=account.domain,
            street=account.street,
            postal_code=account.postal_code,
            city=account.city,
            country=account.country,
            vat_id=account.vat_id,
        ),
        exclude_id=account.pk,
        limit=5,
    )
    active_ids = _active_ids(candidates)
    return [candidate for candidate in candidates if candidate.account_id in active_ids]


def _active_ids(candidates: list[Any]) -> set[int]:
    from handschlag.accounts.models import Account

    return set(
        Account.objects.filter(
            pk__in=[candidate.account_id for candidate in candidates], archived_at__isnull=True
        ).values_list("pk", flat=True)
    )
