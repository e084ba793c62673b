"""The account page's ICP section: the fit score of the account against the current profile, with its reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handschlag.alignment.enums import IcpCriterionKind
from handschlag.alignment.selectors import icp_fit_for_accounts, icp_version_current
from handschlag.core.roles import Capability, has_capability

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.accounts.models import Account


def account_icp_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    user = request.user
    if not has_capability(user, Capability.ALIGNMENT_VIEW):
        return None
    version = icp_version_current()
    if version is None:
        return None
    fit = icp_fit_for_accounts(user=user, account_ids=[account.pk], version=version).get(account.pk)  # type: ignore[arg-type]
    if fit is None:
        return None
    labels = dict(IcpCriterionKind.choices)
    return {
        "version": version,
        "fit": fit,
        "in_target": fit.score >= version.target_threshold,
        "reasons": [(labels.get(kind, kind), verdict) for kind, verdict in fit.reasons],
    }
