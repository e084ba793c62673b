from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from handschlag.accounts.enums import (
    AccountStatus,
    ImportMode,
    ImportPreset,
    ImportStatus,
    InsightKind,
    OrderStatus,
)
from handschlag.core.money import MAX_DIGITS
from handschlag.matching.vocabulary import LEGAL_FORM_CANONICAL, NAME_STOPWORDS

SEARCH_SOURCE_FIELDS = ("name", "legal_form", "city", "domain")


_DROPPED = str.maketrans("", "", "'\u2019`\u00b4.")
_FOLDED_VOWEL = re.compile(r"([aou])e+")
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_LEGAL_FORMS = sorted(LEGAL_FORM_CANONICAL.items(), key=lambda item: -len(item[0]))


def fold_for_search(text: str) -> str:
    """Lower case, umlauts and accents folded ("Müller", "MUELLER" and "Muller" all read "muller"), ß → ss, dots
    and apostrophes dropped, other punctuation a space: the spelling the matching engine compares names in."""
    text = text.lower().replace("ß", "ss").translate(_DROPPED)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_NOT_A_WORD.sub(" ", _FOLDED_VOWEL.sub(r"\1", text)).split())


def search_words(text: str) -> list[str]:
    """The words of a search, folded; "und", "&" and the like left out unless nothing else is left."""
    words = fold_for_search(text).split()
    return [word for word in words if word not in NAME_STOPWORDS] or words


def search_key(*parts: str) -> str:
    """The folded parts, with the usual short form of each spelt-out legal form added ("aktiengesellschaft" →
    also "ag"), so that "krause scholz ag" finds "Krause und Scholz Aktiengesellschaft"."""
    folded = " ".join(fold_for_search(part) for part in parts if part)
    padded = f" {folded} "
    short_forms = [short for long, short in _LEGAL_FORMS if f" {long} " in padded]
    return " ".join([folded, *short_forms]) if short_forms else folded


class Account(models.Model):
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=60, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=100, blank=True)
    domain = models.CharField(_("domain"), max_length=253, blank=True, db_index=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="DE", help_text=_("ISO code, e.g. DE, AT, CH")
    )
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue (EUR)"), max_digits=MAX_DIGITS + 2, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AccountStatus.choices, default=AccountStatus.PROSPECT
    )
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    owner = models.ForeignKey(
        "core.User",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    tags = models.CharField(_("tags"), max_length=500, blank=True, help_text=_("Separated by commas."))
    search_text = models.TextField(editable=False, blank=True, default="")
    success_plan = models.TextField(
        _("how we help this customer succeed"),
        blank=True,
        help_text=_("The plan, in plain words, that ties our offer to the customer's goals."),
    )
    archived_at = models.DateTimeField(
        _("archived on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Archived accounts are kept with their history but left out of lists and choices."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="account_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["status", "name"]),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["postal_code"]),
            models.Index(fields=["city"]),
            # one per sort the list offers (accounts/selectors.py ACCOUNT_ORDERINGS); on PostgreSQL the word
            # search uses a trigram index on search_text (migration 0008)
            models.Index(fields=["annual_revenue", "id"], name="account_revenue_sort"),
            models.Index(fields=["updated_at", "id"], name="account_updated_sort"),
            models.Index(fields=["domain", "name"], name="account_domain_sort"),
            models.Index(fields=["city", "name"], name="account_city_sort"),
            # the other branches of the list's search (selectors.account_list): with them PostgreSQL combines
            # the four indexes instead of reading every account for a rare word
            models.Index(Upper("external_id"), name="account_external_id_upper"),
            models.Index(Upper("vat_id"), name="account_vat_id_upper"),
            models.Index(
                fields=["postal_code"], name="account_postal_code_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(SEARCH_SOURCE_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        """The search key (name, legal form, city, domain folded); bulk writes call this themselves."""
        self.search_text = search_key(*(getattr(self, name) or "" for name in SEARCH_SOURCE_FIELDS))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.legal_form}".strip()

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Order(models.Model):
    """A customer order; "open" while it is neither delivered nor cancelled (revenue at risk counts those)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(_("order number"), max_length=50)
    value = models.DecimalField(_("value (EUR)"), max_digits=MAX_DIGITS, decimal_places=2)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    product = models.CharField(_("product"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "number"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="order_number_unique_per_account"),
            models.CheckConstraint(condition=Q(value__gte=0), name="order_value_not_negative"),
        ]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return self.number


class CustomerInsight(models.Model):
    """One of the customer's goals, risks or constraints (Ziele, Risiken, Zwänge), reviewed on a date."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="insights")
    kind = models.CharField(_("kind"), max_length=20, choices=InsightKind.choices)
    text = models.TextField(_("text"))
    review_date = models.DateField(_("review on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "review_date", "id"]
        verbose_name = _("goal, risk or constraint")
        verbose_name_plural = _("goals, risks and constraints")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


def import_upload_path(instance: ImportRun, filename: str) -> str:
    """Stored under a generated name: the user's file name is kept only as data, never as a path."""
    return f"imports/{instance.uuid}.upload"


class ImportRun(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=import_upload_path)
    original_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    preset = models.CharField(max_length=20, choices=ImportPreset.choices, default=ImportPreset.AUTO)
    mode = models.CharField(max_length=20, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    column_mapping = models.JSONField(default=dict, blank=True)
    # the user's choice of columns (header → field, "" to ignore the column); other columns are detected
    requested_columns = models.JSONField(default=dict, blank=True)
    saved_mapping = models.ForeignKey(
        "accounts.SavedColumnMapping", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # exact totals; the stored ImportRowError list is capped (import_services.STORED_ROW_ERRORS)
    error_row_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    warning_row_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED}

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))


class SavedColumnMapping(models.Model):
    """A column mapping saved under a name per source ("Partner Glanzwerk export"), to be used again: header →
    field, "" for a column to ignore."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")

    def __str__(self) -> str:
        return self.name


class ImportRowError(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=60, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    # a warning about a row that was imported all the same (a field left out or kept as it is, a likely
    # duplicate), not an error
    warning = models.BooleanField(default=False)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
