"""Writes of complaints. Pages, API, worker and demo call these, so every rule below holds everywhere.

Each write checks who may do it (the `can_*` rules of `access.py`), writes an audit event in its transaction and
notifies the people concerned; e-mails leave after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.accounts.models import Account
from handschlag.accounts.selectors import (
    account_open_order_value,
    account_orders_by_ids,
    open_order_value_of_orders,
)
from handschlag.complaints import sla
from handschlag.complaints.access import (
    can_assign_complaint,
    can_edit_complaint,
    can_manage_watchers,
    can_work_complaint,
)
from handschlag.complaints.attachments import CheckedUpload, check_upload
from handschlag.complaints.enums import (
    ComplaintCategory,
    ComplaintStatus,
    EightDStep,
    EscalationLevel,
    Severity,
    SlaClock,
    ThreatScope,
    WatcherReason,
)
from handschlag.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintComment,
    ComplaintPause,
    ComplaintStep,
    ComplaintWatcher,
    Escalation,
    RoutingRule,
    SlaPolicy,
)
from handschlag.complaints.selectors import repeat_window_days, routing_rule_match, sla_targets_for
from handschlag.core.calendar import BusinessCalendar
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import Department, User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.selectors import business_calendar_get
from handschlag.core.services import model_update

logger = logging.getLogger(__name__)

TEXT_LIMITS = {"title": 200, "product_line": 100, "plant": 100, "product": 200, "description": 20_000}


def _url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _management_users() -> list[User]:
    return list(User.objects.filter(role=Role.MANAGEMENT, is_active=True).order_by("pk"))


def can_own_complaints(user: User | None) -> bool:
    """Only the owner's side owns a case: process owners and management, never a seller."""
    return bool(user is not None and user.is_active and has_capability(user, Capability.COMPLAINTS_WORK))


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


def _paused_total(complaint: Complaint, calendar: BusinessCalendar, now: dt.datetime) -> dt.timedelta:
    paused = dt.timedelta(seconds=complaint.paused_seconds)
    if complaint.paused_since is not None:
        paused += calendar.business_time_between(complaint.paused_since, now)
    return paused


def _set_deadlines(complaint: Complaint, calendar: BusinessCalendar, paused: dt.timedelta) -> None:
    """Recompute the deadlines of the clocks that still run (severity change, end of a pause)."""
    targets = sla_targets_for(complaint.severity)
    if complaint.first_response_at is None:
        complaint.first_response_due = sla.deadline(
            calendar, complaint.created_at, targets.first_response, paused
        )
    if complaint.contained_at is None:
        complaint.containment_due = sla.deadline(calendar, complaint.created_at, targets.containment, paused)
    if complaint.closed_at is None:
        complaint.resolution_due = sla.deadline(calendar, complaint.created_at, targets.resolution, paused)


def _seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())


# --- routing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingDecision:
    rule: RoutingRule | None
    department: Department | None
    owner: User | None

    @property
    def to_triage(self) -> bool:
        return self.owner is None


def complaint_route(*, category: str, product_line: str, plant: str, seller: User | None) -> RoutingDecision:
    """Rule → department → process owner (the rule's, else the department head). No rule, or nobody on the
    owner's side to take it: management triage. The seller of the account is never made owner."""
    rule = routing_rule_match(category=category, product_line=product_line, plant=plant)
    if rule is None:
        return RoutingDecision(rule=None, department=None, owner=None)
    owner = rule.process_owner if can_own_complaints(rule.process_owner) else None
    if owner is None and can_own_complaints(rule.department.head):
        owner = rule.department.head
    if owner is not None and seller is not None and owner.pk == seller.pk:
        owner = None
    if owner is None:
        return RoutingDecision(rule=rule, department=None, owner=None)
    return RoutingDecision(rule=rule, department=rule.department, owner=owner)


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


def _check_uploads(uploads: Iterable[Any]) -> list[CheckedUpload]:
    return [check_upload(upload) for upload in uploads if upload is not None]


def _store_attachment(*, actor: User, complaint: Complaint, checked: CheckedUpload) -> ComplaintAttachment:
    attachment = ComplaintAttachment(
        complaint=complaint,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    attachment.file.save("upload", checked.upload, save=False)
    attachment.save()
    return attachment


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
    checked = _check_uploads(uploads)
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
    _set_deadlines(complaint, calendar, dt.timedelta(0))
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
        _store_attachment(actor=actor, complaint=complaint, checked=upload)
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


def _case_names(complaint: Complaint) -> dict[str, Any]:
    """The placeholders every notification about a case uses: number, account, title."""
    return {"number": complaint.pk, "account": complaint.account.display_name, "title": complaint.title}


def _notify_created(complaint: Complaint) -> None:
    url = _url(complaint)
    threat = complaint.cancellation_threat
    names = _case_names(complaint)

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
        notify(users=_management_users(), title=for_triage, url=url)
    watcher_users = [watcher.user for watcher in complaint.watchers.select_related("user")]
    notify(users=watcher_users, title=for_watchers, url=url)
    if threat and complaint.owner is not None:
        notify(
            users=[user for user in _management_users() if user.pk != complaint.owner_id],
            title=lambda: _("Cancellation threat: complaint #%(number)s from %(account)s") % names,
            url=url,
        )


# --- working the case ------------------------------------------------------------------------------------------


def _require_work(actor: User, complaint: Complaint) -> None:
    if not can_work_complaint(actor, complaint):
        raise Forbidden


def _require_open(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(_("The case is closed. Reopen it first."), code="closed")


def _lock(complaint: Complaint) -> Complaint:
    """Reload the case under a row lock; concurrent writes to one case queue up behind it."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    for name in [f.attname for f in Complaint._meta.concrete_fields]:
        setattr(complaint, name, getattr(locked, name))
    return complaint


def _record_first_response(complaint: Complaint, now: dt.datetime, calendar: BusinessCalendar) -> list[str]:
    if complaint.first_response_at is not None:
        return []
    paused = _paused_total(complaint, calendar, now)
    complaint.first_response_at = now
    complaint.first_response_seconds = _seconds(sla.elapsed(calendar, complaint.created_at, now, paused))
    if complaint.is_paused:  # met during a pause: judge it against the deadline the pause has pushed out
        targets = sla_targets_for(complaint.severity)
        complaint.first_response_due = sla.deadline(
            calendar, complaint.created_at, targets.first_response, paused
        )
    fields = ["first_response_at", "first_response_seconds", "first_response_due"]
    if complaint.status == ComplaintStatus.OPEN:
        complaint.status = ComplaintStatus.IN_PROGRESS
        fields.append("status")
    return fields


@transaction.atomic
def complaint_acknowledge(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    """The owner's side takes the case up: the first response."""
    _require_work(actor, complaint)
    _lock(complaint)
    _require_open(complaint)
    now = now or timezone.now()
    fields = _record_first_response(complaint, now, business_calendar_get())
    if fields:
        complaint.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="complaint.acknowledge", target=complaint, summary="first response")
        notify(
            users=[watcher.user for watcher in complaint.watchers.select_related("user")],
            title=lambda: (
                _("Complaint #%(number)s is being worked on by %(owner)s")
                % {"number": complaint.pk, "owner": actor}
            ),
            url=_url(complaint),
        )
    return complaint


@transaction.atomic
def complaint_comment_add(
    *, actor: User, complaint: Complaint, text: str, now: dt.datetime | None = None
) -> ComplaintComment:
    """Anyone who sees the case may comment (the seller too); a comment of the owner's side is a response."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput.for_field("text", _("Write a comment."))
    if len(text) > 10_000:
        raise InvalidInput.for_field("text", _("At most %(limit)s characters.") % {"limit": 10_000})
    now = now or timezone.now()
    comment = ComplaintComment.objects.create(complaint=complaint, author=actor, text=text, created_at=now)
    if can_work_complaint(actor, complaint) and complaint.is_open:
        _lock(complaint)
        fields = _record_first_response(complaint, now, business_calendar_get())
        if fields:
            complaint.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, action="complaint.comment", target=complaint, summary=f"comment {comment.pk}")
    recipients = [watcher.user for watcher in complaint.watchers.select_related("user")]
    if complaint.owner is not None:
        recipients.append(complaint.owner)
    notify(
        users=[user for user in recipients if user.pk != actor.pk],
        title=lambda: (
            _("%(author)s commented on complaint #%(number)s") % {"author": actor, "number": complaint.pk}
        ),
        url=_url(complaint),
    )
    return comment


@transaction.atomic
def complaint_update(*, actor: User, complaint: Complaint, data: dict[str, Any]) -> Complaint:
    """Change the facts: title, description, severity, products, orders, the cancellation threat."""
    if not can_edit_complaint(actor, complaint):
        raise Forbidden
    _lock(complaint)
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
        _set_deadlines(complaint, calendar, _paused_total(complaint, calendar, timezone.now()))
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
                users=[*_management_users(), *([complaint.owner] if complaint.owner else [])],
                title=lambda: (
                    _("Cancellation threat: complaint #%(number)s from %(account)s")
                    % {"number": complaint.pk, "account": complaint.account.display_name}
                ),
                url=_url(complaint),
            )
    return complaint


@transaction.atomic
def complaint_assign(
    *, actor: User, complaint: Complaint, owner: User, department: Department | None = None
) -> Complaint:
    """Triage or hand over: a process owner (or management) takes the case; never the account's seller."""
    if not can_assign_complaint(actor, complaint):
        raise Forbidden
    _lock(complaint)
    _require_open(complaint)
    if not can_own_complaints(owner):
        raise InvalidInput.for_field("owner_id", _("Only a process owner or management can own a complaint."))
    if owner.pk == complaint.account.owner_id:
        raise InvalidInput.for_field(
            "owner_id", _("The seller of the account watches the case and cannot own it.")
        )
    department = department or owner.department
    before = {"owner": complaint.owner_id, "department": complaint.department_id}
    complaint.owner = owner
    complaint.department = department
    complaint.in_triage = False
    complaint.save(update_fields=["owner", "department", "in_triage", "updated_at"])
    ComplaintWatcher.objects.filter(complaint=complaint, user=owner).delete()
    audit_record(
        actor=actor,
        action="complaint.assign",
        target=complaint,
        summary=f"complaint #{complaint.pk} assigned to user {owner.pk}",
        changes={
            "owner": [before["owner"], owner.pk],
            "department": [before["department"], complaint.department_id],
        },
    )
    if owner.pk != actor.pk:
        notify(
            users=[owner],
            title=lambda: (
                _("Complaint #%(number)s from %(account)s is now yours: %(title)s") % _case_names(complaint)
            ),
            url=_url(complaint),
        )
    return complaint


@transaction.atomic
def complaint_step_update(
    *,
    actor: User,
    complaint: Complaint,
    step: str,
    data: dict[str, Any],
    now: dt.datetime | None = None,
) -> ComplaintStep:
    """Set an 8D step's owner, due date, notes, done. D3 done is the containment; any step is a response."""
    _require_work(actor, complaint)
    _lock(complaint)
    _require_open(complaint)
    if step not in EightDStep.values:
        raise InvalidInput.for_field("step", _("Unknown 8D step."))
    now = now or timezone.now()
    item = ComplaintStep.objects.select_for_update().get(complaint=complaint, step=step)
    values: dict[str, Any] = {}
    if "owner" in data:
        owner = data["owner"]
        if owner is not None and (owner.is_partner_user or not owner.is_active):
            raise InvalidInput.for_field("owner_id", _("The owner must be an active user of our company."))
        values["owner"] = owner
    if "due_date" in data:
        values["due_date"] = data["due_date"]
    if "notes" in data:
        notes = (data["notes"] or "").strip()
        if len(notes) > 10_000:
            raise InvalidInput.for_field("notes", _("At most %(limit)s characters.") % {"limit": 10_000})
        values["notes"] = notes
    if "done" in data and data["done"] is not None:
        if data["done"] and item.done_at is None:
            values["done_at"] = now
        elif not data["done"]:
            values["done_at"] = None
    changes = model_update(instance=item, fields=["owner", "due_date", "notes", "done_at"], data=values)
    calendar = business_calendar_get()
    fields = _record_first_response(complaint, now, calendar) if changes else []
    if step == EightDStep.D3 and "done_at" in changes:
        if item.done_at is not None:
            paused = _paused_total(complaint, calendar, now)
            complaint.contained_at = item.done_at
            complaint.containment_seconds = _seconds(sla.elapsed(calendar, complaint.created_at, now, paused))
            if complaint.is_paused:
                targets = sla_targets_for(complaint.severity)
                complaint.containment_due = sla.deadline(
                    calendar, complaint.created_at, targets.containment, paused
                )
        else:
            complaint.contained_at = None
            complaint.containment_seconds = None
        fields += ["contained_at", "containment_seconds", "containment_due"]
    if fields:
        complaint.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action="complaint.step",
            target=complaint,
            summary=f"complaint #{complaint.pk} {step} changed",
            changes={"step": step, **changes},
        )
        if step == EightDStep.D3 and complaint.contained_at is not None:
            notify(
                users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                title=lambda: _("Complaint #%(number)s is contained (D3 done)") % {"number": complaint.pk},
                url=_url(complaint),
            )
    return item


@transaction.atomic
def complaint_pause(
    *, actor: User, complaint: Complaint, reason: str, now: dt.datetime | None = None
) -> ComplaintPause:
    """Stop the clocks, with a reason that is logged (e.g. waiting for the customer's sample parts)."""
    _require_work(actor, complaint)
    _lock(complaint)
    _require_open(complaint)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the clocks stop."))
    if len(reason) > 500:
        raise InvalidInput.for_field("reason", _("At most %(limit)s characters.") % {"limit": 500})
    if complaint.is_paused:
        raise Conflict(_("The case is paused already."), code="paused")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            pause = ComplaintPause.objects.create(
                complaint=complaint, reason=reason, started_at=now, started_by=actor
            )
    except IntegrityError:
        raise Conflict(_("The case is paused already."), code="paused") from None
    complaint.paused_since = now
    complaint.save(update_fields=["paused_since", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.pause",
        target=complaint,
        summary=f"complaint #{complaint.pk} paused",
        changes={"reason": reason},
    )
    return pause


def _end_pause(*, actor: User, complaint: Complaint, now: dt.datetime, calendar: BusinessCalendar) -> None:
    pause = ComplaintPause.objects.select_for_update().get(complaint=complaint, ended_at__isnull=True)
    paused = calendar.business_time_between(pause.started_at, now)
    pause.ended_at = now
    pause.ended_by = actor
    pause.business_seconds = _seconds(paused)
    pause.save(update_fields=["ended_at", "ended_by", "business_seconds"])
    complaint.paused_seconds += pause.business_seconds
    complaint.paused_since = None
    _set_deadlines(complaint, calendar, dt.timedelta(seconds=complaint.paused_seconds))
    complaint.save(
        update_fields=[
            "paused_seconds",
            "paused_since",
            "first_response_due",
            "containment_due",
            "resolution_due",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="complaint.resume",
        target=complaint,
        summary=f"complaint #{complaint.pk} resumed",
        changes={"paused_business_seconds": pause.business_seconds},
    )


@transaction.atomic
def complaint_resume(*, actor: User, complaint: Complaint, now: dt.datetime | None = None) -> Complaint:
    _require_work(actor, complaint)
    _lock(complaint)
    if not complaint.is_paused:
        raise Conflict(_("The case is not paused."), code="not_paused")
    _end_pause(actor=actor, complaint=complaint, now=now or timezone.now(), calendar=business_calendar_get())
    return complaint


@transaction.atomic
def complaint_close(
    *, actor: User, complaint: Complaint, summary: str, now: dt.datetime | None = None
) -> Complaint:
    _require_work(actor, complaint)
    _lock(complaint)
    _require_open(complaint)
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput.for_field("summary", _("Describe how the case was resolved."))
    now = now or timezone.now()
    calendar = business_calendar_get()
    if complaint.is_paused:
        _end_pause(actor=actor, complaint=complaint, now=now, calendar=calendar)
    fields = _record_first_response(complaint, now, calendar)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = now
    complaint.resolution_summary = summary[:20_000]
    complaint.resolution_seconds = _seconds(
        sla.elapsed(calendar, complaint.created_at, now, dt.timedelta(seconds=complaint.paused_seconds))
    )
    complaint.save(
        update_fields=[
            *fields,
            "status",
            "closed_at",
            "resolution_summary",
            "resolution_seconds",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="complaint.close",
        target=complaint,
        summary=f"complaint #{complaint.pk} closed",
        changes={"resolution_seconds": complaint.resolution_seconds},
    )
    notify(
        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
        title=lambda: _("Complaint #%(number)s is closed") % {"number": complaint.pk},
        url=_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    _require_work(actor, complaint)
    _lock(complaint)
    if complaint.status != ComplaintStatus.CLOSED:
        raise Conflict(_("The case is open."), code="open")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the case is reopened."))
    complaint.status = ComplaintStatus.IN_PROGRESS
    complaint.closed_at = None
    complaint.resolution_seconds = None
    complaint.reopen_count += 1
    complaint.save(update_fields=["status", "closed_at", "resolution_seconds", "reopen_count", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.reopen",
        target=complaint,
        summary=f"complaint #{complaint.pk} reopened",
        changes={"reason": reason[:500]},
    )
    return complaint


@transaction.atomic
def complaint_attachment_add(*, actor: User, complaint: Complaint, upload: Any) -> ComplaintAttachment:
    """Anyone who may edit the case adds photos and PDFs; the content is checked, the name is not trusted."""
    if not can_edit_complaint(actor, complaint):
        raise Forbidden
    checked = check_upload(upload)
    attachment = _store_attachment(actor=actor, complaint=complaint, checked=checked)
    audit_record(
        actor=actor,
        action="complaint.attachment",
        target=complaint,
        summary=f"attachment {attachment.pk} ({attachment.content_type}, {attachment.size} bytes)",
    )
    return attachment


# --- escalation ------------------------------------------------------------------------------------------------


def _ladder_recipients(complaint: Complaint, level: int) -> list[User]:
    """Rung 1: the owner; rung 2: his manager, else the department head; rung 3: management.
    A case in triage has no owner: its ladder is management from the start."""
    management = _management_users()
    owner = complaint.owner
    if owner is None:
        return management
    if level == EscalationLevel.OWNER:
        return [owner]
    if level == EscalationLevel.MANAGER:
        for candidate in (owner.manager, complaint.department.head if complaint.department else None):
            if candidate is not None and candidate.is_active and candidate.pk != owner.pk:
                return [candidate]
        return management
    return management


def _escalation_title(complaint: Complaint, clock: str, level: int) -> Callable[[], str]:
    def title() -> str:
        names = {
            "number": complaint.pk,
            "account": complaint.account.display_name,
            "clock": SlaClock(clock).label,
            "level": EscalationLevel(level).label,
        }
        return _("Overdue: %(clock)s of complaint #%(number)s (%(account)s), escalated to %(level)s") % names

    return title


def complaint_escalate(*, complaint_id: int, now: dt.datetime | None = None) -> int:
    """Fire every rung that is due and has not fired. Returns how many fired.

    Each rung is one row under a unique key (complaint, clock, level), inserted in the same transaction as its
    notifications: two workers at once insert it once, the other one gets an IntegrityError and skips, and a
    crash before the commit leaves nothing behind, so the next run fires it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_related("owner", "owner__manager", "department__head", "account")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None or not complaint.is_open or complaint.is_paused:
            return 0
        calendar = business_calendar_get()
        step = sla_targets_for(complaint.severity).escalation_step
        fired = 0
        top = complaint.escalation_level
        for clock, due, met_at in (
            (SlaClock.FIRST_RESPONSE, complaint.first_response_due, complaint.first_response_at),
            (SlaClock.CONTAINMENT, complaint.containment_due, complaint.contained_at),
            (SlaClock.RESOLUTION, complaint.resolution_due, complaint.closed_at),
        ):
            if met_at is not None:
                continue
            for level in range(1, sla.escalation_level_due(calendar, due, now, step) + 1):
                try:
                    with transaction.atomic():
                        escalation = Escalation.objects.create(
                            complaint=complaint, clock=clock, level=level, fired_at=now
                        )
                except IntegrityError:
                    continue  # fired before, by this worker or another
                recipients = _ladder_recipients(complaint, level)
                escalation.recipients.set(recipients)
                notify(
                    users=recipients, title=_escalation_title(complaint, clock, level), url=_url(complaint)
                )
                if level == EscalationLevel.MANAGEMENT:
                    notify(
                        users=[watcher.user for watcher in complaint.watchers.select_related("user")],
                        title=_escalation_title(complaint, clock, level),
                        url=_url(complaint),
                    )
                audit_record(
                    actor=None,
                    action="complaint.escalate",
                    target=complaint,
                    summary=f"complaint #{complaint.pk} {clock} escalated to level {level}",
                    changes={"clock": clock, "level": level, "recipients": [user.pk for user in recipients]},
                )
                fired += 1
                top = max(top, level)
        if top > complaint.escalation_level:
            Complaint.objects.filter(pk=complaint.pk, escalation_level__lt=top).update(escalation_level=top)
    return fired


@dataclass
class EscalationRun:
    checked: int = 0
    fired: int = 0
    failed: list[int] = field(default_factory=list)


def complaint_escalations_run(*, now: dt.datetime | None = None) -> EscalationRun:
    """Escalate every open, unpaused case with an overdue clock. One failing case is logged and skipped; the
    others still escalate (the pattern of Netflix Dispatch's scheduled case jobs)."""
    now = now or timezone.now()
    overdue = (
        Complaint.objects.exclude(status=ComplaintStatus.CLOSED)
        .filter(paused_since__isnull=True)
        .filter(
            Q(first_response_at__isnull=True, first_response_due__lte=now)
            | Q(contained_at__isnull=True, containment_due__lte=now)
            | Q(closed_at__isnull=True, resolution_due__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result = EscalationRun()
    for complaint_id in list(overdue):
        result.checked += 1
        try:
            result.fired += complaint_escalate(complaint_id=complaint_id, now=now)
        except Exception:
            logger.exception("escalation of complaint %s failed", complaint_id)
            result.failed.append(complaint_id)
    return result


# --- routing rules ---------------------------------------------------------------------------------------------

RULE_FIELDS = ["category", "product_line", "plant", "department", "process_owner", "priority", "is_active"]


def _clean_rule(values: dict[str, Any], *, rule: RoutingRule | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in values.items() if key in RULE_FIELDS}
    for key in ("product_line", "plant"):
        if key in values:
            values[key] = (values[key] or "").strip()[:100]
    if "category" in values and values["category"] not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    if "department" in values and (values["department"] is None or not values["department"].is_active):
        errors["department_id"] = [_("Choose an active department.")]
    owner = values.get("process_owner")
    if owner is not None and not can_own_complaints(owner):
        errors["process_owner_id"] = [_("Only a process owner or management can own complaints.")]
    merged = {
        name: values.get(name, getattr(rule, name, None)) for name in ("category", "product_line", "plant")
    }
    active = values.get("is_active", rule.is_active if rule else True)
    if active and not errors:
        clash = RoutingRule.objects.filter(
            is_active=True,
            category=merged["category"],
            product_line__iexact=merged["product_line"] or "",
            plant__iexact=merged["plant"] or "",
        )
        if rule is not None:
            clash = clash.exclude(pk=rule.pk)
        if clash.exists():
            errors["category"] = [
                _("An active rule for this category, product line and plant exists already.")
            ]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


def _require_rules(actor: User) -> None:
    if not has_capability(actor, Capability.ROUTING_RULES_MANAGE):
        raise Forbidden


@transaction.atomic
def routing_rule_create(*, actor: User, data: dict[str, Any]) -> RoutingRule:
    _require_rules(actor)
    values = _clean_rule(data, rule=None)
    if "category" not in values or "department" not in values:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                key: [_("This field is required.")]
                for key in ("category", "department_id")
                if key not in data
            },
        )
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(**values)
    except IntegrityError:
        raise InvalidInput.for_field(
            "category", _("An active rule for this category, product line and plant exists already.")
        ) from None
    audit_record(actor=actor, action="routing_rule.create", target=rule, summary=str(rule), changes=values)
    return rule


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, data: dict[str, Any]) -> RoutingRule:
    _require_rules(actor)
    values = _clean_rule(data, rule=rule)
    try:
        with transaction.atomic():
            changes = model_update(instance=rule, fields=RULE_FIELDS, data=values)
    except IntegrityError:
        raise InvalidInput.for_field(
            "category", _("An active rule for this category, product line and plant exists already.")
        ) from None
    if changes:
        audit_record(
            actor=actor, action="routing_rule.update", target=rule, summary=str(rule), changes=changes
        )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    _require_rules(actor)
    audit_record(actor=actor, action="routing_rule.delete", target=rule, summary=str(rule))
    rule.delete()


# --- watchers ----------------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_watcher_add(*, actor: User, complaint: Complaint, user: User) -> ComplaintWatcher:
    """Keep someone informed about the case (notified, may comment). The owner's side and management decide;
    the account's seller is a watcher from the start."""
    if not can_manage_watchers(actor, complaint):
        raise Forbidden
    _lock(complaint)
    if not user.is_active or not is_internal(user):
        raise InvalidInput.for_field("user_id", _("Only active users of our company can watch a complaint."))
    if user.pk == complaint.owner_id:
        raise InvalidInput.for_field("user_id", _("The process owner owns the case and is not a watcher."))
    if ComplaintWatcher.objects.filter(complaint=complaint, user=user).exists():
        raise Conflict(_("%(user)s watches this case already.") % {"user": user})
    watcher = ComplaintWatcher.objects.create(complaint=complaint, user=user, reason=WatcherReason.ADDED)
    audit_record(
        actor=actor,
        action="complaint.watcher_add",
        target=complaint,
        summary=f"user {user.pk} watches complaint #{complaint.pk}",
        changes={"watcher": user.pk},
    )
    if user.pk != actor.pk:
        notify(
            users=[user],
            title=lambda: (
                _("You are informed about complaint #%(number)s from %(account)s: %(title)s")
                % _case_names(complaint)
            ),
            url=_url(complaint),
        )
    return watcher


@transaction.atomic
def complaint_watcher_remove(*, actor: User, complaint: Complaint, user: User) -> None:
    """Stop informing someone. The account's seller stays: sales is kept informed about its customer's case."""
    if not can_manage_watchers(actor, complaint):
        raise Forbidden
    _lock(complaint)
    watcher = ComplaintWatcher.objects.filter(complaint=complaint, user=user).first()
    if watcher is None:
        raise NotFound
    if watcher.reason == WatcherReason.SELLER or user.pk == complaint.account.owner_id:
        raise Conflict(_("The seller of the account stays informed about the case."))
    watcher.delete()
    audit_record(
        actor=actor,
        action="complaint.watcher_remove",
        target=complaint,
        summary=f"user {user.pk} no longer watches complaint #{complaint.pk}",
        changes={"watcher": user.pk},
    )


# --- SLA policies ------------------------------------------------------------------------------------------------

SLA_POLICY_FIELDS = ["first_response_hours", "containment_hours", "resolution_hours", "escalation_step_hours"]
SLA_MAX_HOURS = 9 * 250  # a year of business days; PositiveSmallIntegerField holds it with room


def _clean_sla_targets(values: dict[str, Any]) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, int] = {}
    for name in SLA_POLICY_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            errors[name] = [_("This field is required.")]
            continue
        try:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            errors[name] = [_("Enter a whole number of business hours.")]
            continue
        if number < 1:
            errors[name] = [_("At least one business hour.")]
        elif number > SLA_MAX_HOURS:
            errors[name] = [_("At most %(limit)s business hours.") % {"limit": SLA_MAX_HOURS}]
        else:
            cleaned[name] = number
    first, containment, resolution = (
        cleaned.get("first_response_hours"),
        cleaned.get("containment_hours"),
        cleaned.get("resolution_hours"),
    )
    if first is not None and containment is not None and first > containment:
        errors.setdefault("containment_hours", []).append(
            _("Containment cannot be due before the first response.")
        )
    if containment is not None and resolution is not None and containment > resolution:
        errors.setdefault("resolution_hours", []).append(_("Resolution cannot be due before containment."))
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return cleaned


@transaction.atomic
def sla_policy_set(*, actor: User, severity: str, data: dict[str, Any]) -> SlaPolicy:
    """Set the targets (business hours) for one severity. They apply to cases created from now on; running
    cases keep the deadlines they were given."""
    if not has_capability(actor, Capability.SLA_POLICIES_MANAGE):
        raise Forbidden
    if severity not in Severity.values:
        raise InvalidInput.for_field("severity", _("Choose a severity."))
    values = _clean_sla_targets(data)
    policy = SlaPolicy.objects.select_for_update().filter(severity=severity).first()
    if policy is None:
        before = sla.DEFAULT_TARGETS[severity]
        previous = {
            "first_response_hours": int(before.first_response.total_seconds() // 3600),
            "containment_hours": int(before.containment.total_seconds() // 3600),
            "resolution_hours": int(before.resolution.total_seconds() // 3600),
            "escalation_step_hours": int(before.escalation_step.total_seconds() // 3600),
        }
        try:
            with transaction.atomic():
                policy = SlaPolicy.objects.create(severity=severity, **values)
        except IntegrityError:  # created by someone else just now: update that row instead
            policy = SlaPolicy.objects.select_for_update().get(severity=severity)
            previous = {name: getattr(policy, name) for name in SLA_POLICY_FIELDS}
            model_update(instance=policy, fields=SLA_POLICY_FIELDS, data=values)
        changes = {
            name: [previous[name], values[name]]
            for name in SLA_POLICY_FIELDS
            if previous[name] != values[name]
        }
    else:
        changes = model_update(instance=policy, fields=SLA_POLICY_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="sla_policy.update",
            target=policy,
            summary=str(Severity(severity).label),
            changes=changes,
        )
    return policy
