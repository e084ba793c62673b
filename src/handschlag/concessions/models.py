"""The concession ledger (DESIGN §3.5): what we gave, what it is worth in EUR, what we got in return, and the
approval state beside it (it never blocks the normal work). Plus the organisation's settings, the approval limits
per role and the delegations of approvers while absent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.concessions.enums import (
    ON_INVOICE_KINDS,
    ApprovalStatus,
    ConcessionKind,
    ConcessionReason,
    GetKind,
    GetStatus,
)
from handschlag.core.money import MAX_DIGITS


class ConcessionSettings(models.Model):
    """One row (pk 1): the figures the organisation sets. Defaults are sensible German ones."""

    interest_rate_percent = models.DecimalField(
        _("interest rate per year (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("6.00"),
        help_text=_("Values longer payment terms: list value * rate * extra days / 360."),
    )
    period_days = models.PositiveIntegerField(
        _("approval period (days)"),
        default=90,
        help_text=_("Concessions to one account within this many days count together against the limits."),
    )
    edit_tolerance_percent = models.DecimalField(
        _("tolerance for changes (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        help_text=_("An approved entry raised by more than this needs approval again."),
    )
    trap_min_years = models.PositiveIntegerField(_("long relationship from (years)"), default=3)
    trap_max_complaints = models.PositiveIntegerField(
        _("friendly: at most this many complaints in a year"), default=1
    )
    trap_max_coverage_percent = models.DecimalField(
        _("few returns: give-get coverage below (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("concession settings")
        verbose_name_plural = _("concession settings")

    def __str__(self) -> str:
        return str(_("Concession settings"))


class ApprovalLimit(models.Model):
    """What a role may grant (or approve) alone: a value in EUR and a percent of the list value; empty = no limit.

    A role without a row may grant nothing alone: every entry by such a user waits for an approver.
    """

    role = models.CharField(_("role"), max_length=20, unique=True)
    max_value = models.DecimalField(
        _("limit (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, null=True, blank=True
    )
    max_percent = models.DecimalField(
        _("limit (% of list value)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_value__isnull=True) | Q(max_value__gte=0),
                name="approval_limit_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_percent__isnull=True) | (Q(max_percent__gte=0) & Q(max_percent__lte=100)),
                name="approval_limit_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.role


class ApprovalDelegation(models.Model):
    """While the delegator is absent (start to end, both days included) the delegate decides in his place."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concession_delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concession_delegations_received"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_period_order"
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Concession(models.Model):
    """One entry of the ledger: a give (kind, value in EUR, reason) and its get (what the customer gives back)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="concessions")
    order = models.ForeignKey(
        "accounts.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="concessions"
    )
    opportunity = models.ForeignKey(
        "coselling.Opportunity", on_delete=models.SET_NULL, null=True, blank=True, related_name="concessions"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_on = models.DateField(_("granted on"))
    kind = models.CharField(_("kind"), max_length=20, choices=ConcessionKind.choices)
    list_value = models.DecimalField(_("list value (EUR)"), max_digits=MAX_DIGITS, decimal_places=2)
    percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, null=True, blank=True
    )
    extra_days = models.PositiveIntegerField(_("extra payment days"), null=True, blank=True)
    interest_rate_percent = models.DecimalField(
        _("interest rate used (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    value = models.DecimalField(_("value (EUR)"), max_digits=MAX_DIGITS, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=30, choices=ConcessionReason.choices)
    note = models.TextField(_("note"), blank=True)
    get_kind = models.CharField(_("what we get in return"), max_length=30, choices=GetKind.choices)
    get_description = models.TextField(_("return, described"), blank=True)
    get_value = models.DecimalField(
        _("value of the return (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, null=True, blank=True
    )
    get_due_on = models.DateField(_("return due on"), null=True, blank=True)
    get_status = models.CharField(
        _("return status"), max_length=20, choices=GetStatus.choices, default=GetStatus.PENDING
    )
    nothing_reason = models.TextField(_("why nothing in return"), blank=True)
    # approval: a state of its own beside the entry
    approval_status = models.CharField(
        _("approval"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.NOT_NEEDED
    )
    basis_value = models.DecimalField(
        _("value counted against the limit (EUR)"),
        max_digits=MAX_DIGITS,
        decimal_places=2,
        default=Decimal("0"),
    )
    basis_percent = models.DecimalField(
        _("percent counted against the limit"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    approved_value = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    rejected_fingerprint = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("concession")
        verbose_name_plural = _("concessions")
        constraints = [
            models.CheckConstraint(condition=Q(list_value__gt=0), name="concession_list_value_positive"),
            models.CheckConstraint(condition=Q(value__gte=0), name="concession_value_not_negative"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                name="concession_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(get_value__isnull=True) | Q(get_value__gte=0),
                name="concession_get_value_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(get_kind=GetKind.NOTHING) | ~Q(nothing_reason=""),
                name="concession_nothing_needs_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "granted_on"]),
            models.Index(fields=["approval_status"]),
            # the list's default order (newest first): read backwards, no sort of the whole ledger
            models.Index(fields=["granted_on", "id"], name="concession_granted_id_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def on_invoice(self) -> bool:
        return self.kind in ON_INVOICE_KINDS

    @property
    def has_return(self) -> bool:
        return self.get_kind != GetKind.NOTHING

    def get_status_on(self, day: dt.date) -> str:
        """The return's status on a day: pending past its due date reads overdue."""
        if not self.has_return:
            return GetStatus.NONE
        if self.get_status == GetStatus.PENDING and self.get_due_on is not None and self.get_due_on < day:
            return GetStatus.OVERDUE
        return self.get_status
