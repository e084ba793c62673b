from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handschlag.core.enums import GermanState, JobQueue, JobStatus, NotificationEmail, OrganisationKind, Role
from handschlag.core.message_text import message_render


class Organisation(models.Model):
    """A company: ours (exactly one, kind=home) or a partner's, whose users log into the portal."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    state = models.CharField(
        _("federal state"),
        max_length=2,
        choices=GermanState.choices,
        default=GermanState.BW,
        help_text=_("Its public holidays make the business calendar."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="home"), name="one_home_organisation"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    head = models.ForeignKey(
        "core.User",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager["User"]):
    """Django's manager, with `createsuperuser` going through our rules: an administrator of our own company,
    the password checked by the validators (the service refuses what they refuse)."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        from django.core.exceptions import ValidationError

        from handschlag.core.errors import InvalidInput
        from handschlag.core.services import user_create_by_system

        try:
            user = user_create_by_system(
                username=username, password=password, role=Role.ADMIN, email=email or ""
            )
        except InvalidInput as error:
            messages = [message for field in error.fields.values() for message in field] or [error.message]
            raise ValidationError(messages) from None
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        return user


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.SELLER)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=[("de", "Deutsch"), ("en", "English")], default="de"
    )
    notification_email = models.CharField(
        _("e-mail for notifications"),
        max_length=16,
        choices=NotificationEmail.choices,
        default=NotificationEmail.IMMEDIATE,
    )

    # the weekly e-mail with what the home page shows (core/weekly_digest.py); each user may opt out
    weekly_digest = models.BooleanField(_("weekly summary by e-mail"), default=True)
    weekly_digest_sent_on = models.DateField(null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="partner_user") | Q(department__isnull=True),
                name="partner_user_without_department",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_partner_user(self) -> bool:
        return self.role == Role.PARTNER_USER


class AuditEvent(models.Model):
    """One write, who made it and what changed. Append-only: rows are never updated or deleted."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Job(models.Model):
    """A unit of background work in the database-backed queue (see docs/adr/0002)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.CharField(max_length=200)
    arguments = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    queue = models.CharField(max_length=16, choices=JobQueue.choices, default=JobQueue.BULK)
    run_after = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The running attempt's owner: a fresh token per claim, and the time its lease ends unless renewed.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_after", "id"]
        indexes = [
            models.Index(fields=["status", "queue", "run_after"], name="job_due_in_queue"),
            models.Index(fields=["status", "lease_expires_at"], name="job_lease"),
            models.Index(fields=["status", "finished_at"], name="job_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.task} [{self.status}]"

    @property
    def error_summary(self) -> str:
        """The last line of the error (for a traceback: the exception and its message)."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


class ScheduledRun(models.Model):
    """Marks that a periodic task ran for one time slot; the unique key makes it run once across workers."""

    task = models.CharField(max_length=200)
    slot = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "slot"], name="scheduled_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.task}@{self.slot:%Y-%m-%d %H:%M}"


class NotificationDigest(models.Model):
    """The daily e-mail of one user for one day: written before it is sent, so no day is sent twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_digests")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notification_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.day:%Y-%m-%d}"


class Notification(models.Model):
    """An in-app message for one user (complaint routed, escalated …); e-mail goes out alongside it.

    `message` and `params` are the text untranslated (core/message_text.py), rendered in the reader's language
    when shown; `title` is the text as first rendered in the recipient's language (older rows have only it).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=300)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # waiting for the recipient's daily digest; the digest that carried it once sent
    digest_pending = models.BooleanField(default=False)
    digest = models.ForeignKey(
        NotificationDigest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"]),
            models.Index(
                fields=["user", "created_at"],
                condition=Q(digest_pending=True),
                name="notification_digest_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def text(self) -> str:
        """The text in the active language."""
        if not self.message:
            return self.title
        return message_render(self.message, self.params, fallback=self.title)


class RetentionSetting(models.Model):
    """How long one kind of data is kept (core/privacy.py RetentionKind); the worker deletes what is older."""

    kind = models.CharField(_("kind of data"), max_length=64, unique=True)
    days = models.PositiveIntegerField(_("keep for (days)"), null=True, blank=True)  # None: kept
    configured = models.BooleanField(default=False)  # False: the kind's default applies
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention setting")
        verbose_name_plural = _("retention settings")

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"
