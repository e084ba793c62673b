from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.mapping.enums import MappingSource, MappingStatus, MatchVerdict, Population, SharingLevel


class SharingRule(models.Model):
    """What the partner of an agreement may learn about the overlap with one population of our accounts.

    A population without a rule is hidden. Changing a rule withdraws both opt-ins (docs/adr/0301).
    """

    agreement = models.ForeignKey(
        "alliances.Agreement", on_delete=models.CASCADE, related_name="sharing_rules"
    )
    population = models.CharField(_("our population"), max_length=20, choices=Population.choices)
    level = models.CharField(
        _("level"), max_length=10, choices=SharingLevel.choices, default=SharingLevel.HIDDEN
    )
    fields = models.JSONField(_("shared fields"), default=list, blank=True)

    class Meta:
        ordering = ["agreement", "population"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "population"], name="one_sharing_rule_per_population"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.population}: {self.level}"


MIN_CELL_SIZE_FLOOR = 3
MIN_CELL_SIZE_DEFAULT = 5
MIN_LIST_RECORDS_FLOOR = 10
MIN_LIST_RECORDS_DEFAULT = 20
COUNT_RELEASE_DAYS_FLOOR = 7
COUNT_RELEASE_DAYS_DEFAULT = 30


class MappingSettings(models.Model):
    """How the counts of an agreement's mappings are protected before a partner sees them (docs/adr/0305).

    One row per agreement, created with the defaults the first time the sharing rules are saved or a run
    finishes; an agreement without a row uses the defaults."""

    agreement = models.OneToOneField(
        "alliances.Agreement", on_delete=models.CASCADE, related_name="mapping_settings"
    )
    min_cell_size = models.PositiveSmallIntegerField(
        _("smallest count shown exactly (k)"), default=MIN_CELL_SIZE_DEFAULT
    )
    min_list_records = models.PositiveIntegerField(
        _("smallest partner list"), default=MIN_LIST_RECORDS_DEFAULT
    )
    count_release_days = models.PositiveSmallIntegerField(
        _("days between two runs whose counts the partner sees"), default=COUNT_RELEASE_DAYS_DEFAULT
    )
    counts_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mapping settings")
        verbose_name_plural = _("mapping settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_cell_size__gte=MIN_CELL_SIZE_FLOOR), name="mapping_min_cell_size_floor"
            ),
            models.CheckConstraint(
                condition=Q(min_list_records__gte=MIN_LIST_RECORDS_FLOOR),
                name="mapping_min_list_records_floor",
            ),
            models.CheckConstraint(
                condition=Q(count_release_days__gte=COUNT_RELEASE_DAYS_FLOOR),
                name="mapping_count_release_days_floor",
            ),
        ]

    def __str__(self) -> str:
        return f"k={self.min_cell_size}"


class ShareExclusion(models.Model):
    """An account that is never shared with any partner: left out of every mapping run and every view."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="share_exclusion"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("account never shared")
        verbose_name_plural = _("accounts never shared")

    def __str__(self) -> str:
        return str(self.account_id)


def mapping_upload_path(instance: MappingRun, filename: str) -> str:
    return f"mappings/{instance.uuid}.upload"


def mapping_populations_path(instance: MappingRun, filename: str) -> str:
    return f"mappings/{instance.uuid}.populations"


class MappingRun(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(
        "alliances.Agreement", on_delete=models.CASCADE, related_name="mapping_runs"
    )
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=MappingSource.choices)
    file = models.FileField(upload_to=mapping_upload_path)
    populations_file = models.FileField(upload_to=mapping_populations_path, blank=True)
    default_population = models.CharField(
        _("population of the partner's records"),
        max_length=20,
        choices=Population.choices,
        default=Population.CUSTOMER,
    )
    skip_bad_rows = models.BooleanField(_("skip bad rows"), default=False)
    # the column mapping of a list in clear (docs/adr/0106): header → field, "" to ignore the column, "population"
    # for the partner's population; columns not named are detected
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    original_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=MappingStatus.choices, default=MappingStatus.QUEUED)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    row_errors = models.JSONField(default=list, blank=True)
    our_count = models.PositiveIntegerField(default=0)
    partner_count = models.PositiveIntegerField(default=0)
    # overlapping companies (docs/adr/0306): pairs of the same company on either side count once
    match_count = models.PositiveIntegerField(default=0)
    pair_count = models.PositiveIntegerField(default=0)
    # pairs the engine found that a user rejected in an earlier run of the agreement, left out of this one
    rejected_count = models.PositiveIntegerField(default=0)
    previous_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the run is done (docs/adr/0305): whether the partner sees the counts of its "counts only" rows,
    # and the k of their bands, fixed so that a later change of k cannot narrow a band the partner saw.
    counts_released = models.BooleanField(default=False)
    min_cell_size = models.PositiveSmallIntegerField(default=MIN_CELL_SIZE_DEFAULT)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mapping run")
        verbose_name_plural = _("mapping runs")
        indexes = [models.Index(fields=["agreement", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {MappingStatus.DONE, MappingStatus.FAILED}


class PartnerRecord(models.Model):
    """One record of the partner's list that matched one of our accounts. Non-matching records are not kept."""

    run = models.ForeignKey(MappingRun, on_delete=models.CASCADE, related_name="partner_records")
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    population = models.CharField(max_length=20, choices=Population.choices)
    # what identifies the record across runs (decisions on pairs are kept by it): "id:<the partner's own id>",
    # or, for a list without an id column, "name:<normalised name>|<postal code or city>" (docs/adr/0306)
    stable_key = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "external_id"], name="partner_record_unique_per_run")
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class MappingMatch(models.Model):
    """An overlap: one of our accounts and one partner record the engine takes for the same company.

    Records of one list that are the same company all match (the engine's account-mapping mode), so an account
    may have several matches in a run, and a partner record too. The matches of one company share a `cluster`
    number; the populations are the company's (the highest of its records', docs/adr/0306), and counts count
    clusters, not pairs. `evidence` is the engine's reason per field: a list of {field, outcome, similarity,
    weight}, shown to our people only."""

    run = models.ForeignKey(MappingRun, on_delete=models.CASCADE, related_name="matches")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="mapping_matches")
    partner_record = models.ForeignKey(PartnerRecord, on_delete=models.CASCADE, related_name="matches")
    our_population = models.CharField(max_length=20, choices=Population.choices)
    partner_population = models.CharField(max_length=20, choices=Population.choices)
    score = models.FloatField()
    cluster = models.PositiveIntegerField(default=0)
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "account", "partner_record"], name="one_match_per_pair_per_run"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="match_score_in_unit_range"
            ),
        ]
        indexes = [models.Index(fields=["run", "our_population", "partner_population"])]

    def __str__(self) -> str:
        return f"{self.account_id} ~ {self.partner_record_id}"


class MatchDecision(models.Model):
    """A person's verdict on a pair of an agreement's mappings: confirmed, or rejected — a rejected pair is left
    out of every later run of the agreement. Kept by stable keys (our account and the partner record's
    `stable_key`), not by run, so that it outlives the run it was made on."""

    Verdict = MatchVerdict

    agreement = models.ForeignKey(
        "alliances.Agreement", on_delete=models.CASCADE, related_name="match_decisions"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    partner_key = models.CharField(max_length=300)
    partner_record_name = models.CharField(max_length=200, blank=True)
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "account", "partner_key"], name="one_decision_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} ~ {self.partner_key}: {self.verdict}"
