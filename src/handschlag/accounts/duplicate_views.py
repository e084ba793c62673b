"""The "possible duplicates" page under accounts: groups of our accounts the matching engine takes for one company,
with its evidence and how to merge them by hand. Nothing is merged automatically."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from handschlag.accounts.duplicate_access import duplicates_scope
from handschlag.accounts.duplicates import guidance_steps, possible_duplicates
from handschlag.accounts.enums import AccountStatus


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
