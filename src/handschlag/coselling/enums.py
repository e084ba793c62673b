"""Choices of the co-selling module."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityStatus(models.TextChoices):
    """Kept on the opportunity (from its stage's kind) so that "open" needs no join on a million rows."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunitySource(models.TextChoices):
    MANUAL = "manual", _("Entered")
    IMPORT = "import", _("Imported from the CRM")
    LEAD = "lead", _("Converted from a lead")
    REGISTRATION = "registration", _("From a deal registration")


class InvolvementRole(models.TextChoices):
    SOURCED = "sourced", _("Sourced")
    INFLUENCED = "influenced", _("Influenced")
    FULFILLED = "fulfilled", _("Fulfilled")


class InvolvementReason(models.TextChoices):
    NEW = "new", _("New deal")
    STALLED = "stalled", _("Deal stalled")
    AT_RISK = "at_risk", _("Deal at risk")
    REOPENED = "reopened", _("Reopened after loss")


class RescueReason(models.TextChoices):
    """Why an involvement counts as a rescue; computed from the history, never typed."""

    NONE = "", _("No rescue")
    LATE_STAGE = "late_stage", _("Partner came in after the rescue stage")
    AT_RISK = "at_risk", _("Partner came in after the deal was marked at risk")
    LOST = "lost", _("Partner came in after the deal was lost")
