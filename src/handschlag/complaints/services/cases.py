"""Recording a case and changing its facts: values, revenue at risk, earlier cases, who is told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.accounts.access import access_account_by_id
from handschlag.accounts.selectors import (
    account_open_order_value,
    account_orders_by_ids,
    open_order_value_of_orders,
)
from handschlag.complaints.access import check_complaint_creatable, check_complaint_editable
from handschlag.complaints.enums import EightDStep, ThreatScope, WatcherReason
from handschlag.complaints.inputs import ComplaintInput, ComplaintPatch
from handschlag.complaints.models import Complaint, ComplaintStep, ComplaintWatcher
from handschlag.complaints.selectors import repeat_window_days
from handschlag.complaints.services.clocks import paused_total, set_deadline_alert, set_deadlines
from handschlag.complaints.services.collaboration import check_uploads, store_attachment
from handschlag.complaints.services.lifecycle import lock_case
from handschlag.complaints.services.notices import case_names, case_url, management_users
from handschlag.complaints.services.routing import complaint_route
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.selectors import business_calendar_get
from handschlag.core.services import model_update

if TYPE_CHECKING:
    from handschlag.accounts.models import Account


def _orders_of(account: Account, order_ids: list[int]) -> list[Any]:
    """The referenced orders, which must all be the account's."""
    orders = account_orders_by_ids(account=account, order_ids=order_ids)
    if len(orders) != len(order_ids):
        raise InvalidInput.for_field("order_ids", _("Only orders of this account can be referenced."))
    return orders


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
    data: ComplaintInput,
    uploads: Sequence[Any] = (),
    now: dt.datetime | None = None,
) -> Complaint:
    """Record a case, route it, start its clocks, link earlier cases, keep the seller informed."""
    check_complaint_creatable(actor)
    try:
        account = access_account_by_id(actor, data.account_id)
    except NotFound:
        raise InvalidInput.for_field("account_id", _("No such account.")) from None
    if data.cancellation_deadline is not None and not data.cancellation_threat:
        raise InvalidInput.for_field("cancellation_deadline", _("A deadline needs a cancellation threat."))
    orders = _orders_of(account, data.order_ids)
    checked = check_uploads(uploads)
    now = now or timezone.now()
    calendar = business_calendar_get()
    seller = account.owner
    decision = complaint_route(
        category=data.category, product_line=data.product_line, plant=data.plant, seller=seller
    )
    complaint = Complaint(
        account=account,
        reporter=actor,
        title=data.title,
        description=data.description,
        category=data.category,
        severity=data.severity,
        product_line=data.product_line,
        plant=data.plant,
        product=data.product,
        cancellation_threat=data.cancellation_threat,
        cancellation_deadline=data.cancellation_deadline,
        threat_scope=data.threat_scope,
        routing_rule=decision.rule,
        department=decision.department,
        owner=decision.owner,
        in_triage=decision.to_triage,
        created_at=now,
    )
    set_deadlines(complaint, calendar, dt.timedelta(0))
    set_deadline_alert(complaint, calendar, now)
    complaint.full_clean(exclude=["orders", "earlier_cases", "revenue_at_risk"])
    complaint.save()
    complaint.orders.set(orders)
    complaint.revenue_at_risk = _revenue_at_risk(complaint)
    complaint.save(update_fields=["revenue_at_risk"])
    ComplaintStep.objects.bulk_create(
        [ComplaintStep(complaint=complaint, step=step, owner=complaint.owner) for step in EightDStep]
    )
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
    names = case_names(complaint)
    when = complaint.created_at  # the demo records cases of the past
    if complaint.owner is not None:
        if complaint.cancellation_threat:
            for_owner = gettext_noop(
                "New complaint #%(number)s from %(account)s, cancellation threatened: %(title)s"
            )
        else:
            for_owner = gettext_noop("New complaint #%(number)s from %(account)s: %(title)s")
        notify(users=[complaint.owner], message=for_owner, params=names, url=url, now=when)
    else:
        notify(
            users=management_users(),
            message=gettext_noop(
                "Complaint #%(number)s from %(account)s matches no routing rule and waits for triage"
            ),
            params=names,
            url=url,
            now=when,
        )
    notify(
        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
        message=gettext_noop("Complaint #%(number)s from %(account)s is recorded; you are kept informed"),
        params=names,
        url=url,
        now=when,
    )
    if complaint.cancellation_threat and complaint.owner is not None:
        notify(
            users=[user for user in management_users() if user.pk != complaint.owner_id],
            message=gettext_noop("Cancellation threat: complaint #%(number)s from %(account)s"),
            params=names,
            url=url,
            now=when,
        )


FACT_FIELDS = [
    "title",
    "description",
    "severity",
    "product_line",
    "plant",
    "product",
    "cancellation_threat",
    "cancellation_deadline",
    "threat_scope",
]


@transaction.atomic
def complaint_update(*, actor: User, complaint: Complaint, patch: ComplaintPatch) -> Complaint:
    """Change the facts: title, description, severity, products, orders, the cancellation threat. Without a
    threat there is no deadline."""
    check_complaint_editable(actor, complaint)
    lock_case(complaint)
    values = patch.given()
    order_ids = values.pop("order_ids", None)
    orders = _orders_of(complaint.account, order_ids) if order_ids is not None else None
    if not values.get("cancellation_threat", complaint.cancellation_threat):
        values["cancellation_deadline"] = None
    if values.get("cancellation_deadline", complaint.cancellation_deadline) is None:
        values["deadline_alert_at"] = None  # no deadline, nothing to alert ahead of
    changes: dict[str, Any] = {}
    if orders is not None:
        before = sorted(complaint.orders.values_list("pk", flat=True))
        after = sorted(order.pk for order in orders)
        if before != after:
            complaint.orders.set(orders)
            changes["orders"] = [before, after]
    changes.update(model_update(instance=complaint, fields=[*FACT_FIELDS, "deadline_alert_at"], data=values))
    if "severity" in changes and complaint.is_open:
        calendar = business_calendar_get()
        set_deadlines(complaint, calendar, paused_total(complaint, calendar, timezone.now()))
        complaint.save(
            update_fields=["first_response_due", "containment_due", "resolution_due", "updated_at"]
        )
    if {"cancellation_threat", "cancellation_deadline"} & changes.keys():
        before_alert = complaint.deadline_alert_at
        set_deadline_alert(complaint, business_calendar_get(), max(timezone.now(), complaint.created_at))
        if complaint.deadline_alert_at != before_alert:
            changes["deadline_alert_at"] = [before_alert, complaint.deadline_alert_at]
            complaint.save(update_fields=["deadline_alert_at", "updated_at"])
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
                message=gettext_noop("Cancellation threat: complaint #%(number)s from %(account)s"),
                params=case_names(complaint),
                url=case_url(complaint),
            )
    return complaint
