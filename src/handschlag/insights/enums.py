from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodPreset(models.TextChoices):
    QUARTER = "quarter", _("This quarter")
    LAST_QUARTER = "last_quarter", _("Last quarter")
    YEAR = "year", _("This year")
    LAST_12_MONTHS = "last_12_months", _("Last 12 months")
    CUSTOM = "custom", _("Custom")
