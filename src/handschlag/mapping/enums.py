from django.db import models
from django.utils.translation import gettext_lazy as _


class Population(models.TextChoices):
    """Which group a record belongs to on its own side (docs/adr/0302)."""

    CUSTOMER = "customer", _("Customer")
    OPEN_OPPORTUNITY = "open_opportunity", _("Open opportunity")
    PROSPECT = "prospect", _("Prospect")
    FORMER_CUSTOMER = "former_customer", _("Former customer")


class SharingLevel(models.TextChoices):
    """What the partner learns about the overlap in one of our populations. No level shows non-overlapping records."""

    HIDDEN = "hidden", _("Hidden")
    COUNTS = "counts", _("Counts only")
    ACCOUNTS = "accounts", _("Overlapping accounts")


class SharedField(models.TextChoices):
    """Fields of an overlapping account that a sharing rule may show besides its name."""

    CITY = "city", _("City")
    DOMAIN = "domain", _("Domain")
    OWNER = "owner", _("Our account owner")
    OPEN_OPPORTUNITY = "open_opportunity", _("Open opportunity yes/no")


class MappingSource(models.TextChoices):
    CLEAR = "clear", _("List in clear (CSV or Excel)")
    ENCODED = "encoded", _("Encoded file (handschlag encode)")


class MappingStatus(models.TextChoices):
    COLUMNS = "columns", _("Waiting for the columns to be checked")
    QUEUED = "queued", _("Waiting")
    READING = "reading", _("Reading the partner's list")
    MATCHING = "matching", _("Matching")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MatchVerdict(models.TextChoices):
    """A person's decision on a pair the engine found (docs/adr/0306)."""

    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
