from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Product quality")
    DELIVERY = "delivery", _("Delivery date or quantity")
    TRANSPORT_DAMAGE = "transport_damage", _("Transport damage")
    DOCUMENTATION = "documentation", _("Documentation")
    SERVICE = "service", _("Service and installation")
    INVOICE = "invoice", _("Invoice")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class SlaClock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    CONTAINMENT = "containment", _("Containment (D3)")
    RESOLUTION = "resolution", _("Resolution")
    DEADLINE = "deadline", _("Cancellation deadline")


class EscalationLevel(models.IntegerChoices):
    OWNER = 1, pgettext_lazy("complaint", "Owner")
    MANAGER = 2, pgettext_lazy("complaint", "Owner's manager")
    MANAGEMENT = 3, _("Management")


# An escalation row of the customer's cancellation deadline (`SlaClock.DEADLINE`): the alert ahead of it, and the
# escalation to management once it has passed without a first response (docs/adr/0201 §9).
DEADLINE_ALERT = 1
DEADLINE_PASSED = 3


class EightDStep(models.TextChoices):
    D1 = "D1", _("D1 Team")
    D2 = "D2", _("D2 Problem description")
    D3 = "D3", _("D3 Containment")
    D4 = "D4", _("D4 Root cause")
    D5 = "D5", _("D5 Corrective actions chosen")
    D6 = "D6", _("D6 Corrective actions implemented")
    D7 = "D7", _("D7 Prevention")
    D8 = "D8", _("D8 Closure and recognition")


# D3, the immediate containment, may be done at any time; every other step in order (docs/adr/0201 §11).
STEPS_DONE_ANY_TIME = frozenset({EightDStep.D3})


class ThreatScope(models.TextChoices):
    ALL_OPEN_ORDERS = "all_open_orders", _("All open orders of the account")
    REFERENCED_ORDERS = "referenced_orders", _("The referenced orders")


class WatcherReason(models.TextChoices):
    SELLER = "seller", _("Seller of the account")
    REPORTER = "reporter", _("Reporter")
    ADDED = "added", _("Added")
