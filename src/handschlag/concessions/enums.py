from django.db import models
from django.utils.translation import gettext_lazy as _


class ConcessionKind(models.TextChoices):
    DISCOUNT_PERCENT = "discount_percent", _("Discount (percent)")
    DISCOUNT_AMOUNT = "discount_amount", _("Discount (amount)")
    FREE_SERVICE = "free_service", _("Free service")
    PAYMENT_TERMS = "payment_terms", _("Longer payment terms")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    EXTRA_WARRANTY = "extra_warranty", _("Extra warranty")
    OTHER = "other", _("Other")


# Discounts lower the invoice price; everything else is given off the invoice (pocket price, DESIGN §3.8).
ON_INVOICE_KINDS = frozenset({ConcessionKind.DISCOUNT_PERCENT, ConcessionKind.DISCOUNT_AMOUNT})
# Kinds whose value is an amount in EUR typed by the user (percent and payment terms are converted).
AMOUNT_KINDS = frozenset(
    {
        ConcessionKind.DISCOUNT_AMOUNT,
        ConcessionKind.FREE_SERVICE,
        ConcessionKind.FREE_SHIPPING,
        ConcessionKind.EXTRA_WARRANTY,
        ConcessionKind.OTHER,
    }
)


class ConcessionReason(models.TextChoices):
    COMPETITOR_PRICE = "competitor_price", _("Competitor's price")
    THREATENED_TO_LEAVE = "threatened_to_leave", _("Customer threatened to leave")
    VOLUME = "volume", _("Volume")
    STRATEGIC = "strategic", _("Strategic")
    OTHER = "other", _("Other")


class GetKind(models.TextChoices):
    """What the customer gives in return (the "get" of give-get)."""

    VOLUME_COMMITMENT = "volume_commitment", _("Volume commitment")
    LONGER_TERM = "longer_term", _("Longer contract term")
    REFERENCE = "reference", _("Reference customer")
    PREPAYMENT = "prepayment", _("Prepayment")
    FASTER_PAYMENT = "faster_payment", _("Faster payment")
    OTHER = "other", _("Other")
    NOTHING = "nothing", _("Nothing")


class GetStatus(models.TextChoices):
    """Stored: pending, delivered, failed. Overdue is pending past its due date (computed, never stored)."""

    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    OVERDUE = "overdue", _("Overdue")
    FAILED = "failed", _("Failed")
    NONE = "none", _("No return")


class ApprovalStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Within the limit")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
