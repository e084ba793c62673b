from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    FORMER_CUSTOMER = "former_customer", _("Former customer")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ORDER_STATUSES = [
    OrderStatus.OPEN,
    OrderStatus.CONFIRMED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.SHIPPED,
]


class InsightKind(models.TextChoices):
    GOAL = "goal", _("Goal")
    RISK = "risk", _("Risk")
    CONSTRAINT = "constraint", _("Constraint")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    GOOD_ROWS = "good_rows", _("Import good rows, list the bad ones")


class ImportStatus(models.TextChoices):
    COLUMNS = "columns", _("Columns to confirm")
    QUEUED = "queued", _("Waiting")
    CHECKING = "checking", _("Checking rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Nothing imported: bad rows")
    FAILED = "failed", _("Failed")


class ImportPreset(models.TextChoices):
    AUTO = "auto", _("Recognise columns automatically")
    SALESFORCE = "salesforce", "Salesforce"
    HUBSPOT = "hubspot", "HubSpot"
    PIPEDRIVE = "pipedrive", "Pipedrive"
