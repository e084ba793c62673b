from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from handschlag.alliances.enums import (
    AgreementStatus,
    FitCategory,
    OfferStatus,
    PartnerStatus,
    PartnerTier,
    PartnerType,
)
from handschlag.core.money import MAX_DIGITS


def new_mapping_secret() -> str:
    """The key both sides encode their lists with (docs/adr/0301). 256 bits, URL-safe text."""
    return secrets.token_urlsafe(32)


class Partner(models.Model):
    """A partner company. Its users live on the core Organisation (kind partner).

    The name is kept here as well as on the Organisation (the services write both), so that the database itself
    keeps partner names unique regardless of case: two people creating "Nordlicht GmbH" and "nordlicht gmbh" at
    the same moment get one partner and one 409.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation = models.OneToOneField(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="partner"
    )
    partner_type = models.CharField(_("type"), max_length=30, choices=PartnerType.choices)
    tier = models.CharField(
        _("tier"), max_length=20, choices=PartnerTier.choices, default=PartnerTier.REGISTERED
    )
    website = models.CharField(_("website"), max_length=253, blank=True)
    description = models.TextField(_("what they do"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    manager = models.ForeignKey(
        "core.User",
        verbose_name=_("partner manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [models.UniqueConstraint(Lower("name"), name="partner_name_unique_ignoring_case")]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """What we agreed with a partner: scope, term, joint targets, incentive plan, value proposition, opt-ins."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    scope = models.TextField(
        _("scope"), blank=True, help_text=_("Products, regions and customer groups it covers.")
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    leads_to_us_per_quarter = models.PositiveIntegerField(_("leads per quarter from the partner"), default=0)
    leads_to_partner_per_quarter = models.PositiveIntegerField(
        _("leads per quarter to the partner"), default=0
    )
    joint_pipeline_target = models.DecimalField(
        _("joint pipeline target (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, default=0
    )
    joint_wins_target = models.PositiveIntegerField(_("joint wins per year"), default=0)
    incentive_plan = models.TextField(_("incentive plan"), blank=True)
    value_proposition = models.TextField(
        _("value proposition"),
        blank=True,
        help_text=_("How our sellers present the partnership to customers, in plain words."),
    )
    value_proposition_version = models.PositiveIntegerField(default=0)
    mapping_secret = models.CharField(max_length=64, default=new_mapping_secret, editable=False)
    home_opt_in_at = models.DateTimeField(null=True, blank=True)
    home_opt_in_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner_opt_in_at = models.DateTimeField(null=True, blank=True)
    partner_opt_in_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner__organisation__name", "-starts_on", "id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(status="active"), name="one_active_agreement_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(joint_pipeline_target__gte=0), name="agreement_pipeline_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def both_opted_in(self) -> bool:
        """Double opt-in: nothing of a mapping is shown to anyone before both sides agreed to the rules."""
        return self.home_opt_in_at is not None and self.partner_opt_in_at is not None

    @property
    def has_joint_targets(self) -> bool:
        return bool(
            self.leads_to_us_per_quarter
            or self.leads_to_partner_per_quarter
            or self.joint_pipeline_target
            or self.joint_wins_target
        )


class FitCriterion(models.Model):
    """A weighted criterion of the fit scorecard; one list for the whole organisation, weights editable."""

    name = models.CharField(_("criterion"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=FitCategory.choices)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("fit criterion")
        verbose_name_plural = _("fit criteria")
        constraints = [models.CheckConstraint(condition=Q(weight__lte=10), name="fit_weight_at_most_ten")]

    def __str__(self) -> str:
        return self.name


class FitRating(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="fit_ratings")
    criterion = models.ForeignKey(FitCriterion, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("score (0-5)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "criterion"], name="one_rating_per_partner_criterion"),
            models.CheckConstraint(condition=Q(score__lte=5), name="fit_score_at_most_five"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Offer(models.Model):
    """An inbound partnership proposal waiting for triage (source 000)."""

    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    received_on = models.DateField(_("received on"))
    summary = models.TextField(_("what they propose"), blank=True)
    gives = models.JSONField(_("what they offer"), default=list, blank=True)
    asks = models.JSONField(_("what they ask"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OfferStatus.choices, default=OfferStatus.NEW
    )
    decision_note = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("partnership offer")
        verbose_name_plural = _("partnership offers")
        indexes = [models.Index(fields=["status", "received_on"])]

    def __str__(self) -> str:
        return self.company_name


class ValuePropositionAcknowledgement(models.Model):
    """A customer-facing user has read one version of an agreement's value proposition. Append-only."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="value_proposition_acknowledgements"
    )
    version = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user", "version"], name="one_acknowledgement_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.agreement} v{self.version}"


class EnablementReminder(models.Model):
    """An in-app reminder to read a value proposition; also sent by e-mail when the user has an address."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="enablement_reminders")
    sent_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"reminder {self.agreement} → {self.user}"
