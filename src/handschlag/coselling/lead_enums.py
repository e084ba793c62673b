"""Choices and fixed policy of leads and deal registrations (the opportunities' choices are in enums.py).

A lead is one object whoever hands it on: a partner to us, we to a partner, or (source 004, a later issue)
marketing to sales. Its `source` decides which reasons a receiver may give for declining it and how many business
hours he has to decide.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeadDirection(models.TextChoices):
    TO_US = "to_us", _("To us")
    TO_PARTNER = "to_partner", _("To the partner")


class LeadSource(models.TextChoices):
    PARTNER = "partner", pgettext_lazy("lead source", "Partner")
    OURS = "ours", pgettext_lazy("lead source", "Our sales team")
    MARKETING = "marketing", pgettext_lazy("lead source", "Marketing")


class LeadStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class LeadDeclineReason(models.TextChoices):
    EXISTING_CUSTOMER = "existing_customer", _("Already our customer")
    ALREADY_IN_PIPELINE = "already_in_pipeline", _("Already in our pipeline")
    NOT_OUR_MARKET = "not_our_market", _("Not our market or region")
    NO_CAPACITY = "no_capacity", _("No capacity at the moment")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Too little information")
    OUTSIDE_TARGET_GROUP = "outside_target_group", _("Outside the target group")
    NOT_SALES_READY = "not_sales_ready", _("Not ready for sales yet")
    NO_BUDGET = "no_budget", _("No budget or no need")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


# Which reasons a receiver may give, per source of the lead (a marketing lead is judged against the target group,
# a partner's against our customers and pipeline).
DECLINE_REASONS_BY_SOURCE: dict[str, tuple[str, ...]] = {
    LeadSource.PARTNER: (
        LeadDeclineReason.EXISTING_CUSTOMER,
        LeadDeclineReason.ALREADY_IN_PIPELINE,
        LeadDeclineReason.NOT_OUR_MARKET,
        LeadDeclineReason.NO_CAPACITY,
        LeadDeclineReason.INSUFFICIENT_INFORMATION,
        LeadDeclineReason.DUPLICATE,
        LeadDeclineReason.OTHER,
    ),
    LeadSource.OURS: (
        LeadDeclineReason.EXISTING_CUSTOMER,
        LeadDeclineReason.NOT_OUR_MARKET,
        LeadDeclineReason.NO_CAPACITY,
        LeadDeclineReason.INSUFFICIENT_INFORMATION,
        LeadDeclineReason.DUPLICATE,
        LeadDeclineReason.OTHER,
    ),
    LeadSource.MARKETING: (
        LeadDeclineReason.OUTSIDE_TARGET_GROUP,
        LeadDeclineReason.NOT_SALES_READY,
        LeadDeclineReason.NO_BUDGET,
        LeadDeclineReason.INSUFFICIENT_INFORMATION,
        LeadDeclineReason.ALREADY_IN_PIPELINE,
        LeadDeclineReason.DUPLICATE,
        LeadDeclineReason.OTHER,
    ),
}

# Business hours (core/calendar.py, the organisation's state) the receiver has to accept or decline, per source.
LEAD_DECISION_BUSINESS_HOURS: dict[str, int] = {
    LeadSource.PARTNER: 16,
    LeadSource.OURS: 16,
    LeadSource.MARKETING: 8,
}


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    EXPIRED = "expired", _("Expired")


# the statuses in which a registration holds its account and product line (one at a time, database constraint)
ACTIVE_REGISTRATION_STATUSES: tuple[str, ...] = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)


class AccountResolution(models.TextChoices):
    MATCHED = "matched", _("Existing account")
    PROPOSED_NEW = "proposed_new", _("New account proposed")


class ExtensionStatus(models.TextChoices):
    NONE = "", _("None")
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RegistrationConflictKind(models.TextChoices):
    OUR_OPPORTUNITY = "our_opportunity", _("Our open opportunity on this account and product line")
    OTHER_REGISTRATION = "other_registration", _("Another partner's active registration on this account")
    SELLER_ACTIVITY = "seller_activity", _("Our sellers worked on this account recently")


DEFAULT_PROTECTION_DAYS = 90
MAX_PROTECTION_DAYS = 365
# an approved registration shows on the "expiring soon" list (and its partner and approver are told once) this
# many days before its protection ends
EXPIRING_SOON_DAYS = 14
# "our seller's activity in the last N days" of the conflict check
SELLER_ACTIVITY_DAYS = 30
