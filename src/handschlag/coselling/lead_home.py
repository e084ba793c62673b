"""Co-selling's part of the home page (core/home.py): leads waiting for this user's decision (he is the owner of the
account the engine found, or the partner's manager) and, for those who decide them, deal registrations waiting
for a decision or an extension. None when there is nothing to do."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import ngettext

from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.coselling.lead_enums import ExtensionStatus, LeadDirection, LeadStatus, RegistrationStatus
from handschlag.coselling.models import DealRegistration, Lead


def leads_home(user: User) -> dict[str, Any] | None:
    if not is_internal(user):
        return None
    context: dict[str, Any] = {}
    if has_capability(user, Capability.LEADS_WORK):
        waiting = (
            Lead.objects.filter(direction=LeadDirection.TO_US, status=LeadStatus.OFFERED)
            .filter(Q(receiver_user=user) | Q(partner__manager=user))
            .select_related("partner")
            .order_by("respond_by", "id")
        )
        leads = list(waiting[:5])
        if leads:
            context["leads"] = leads
            context["lead_count"] = waiting.count()
    if has_capability(user, Capability.REGISTRATIONS_DECIDE):
        pending = DealRegistration.objects.filter(status=RegistrationStatus.PENDING).count()
        extensions = DealRegistration.objects.filter(
            status=RegistrationStatus.APPROVED, extension_status=ExtensionStatus.REQUESTED
        ).count()
        if pending or extensions:
            context["registrations_pending"] = pending
            context["extensions_requested"] = extensions
    return context or None


def leads_digest_lines(context: dict[str, Any]) -> list[str]:
    lines = []
    if context.get("lead_count"):
        count = context["lead_count"]
        lines.append(
            ngettext(
                "%(count)d lead waits for your decision.", "%(count)d leads wait for your decision.", count
            )
            % {"count": count}
        )
    if context.get("registrations_pending"):
        count = context["registrations_pending"]
        lines.append(
            ngettext(
                "%(count)d deal registration waits for a decision.",
                "%(count)d deal registrations wait for a decision.",
                count,
            )
            % {"count": count}
        )
    if context.get("extensions_requested"):
        count = context["extensions_requested"]
        lines.append(
            ngettext(
                "%(count)d extension of a deal registration waits for a decision.",
                "%(count)d extensions of deal registrations wait for a decision.",
                count,
            )
            % {"count": count}
        )
    return lines
