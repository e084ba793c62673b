from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SELLER = "seller", _("Seller")
    PARTNER_MANAGER = "partner_manager", _("Partner manager")
    PROCESS_OWNER = "process_owner", _("Process owner")
    MARKETING = "marketing", _("Marketing")
    MANAGEMENT = "management", _("Management")
    ADMIN = "admin", _("Administrator")
    PARTNER_USER = "partner_user", _("Partner user")


class OrganisationKind(models.TextChoices):
    HOME = "home", _("Our company")
    PARTNER = "partner", _("Partner company")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobQueue(models.TextChoices):
    """Critical jobs (SLA escalation, other periodic work) never wait behind bulk jobs (imports, mapping runs)."""

    CRITICAL = "critical", _("Critical")
    BULK = "bulk", _("Bulk")


class GermanState(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class NotificationEmail(models.TextChoices):
    """How a user's notifications reach his mailbox besides the app."""

    IMMEDIATE = "immediate", _("Immediately, one e-mail per notification")
    DAILY = "daily", _("Once a day, one e-mail with everything new (daily digest)")
    NONE = "none", _("No e-mail, in the app only")
