"""Marketing and sales: pulse survey, materials and campaigns, ideal customer profile, exchanges.

The pulse survey is anonymous by construction (docs/adr/0401-survey-anonymity.md): there is no row per answer.
An answer increments counters (`SurveyTally`: survey, item, group, value → count) that exist before the first
answer, and `SurveyParticipation` says only that a user has answered (no time, no group, no values).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.alignment.enums import (
    CampaignPhase,
    ExchangeKind,
    ExchangeSide,
    IcpCriterionKind,
    SurveyGroup,
    SurveyStatus,
)

LIKERT_VALUES = (1, 2, 3, 4, 5)
MIN_GROUP_SIZE_FLOOR = 3


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum answers per group"),
        default=5,
        help_text=_("Results of a group are shown only from this many answers (never below 3)."),
    )
    # days only: nothing about a survey is more precise than the day
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("pulse survey")
        verbose_name_plural = _("pulse surveys")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="alignment_one_survey_per_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="alignment_survey_quarter_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR), name="alignment_survey_min_group_size"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return f"{self.year}-Q{self.quarter}"


class SurveyItem(models.Model):
    """A Likert item (1 = strongly disagree … 5 = strongly agree). `code` ties an item across quarters."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("statement"), max_length=300)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="alignment_item_code_unique_in_survey"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyTally(models.Model):
    """How many of a group gave `value` to an item. Created for every combination when the survey opens; an answer
    only adds one to existing rows, so the table holds counts, never an answer, and no insertion order."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tallies")
    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="tallies")
    group = models.CharField(max_length=16, choices=SurveyGroup.choices)
    value = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "group", "value"], name="alignment_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.group}/{self.value}"


class SurveyParticipation(models.Model):
    """That a user has answered a survey: to refuse a second answer and to remind the others. Nothing else — no
    time, no group, no values — so it cannot be joined with the tallies."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="alignment_answer_once"),
        ]

    def __str__(self) -> str:
        return f"survey {self.survey_id}"


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("launch"))
    ends_on = models.DateField(_("end"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="alignment_campaign_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
    )
    link = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to="alignment/materials/%Y/%m/", blank=True, max_length=300)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title


class MaterialFeedback(models.Model):
    """What a seller thinks of a material, in the campaign's phase when he wrote it; marketing answers."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="feedback")
    material_version = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(_("phase"), max_length=10, choices=CampaignPhase.choices)
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    used_with_customer = models.BooleanField(_("used with a customer"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="alignment_feedback_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material_id}: {self.rating}/5"


class IcpVersion(models.Model):
    """One version of the ideal customer profile; valid from `valid_from` until the next version."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    target_threshold = models.PositiveSmallIntegerField(
        _("in the target group from score"),
        default=60,
        help_text=_("Fit score (0-100) from which an account is in the target group."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-number"]
        verbose_name = _("ICP version")
        verbose_name_plural = _("ICP versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_threshold__gte=1, target_threshold__lte=100),
                name="alignment_icp_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"ICP v{self.number}"


class IcpCriterion(models.Model):
    version = models.ForeignKey(IcpVersion, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(_("criterion"), max_length=16, choices=IcpCriterionKind.choices)
    # industry: industries; region: ISO country codes or country-postal prefixes ("DE-7"), comma-separated
    values = models.CharField(_("values"), max_length=500, blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=16, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=16, decimal_places=2, null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="alignment_icp_one_criterion_per_kind"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=10), name="alignment_icp_weight"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.weight})"


class Exchange(models.Model):
    """A job-rotation day or a ride-along: the guest spends a day with the host's department."""

    kind = models.CharField(_("kind"), max_length=16, choices=ExchangeKind.choices)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("host"), on_delete=models.PROTECT, related_name="+"
    )
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guest"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    accounts = models.ManyToManyField(
        "accounts.Account", verbose_name=_("accounts visited"), blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    # computed when the visits are recorded: the share of visited accounts among the host's top accounts by revenue
    top_account_share = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    representative = models.BooleanField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(host=models.F("guest")), name="alignment_exchange_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


class ExchangeFeedback(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="feedback")
    side = models.CharField(_("side"), max_length=8, choices=ExchangeSide.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how useful (1-5)"))
    text = models.TextField(_("feedback"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["side"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "side"], name="alignment_exchange_feedback_once_per_side"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="alignment_exchange_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange_id}: {self.side}"


class CampaignLead(models.Model):
    """A marketing-qualified lead (MQL) handed to sales: co-selling's lead (source marketing), the campaign it came
    from, and what the ideal customer profile needs to score it (the lead itself holds name and address only)."""

    lead = models.OneToOneField("coselling.Lead", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("marketing-qualified lead")
        verbose_name_plural = _("marketing-qualified leads")

    def __str__(self) -> str:
        return f"MQL {self.lead_id}"
