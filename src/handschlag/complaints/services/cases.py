"""Recording a case and changing its facts: values, revenue at risk, earlier cases, who is told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.accounts.models import Account
from handschlag.accounts.selectors import (
    account_open_order_value,
    account_orders_by_ids,
    open_order_value_of_orders,
)
from handschlag.complaints.access import can_edit_complaint
from handschlag.complaints.enums import ComplaintCategory, EightDStep, Severity, ThreatScope, WatcherReason
from handschlag.complaints.models import Complaint, ComplaintStep, ComplaintWatcher
from handschlag.complaints.selectors import repeat_window_days
from handschlag.complaints.services.clocks import paused_total, set_deadlines
from handschlag.complaints.services.collaboration import check_uploads, store_attachment
from handschlag.complaints.services.lifecycle import lock_case
from handschlag.complaints.services.notices import case_names, case_url, management_users
from handschlag.complaints.services.routing import complaint_route
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability
from handschlag.core.selectors import business_calendar_get
from handschlag.core.services import model_update

TEXT_LIMITS = {"title": 200, "product_line": 100, "plant": 100, "product": 200, "description": 20_000}


# --- values --------------------------------------------------------------------------------------------------


def _clean_values(data: dict[str, Any], *, account: Account, partial: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = dict(data)
    for key, limit in TEXT_LIMITS.items():
        if key in values:
            values[key] = (values[key] or "").strip()
            if len(values[key]) > limit:
                errors[key] = [_("At most %(limit)s characters.") % {"limit": limit}]
    for key in ("title", "description"):
        if (not partial or key in values) and not values.get(key):
            errors[key] = [_("This field is required.")]
    if (not partial or "category" in values) and values.get("category") not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    if (not partial or "severity" in values) and values.get("severity") not in Severity.values:
        errors["severity"] = [_("Choose a severity.")]
    if "threat_scope" in values and values["threat_scope"] not in ThreatScope.values:
        errors["threat_scope"] = [_("Unknown choice.")]
    if "order_ids" in values:
        order_ids = sorted({int(order_id) for order_id in values.pop("order_ids") or []})
        orders = account_orders_by_ids(account=account, order_ids=order_ids)
        if len(orders) != len(order_ids):
            errors["order_ids"] = [_("Only orders of this account can be referenced.")]
        values["orders"] = orders
    if "cancellation_threat" in values:
        values["cancellation_threat"] = bool(values["cancellation_threat"])
    threat = values.get("cancellation_threat", False)
    if values.get("cancellation_deadline") and not threat and not partial:
        errors["cancellation_deadline"] = [_("A deadline needs a cancellation threat.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


def _revenue_at_risk(complaint: Complaint) -> Decimal:
    """The open orders the customer threatens to cancel: all of the account's, or the referenced ones."""
    if not complaint.cancellation_threat:
        return Decimal("0.00")
    if complaint.threat_scope == ThreatScope.REFERENCED_ORDERS:
        return open_order_value_of_orders(complaint.orders.values_list("pk", flat=True))
    return account_open_order_value(complaint.account)


# --- create ----------------------------------------------------------------------------------------------------


def _link_earlier_cases(complaint: Complaint) -> None:
    since = complaint.created_at - dt.timedelta(days=repeat_window_days())
    same = Q(category=complaint.category)
    if complaint.product:
        same |= Q(product__iexact=complaint.product)
    earlier = list(
        Complaint.objects.filter(account_id=complaint.account_id, created_at__gte=since)
        .filter(created_at__lte=complaint.created_at)
        .exclude(pk=complaint.pk)
        .filter(same)
        .order_by("-created_at", "-id")
    )
    if earlier:
        complaint.is_repeat = True
        complaint.repeat_of = earlier[0]
        complaint.save(update_fields=["is_repeat", "repeat_of", "updated_at"])
        complaint.earlier_cases.set(earlier)


@transaction.atomic
def complaint_create(
    *,
    actor: User,
    account: Account,
    data: dict[str, Any],
    uploads: Sequence[Any] = (),
    now: dt.datetime | None = None,
) -> Complaint:
    """Record a case, route it, start its clocks, link earlier cases, keep the seller informed."""
    if not has_capability(actor, Capability.COMPLAINTS_CREATE):
        raise Forbidden
    values = _clean_values(data, account=account, partial=False)
    checked = check_uploads(uploads)
    now = now or timezone.now()
    calendar = business_calendar_get()
    seller = account.owner
    decision = complaint_route(
        category=values["category"],
        product_line=values.get("product_line", ""),
        plant=values.get("plant", ""),
        seller=seller,
    )
    orders = values.pop("orders", [])
    complaint = Complaint(
        account=account,
        reporter=actor,
        title=values["title"],
        description=values["description"],
        category=values["category"],
        severity=values["severity"],
        product_line=values.get("product_line", ""),
        plant=values.get("plant", ""),
        product=values.get("product", ""),
        cancellation_threat=values.get("cancellation_threat", False),
        cancellation_deadline=values.get("cancellation_deadline"),
        threat_scope=values.get("threat_scope") or ThreatScope.ALL_OPEN_ORDERS,
        routing_rule=decision.rule,
        department=decision.department,
        owner=decision.owner,
        in_triage=decision.to_triage,
        created_at=now,
    )
    set_deadlines(complaint, calendar, dt.timedelta(0))
    complaint.full_clean(exclude=["orders", "earlier_cases", "revenue_at_risk"])
    complaint.save()
    complaint.orders.set(orders)
    complaint.revenue_at_risk = _revenue_at_risk(complaint)
    complaint.save(update_fields=["revenue_at_risk"])
    ComplaintStep.objects.bulk_create([ComplaintStep(complaint=complaint, step=step) for step in EightDStep])
    watchers = []
    if seller is not None and seller.pk != complaint.owner_id and seller.is_active:
        watchers.append(ComplaintWatcher(complaint=complaint, user=seller, reason=WatcherReason.SELLER))
    if actor.pk not in {complaint.owner_id, getattr(seller, "pk", None)}:
        watchers.append(ComplaintWatcher(complaint=complaint, user=actor, reason=WatcherReason.REPORTER))
    ComplaintWatcher.objects.bulk_create(watchers)
    _link_earlier_cases(complaint)
    for upload in checked:
        store_attachment(actor=actor, complaint=complaint, checked=upload)
    audit_record(
        actor=actor,
        action="complaint.create",
        target=complaint,
        summary=f"complaint #{complaint.pk} on account {account.pk} routed to "
        + (f"user {complaint.owner_id}" if complaint.owner_id else "management triage"),
        changes={
            "severity": complaint.severity,
            "category": complaint.category,
            "owner": complaint.owner_id,
            "department": complaint.department_id,
            "rule": complaint.routing_rule_id,
            "cancellation_threat": complaint.cancellation_threat,
            "revenue_at_risk": complaint.revenue_at_risk,
            "repeat_of": complaint.repeat_of_id,
        },
    )
    _notify_created(complaint)
    return complaint


def _notify_created(complaint: Complaint) -> None:
    url = case_url(complaint)
    threat = complaint.cancellation_threat
    names = case_names(complaint)

    def for_owner() -> str:
        if threat:
            return _("New complaint #%(number)s from %(account)s, cancellation threatened: %(title)s") % names
        return _("New complaint #%(number)s from %(account)s: %(title)s") % names

    def for_triage() -> str:
        return (
            _("Complaint #%(number)s from %(account)s matches no routing rule and waits for triage") % names
        )

    def for_watchers() -> str:
        return _("Complaint #%(number)s from %(account)s is recorded; you are kept informed") % names

    if complaint.owner is not None:
        notify(users=[complaint.owner], title=for_owner, url=url)
    else:
        notify(users=management_users(), title=for_triage, url=url)
    watcher_users = [watcher.user for watcher in complaint.watchers.select_related("user")]
    notify(users=watcher_users, title=for_watchers, url=url)
    if threat and complaint.owner is not None:
        notify(
            users=[user for user in management_users() if user.pk != complaint.owner_id],
            title=lambda: _("Cancellation threat: complaint #%(number)s from %(account)s") % names,
            url=url,
        )


@transaction.atomic
def complaint_update(*, actor: User, complaint: Complaint, data: dict[str, Any]) -> Complaint:
    """Change the facts: title, description, severity, products, orders, the cancellation threat."""
    if not can_edit_complaint(actor, complaint):
        raise Forbidden
    lock_case(complaint)
    allowed = {
        "title",
        "description",
        "severity",
        "product_line",
        "plant",
        "product",
        "order_ids",
        "cancellation_threat",
        "cancellation_deadline",
        "threat_scope",
    }
    values = _clean_values(
        {key: value for key, value in data.items() if key in allowed}, account=complaint.account, partial=True
    )
    threat = values.get("cancellation_threat", complaint.cancellation_threat)
    if not threat:
        values["cancellation_deadline"] = None
    changes: dict[str, Any] = {}
    if "orders" in values:
        orders = values.pop("orders")
        before = sorted(complaint.orders.values_list("pk", flat=True))
        after = sorted(order.pk for order in orders)
        if before != after:
            complaint.orders.set(orders)
            changes["orders"] = [before, after]
    changes.update(
        model_update(
            instance=complaint,
            fields=[
                "title",
                "description",
                "severity",
                "product_line",
                "plant",
                "product",
                "cancellation_threat",
                "cancellation_deadline",
                "threat_scope",
            ],
            data=values,
        )
    )
    if "severity" in changes and complaint.is_open:
        calendar = business_calendar_get()
        set_deadlines(complaint, calendar, paused_total(complaint, calendar, timezone.now()))
        complaint.save(
            update_fields=["first_response_due", "containment_due", "resolution_due", "updated_at"]
        )
    risk = _revenue_at_risk(complaint)
    if risk != complaint.revenue_at_risk:
        changes["revenue_at_risk"] = [complaint.revenue_at_risk, risk]
        complaint.revenue_at_risk = risk
        complaint.save(update_fields=["revenue_at_risk", "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action="complaint.update",
            target=complaint,
            summary=f"complaint #{complaint.pk} changed",
            changes=changes,
        )
        if "cancellation_threat" in changes and complaint.cancellation_threat:
            notify(
                users=[*management_users(), *([complaint.owner] if complaint.owner else [])],
                title=lambda: (
                    _("Cancellation threat: complaint #%(number)s from %(account)s")
                    % {"number": complaint.pk, "account": complaint.account.display_name}
                ),
                url=case_url(complaint),
            )
    return complaint
