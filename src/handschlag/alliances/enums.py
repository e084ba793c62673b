from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerType(models.TextChoices):
    STRATEGIC_ALLIANCE = "strategic_alliance", _("Strategic alliance")
    TECHNOLOGY = "technology", _("Technology partner")
    RESELLER = "reseller", _("Reseller")
    REFERRAL = "referral", _("Referral partner")
    SERVICE = "service", _("Service partner")


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class PartnerTier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    REGISTERED = "registered", _("Registered")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class FitCategory(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    ECONOMIC = "economic", _("Economic")
    OPERATIONAL = "operational", _("Operational")


class OfferGive(models.TextChoices):
    """What a proposer offers us."""

    COMMISSION = "commission", _("A commission on sales we bring")
    FREE_TRIAL = "free_trial", _("Free test access to the product")
    REFERRALS = "referrals", _("Referrals of their customers to us")
    CUSTOMER_ACCESS = "customer_access", _("Access to their customers")
    CO_MARKETING = "co_marketing", _("Joint marketing")
    INTEGRATION = "integration", _("A technical integration with our products")
    EXPERTISE = "expertise", _("Expertise or services we lack")
    JOINT_DEVELOPMENT = "joint_development", _("Joint development")
    TRAINING = "training", _("Training for our people")


class OfferAsk(models.TextChoices):
    """What a proposer asks of us."""

    CUSTOMER_ACCESS = "customer_access", _("Access to our customers")
    EVENT_STAGE = "event_stage", _("A stage at our events")
    REFERRALS = "referrals", _("Referrals to them")
    RESELLING = "reselling", _("That we sell their product")
    FEEDBACK = "feedback", _("Free product feedback")
    INVESTMENT = "investment", _("Money or time invested by us")
    DATA = "data", _("Our customer data")


class OfferStatus(models.TextChoices):
    NEW = "new", _("Waiting for triage")
    MORE_INFO = "more_info", _("More information asked")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class OfferDecision(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    DECLINE = "decline", _("Decline")
    ASK_FOR_MORE = "ask_for_more", _("Ask for more")


class HealthVerdict(models.TextChoices):
    LIVED = "lived", _("Lived")
    LUKEWARM = "lukewarm", _("Lukewarm")
    PAPER_ONLY = "paper_only", _("Paper only")
