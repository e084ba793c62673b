"""Leads (both ways, and later marketing's) and deal registrations (issue 12, deliverables 3 and 4)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.core.money import MAX_DIGITS
from handschlag.coselling.lead_enums import (
    ACTIVE_REGISTRATION_STATUSES,
    DEFAULT_PROTECTION_DAYS,
    AccountResolution,
    ExtensionStatus,
    LeadDeclineReason,
    LeadDirection,
    LeadSource,
    LeadStatus,
    RegistrationStatus,
)


class Lead(models.Model):
    """A company handed on for someone else to sell to: by a partner to us, by us to a partner, or (a later
    issue) by marketing to sales — one object, told apart by `source`.

    The receiver is a partner (`direction` to_partner) or our side: a person (`receiver_user`), else anybody who
    works leads. The contact (name, e-mail, phone) is shown to the receiver only after he accepted. The company is
    resolved against our accounts by the matching engine when the lead is offered (`resolved_account`); what it
    found (customer, open opportunity, owner) is shown to our people, never to a partner.
    """

    direction = models.CharField(_("direction"), max_length=10, choices=LeadDirection.choices)
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices)
    partner = models.ForeignKey(
        "alliances.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.OFFERED
    )
    company_name = models.CharField(_("company"), max_length=200)
    company_key = models.CharField(max_length=200, editable=False)
    company_domain = models.CharField(_("domain"), max_length=253, blank=True)
    company_street = models.CharField(_("street"), max_length=200, blank=True)
    company_postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    company_city = models.CharField(_("city"), max_length=100, blank=True)
    company_country = models.CharField(_("country"), max_length=2, blank=True)
    product_line = models.ForeignKey(
        "coselling.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    need = models.TextField(_("what the customer needs"), blank=True)
    estimated_amount = models.DecimalField(
        _("estimated amount (EUR)"), max_digits=MAX_DIGITS, decimal_places=2, null=True, blank=True
    )
    contact_name = models.CharField(_("contact"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    offered_by = models.ForeignKey(
        "core.User", verbose_name=_("offered by"), on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(_("offered at"))
    respond_by = models.DateTimeField(_("decision due"))
    receiver_user = models.ForeignKey(
        "core.User",
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receiver_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("receiving department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason"), max_length=30, choices=LeadDeclineReason.choices, blank=True
    )
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    resolved_account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("our account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_score = models.FloatField(null=True, blank=True)
    opportunity = models.ForeignKey(
        "coselling.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            # a partner offers (or is offered) one company once while a lead on it is open
            models.UniqueConstraint(
                fields=["partner", "company_key"],
                condition=Q(status=LeadStatus.OFFERED, partner__isnull=False),
                name="one_open_lead_per_partner_company",
            ),
            models.UniqueConstraint(
                fields=["source", "company_key"],
                condition=Q(status=LeadStatus.OFFERED, partner__isnull=True),
                name="one_open_internal_lead_per_company",
            ),
            models.CheckConstraint(
                condition=Q(estimated_amount__isnull=True) | Q(estimated_amount__gte=0),
                name="lead_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(source=LeadSource.MARKETING) | Q(partner__isnull=False),
                name="lead_partner_unless_marketing",
            ),
            models.CheckConstraint(
                condition=Q(respond_by__gte=models.F("offered_at")), name="lead_due_after_offer"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "respond_by"]),
            models.Index(fields=["partner", "direction", "offered_at"]),
        ]

    def __str__(self) -> str:
        return self.company_name

    @property
    def is_open(self) -> bool:
        return self.status == LeadStatus.OFFERED


class DealRegistration(models.Model):
    """A partner's claim on a deal: this account, this product line, protected for a while once approved.

    One registration at a time holds an account and product line (pending or approved: the database refuses a
    second one). A registration whose company the engine could not find among our accounts proposes a new one
    (`account` empty, `resolution` proposed_new); the approver picks or creates the account before approving.
    """

    partner = models.ForeignKey(
        "alliances.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="deal_registrations",
    )
    registered_by = models.ForeignKey(
        "core.User", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.CharField(_("account resolution"), max_length=12, choices=AccountResolution.choices)
    resolution_score = models.FloatField(null=True, blank=True)
    company_name = models.CharField(_("company"), max_length=200)
    company_domain = models.CharField(_("domain"), max_length=253, blank=True)
    company_street = models.CharField(_("street"), max_length=200, blank=True)
    company_postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    company_city = models.CharField(_("city"), max_length=100, blank=True)
    company_country = models.CharField(_("country"), max_length=2, blank=True)
    product_line = models.ForeignKey(
        "coselling.ProductLine",
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="deal_registrations",
    )
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=MAX_DIGITS, decimal_places=2)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    protection_days = models.PositiveSmallIntegerField(
        _("protection (days)"), default=DEFAULT_PROTECTION_DAYS
    )
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    extension_status = models.CharField(
        _("extension"),
        max_length=10,
        choices=ExtensionStatus.choices,
        blank=True,
        default=ExtensionStatus.NONE,
    )
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    extension_decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    extension_decided_at = models.DateTimeField(null=True, blank=True)
    extension_decision_reason = models.CharField(max_length=500, blank=True)

    opportunity = models.ForeignKey(
        "coselling.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "product_line"],
                condition=Q(status__in=ACTIVE_REGISTRATION_STATUSES, account__isnull=False),
                name="one_active_registration_per_account_product_line",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="registration_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.APPROVED)
                | (Q(protected_until__isnull=False) & Q(account__isnull=False)),
                name="approved_registration_is_protected",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "protected_until"]),
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["account", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REGISTRATION_STATUSES
