from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "handschlag.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        pass
