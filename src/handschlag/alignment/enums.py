from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SurveyGroup(models.TextChoices):
    """The two departments the pulse survey compares (derived from the respondent's role, never stored with him)."""

    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")


class CampaignPhase(models.TextChoices):
    BEFORE = "before", _("Before launch")
    DURING = "during", _("During the campaign")
    AFTER = "after", _("After the campaign")


class IcpCriterionKind(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    EMPLOYEES = "employees", _("Size (employees)")
    REVENUE = "revenue", _("Annual revenue (EUR)")
    REGION = "region", _("Region")


class IcpBand(models.TextChoices):
    A = "A", _("A: ideal customer")
    B = "B", _("B: good fit")
    C = "C", _("C: weak fit")
    D = "D", _("D: poor fit")


class ExchangeKind(models.TextChoices):
    ROTATION = "rotation", _("Job-rotation day")
    RIDE_ALONG = "ride_along", _("Ride-along")


class ExchangeSide(models.TextChoices):
    HOST = "host", _("Host")
    GUEST = "guest", _("Guest")
