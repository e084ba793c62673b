"""Co-selling's part of the account page (accounts.extensions): partners' deal registrations on this account and
leads the engine resolved to it, so that the seller knows before he calls the customer. Our people who may read
registrations or work leads; None when there is nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handschlag.coselling.lead_access import may_read_registrations, may_work_leads
from handschlag.coselling.models import DealRegistration, Lead

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.accounts.models import Account


def account_partner_activity_section(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    registrations = (
        list(
            DealRegistration.objects.filter(account=account)
            .select_related("partner", "product_line")
            .order_by("-created_at", "-id")[:10]
        )
        if may_read_registrations(request.user)
        else []
    )
    leads = (
        list(
            Lead.objects.filter(resolved_account=account)
            .select_related("partner")
            .order_by("-offered_at")[:10]
        )
        if may_work_leads(request.user)
        else []
    )
    if not registrations and not leads:
        return None
    return {"registrations": registrations, "leads": leads}
