"""Opportunities, their pipeline and stage history, partner involvement and incentive plans (issue 12)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.core.money import MAX_DIGITS
from handschlag.coselling.enums import (
    InvolvementReason,
    InvolvementRole,
    OpportunitySource,
    OpportunityStatus,
    RescueReason,
    StageKind,
)


class ProductLine(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Pipeline(models.Model):
    """A sales pipeline: its ordered stages and when a partner's entry counts as a rescue.

    `rescue_after_stage`: a partner who comes in at a stage later than this one makes the deal a rescue deal
    (docs/adr/0310). Empty: only "at risk" or "lost" before the partner came in make a rescue.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    rescue_after_stage = models.ForeignKey(
        "coselling.PipelineStage",
        verbose_name=_("rescue after stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A partner who comes in later than this stage turns the deal into a rescue deal."),
    )

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PipelineStage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "position"], name="stage_position_unique"),
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class Opportunity(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        "accounts.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="opportunities"
    )
    title = models.CharField(_("title"), max_length=200)
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, default=Decimal("0")
    )
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    stage = models.ForeignKey(
        PipelineStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    status = models.CharField(
        _("status"), max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    at_risk = models.BooleanField(_("at risk"), default=False)
    at_risk_reason = models.CharField(_("why at risk"), max_length=300, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=12, choices=OpportunitySource.choices, default=OpportunitySource.MANUAL
    )
    stage_entered_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="opportunity_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "account"]),
            models.Index(fields=["account", "product_line", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["stage", "-created_at"]),
            models.Index(fields=["stage", "expected_close_date", "id"], name="opportunity_board_cards"),
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["status", "closed_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    """One move of an opportunity between stages; the first row (from_stage empty) is its creation."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reopened = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["opportunity", "changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"


class RiskChange(models.Model):
    """The at-risk flag set or cleared, kept so that rescue detection can read when a deal was at risk."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="risk_changes")
    at_risk = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["opportunity", "changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.at_risk}"


class PartnerInvolvement(models.Model):
    """A partner on an opportunity. Stage at entry and rescue are computed by the service from the history."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="involvements")
    partner = models.ForeignKey(
        "alliances.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="involvements"
    )
    role = models.CharField(_("role"), max_length=10, choices=InvolvementRole.choices)
    reason = models.CharField(
        _("why the partner came in"),
        max_length=10,
        choices=InvolvementReason.choices,
        default=InvolvementReason.NEW,
    )
    joined_at = models.DateTimeField(_("came in on"))
    stage_at_entry = models.ForeignKey(
        PipelineStage, verbose_name=_("stage at entry"), on_delete=models.PROTECT, related_name="+"
    )
    rescue_reason = models.CharField(
        _("rescue"), max_length=10, choices=RescueReason.choices, blank=True, default=RescueReason.NONE
    )
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["opportunity", "joined_at", "id"]
        verbose_name = _("partner involvement")
        verbose_name_plural = _("partner involvements")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "partner"], name="one_involvement_per_partner"),
        ]
        indexes = [
            models.Index(fields=["partner", "opportunity"]),
            # the partner portal's joint opportunities, the latest first
            models.Index(fields=["partner", "-joined_at", "-id"], name="coselling_involvement_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} on {self.opportunity_id}"

    @property
    def is_rescue(self) -> bool:
        return bool(self.rescue_reason)


class IncentivePlan(models.Model):
    """What the seller and the partner earn under one agreement (percentages of the deal amount)."""

    agreement = models.OneToOneField(
        "alliances.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="incentives",
    )
    seller_commission_percent = models.DecimalField(
        _("seller commission (%)"),
        default=Decimal("3.00"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    sourced_multiplier = models.DecimalField(
        _("multiplier for partner-sourced deals"),
        default=Decimal("1.50"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    influenced_multiplier = models.DecimalField(
        _("multiplier for partner-influenced deals"),
        default=Decimal("1.20"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    seller_credit_percent = models.DecimalField(
        _("seller's credit on joint deals (%)"),
        default=Decimal("100.00"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Split rule: the share of a joint deal's amount credited to our seller."),
    )
    referral_fee_percent = models.DecimalField(
        _("partner's referral fee (%)"),
        default=Decimal("0.00"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Paid by the partner for a deal we pass to him as a referral."),
    )
    seller_referral_share_percent = models.DecimalField(
        _("seller's share of the referral fee (%)"),
        default=Decimal("50.00"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    commission_cap = models.DecimalField(
        _("cap on the seller's commission per deal (EUR)"),
        max_digits=MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    referral_fee_cap = models.DecimalField(
        _("cap on the referral fee per deal (EUR)"),
        max_digits=MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(seller_commission_percent__gte=0)
                & Q(sourced_multiplier__gte=0)
                & Q(influenced_multiplier__gte=0)
                & Q(referral_fee_percent__gte=0)
                & Q(seller_credit_percent__gte=0)
                & Q(seller_referral_share_percent__gte=0),
                name="incentive_rates_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.agreement_id)
