"""Complaints (Reklamationen): the case, its routing, SLA clocks, 8D steps, pauses and escalations."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
from handschlag.core.money import MAX_DIGITS


class RoutingRule(models.Model):
    """Category (and optionally product line and plant) → department → process owner.

    The most specific active rule wins (product line and plant both set, then one, then neither); ties go to the
    lower priority number. A blank process owner means the department's head.
    """

    category = models.CharField(_("category"), max_length=32, choices=ComplaintCategory.choices)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    plant = models.CharField(_("plant"), max_length=100, blank=True)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    process_owner = models.ForeignKey(
        "core.User",
        verbose_name=_("process owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the head of the department."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "product_line", "plant"],
                condition=Q(is_active=True),
                name="routing_rule_unique_active",
            ),
        ]

    def __str__(self) -> str:
        scope = " / ".join(part for part in (self.product_line, self.plant) if part)
        return f"{self.get_category_display()}{' (' + scope + ')' if scope else ''} → {self.department}"


class SlaPolicy(models.Model):
    """Targets in business hours for one severity. Without a row the defaults of `sla.DEFAULT_TARGETS` hold."""

    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, unique=True)
    first_response_hours = models.PositiveSmallIntegerField(_("first response (business hours)"))
    containment_hours = models.PositiveSmallIntegerField(_("containment (business hours)"))
    resolution_hours = models.PositiveSmallIntegerField(_("resolution (business hours)"))
    escalation_step_hours = models.PositiveSmallIntegerField(
        _("escalation step (business hours)"),
        help_text=_("Time between the rungs of the escalation ladder once a clock is overdue."),
    )

    class Meta:
        ordering = ["severity"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(escalation_step_hours__gte=1), name="sla_step_at_least_one_hour"
            ),
        ]

    def __str__(self) -> str:
        return self.get_severity_display()


class Complaint(models.Model):
    account = models.ForeignKey(
        "accounts.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="complaints"
    )
    reporter = models.ForeignKey(
        "core.User", verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=32, choices=ComplaintCategory.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    plant = models.CharField(_("plant"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    orders = models.ManyToManyField(
        "accounts.Order", verbose_name=_("orders"), blank=True, related_name="complaints"
    )

    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("process owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_complaints",
    )
    routing_rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL)
    in_triage = models.BooleanField(_("in management triage"), default=False)

    cancellation_threat = models.BooleanField(_("customer threatens to cancel"), default=False)
    cancellation_deadline = models.DateTimeField(_("cancellation deadline"), null=True, blank=True)
    deadline_alert_at = models.DateTimeField(
        _("alert ahead of the cancellation deadline"),
        null=True,
        blank=True,
        help_text=_("When owner and management are alerted if the case still has no first response."),
    )
    threat_scope = models.CharField(
        _("threatened orders"),
        max_length=24,
        choices=ThreatScope.choices,
        default=ThreatScope.ALL_OPEN_ORDERS,
    )
    revenue_at_risk = models.DecimalField(
        _("revenue at risk (EUR)"), max_digits=MAX_DIGITS + 2, decimal_places=2, default=0
    )

    is_repeat = models.BooleanField(_("repeat"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    earlier_cases = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="later_cases", verbose_name=_("earlier cases")
    )

    first_response_due = models.DateTimeField(_("first response due"))
    containment_due = models.DateTimeField(_("containment due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    containment_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused business seconds"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    resolution_summary = models.TextField(_("resolution"), blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(cancellation_threat=True) | Q(cancellation_deadline__isnull=True),
                name="complaint_deadline_needs_threat",
            ),
            models.CheckConstraint(condition=Q(revenue_at_risk__gte=0), name="complaint_risk_not_negative"),
            models.CheckConstraint(
                condition=Q(in_triage=False) | Q(owner__isnull=True), name="complaint_triage_has_no_owner"
            ),
            models.CheckConstraint(
                condition=Q(cancellation_deadline__isnull=False) | Q(deadline_alert_at__isnull=True),
                name="complaint_alert_needs_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["cancellation_threat", "status"]),
            # the open cases (a few percent of them all): home pages, queues, escalations, clocks read only these
            models.Index(
                fields=["owner", "resolution_due"],
                condition=~Q(status=ComplaintStatus.CLOSED),
                name="complaint_open_owner",
            ),
            models.Index(
                fields=["-escalation_level", "resolution_due", "id"],
                condition=~Q(status=ComplaintStatus.CLOSED),
                name="complaint_open_escalated",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != ComplaintStatus.CLOSED

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class ComplaintWatcher(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="watched_complaints")
    reason = models.CharField(max_length=16, choices=WatcherReason.choices, default=WatcherReason.ADDED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "user"], name="complaint_watcher_once")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.complaint_id}"


class ComplaintComment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


def attachment_upload_path(instance: ComplaintAttachment, filename: str) -> str:
    """A generated name; the uploader's file name is kept only as data, never as a path."""
    return f"complaints/{instance.uuid.hex}{instance.extension}"


class ComplaintAttachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
            self.content_type, ""
        )

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ComplaintStep(models.Model):
    """One of the eight disciplines (8D) on a case, with owner, due date and completion."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=2, choices=EightDStep.choices)
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    out_of_order_reason = models.TextField(_("reason for completing out of order"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["complaint", "step"], name="complaint_step_once")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.step}"


class ComplaintPause(models.Model):
    """A stop of the SLA clocks (e.g. waiting for the customer's sample), always with a reason."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=500)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    business_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(ended_at__isnull=True), name="complaint_one_open_pause"
            ),
        ]

    def __str__(self) -> str:
        return self.reason


class Escalation(models.Model):
    """One rung of the ladder fired for one clock. The unique key makes it fire once, whatever runs it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    clock = models.CharField(max_length=16, choices=SlaClock.choices)
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    recipients = models.ManyToManyField("core.User", blank=True, related_name="+")
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "clock", "level"], name="escalation_once_per_rung"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.clock} L{self.level}"
