from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "handschlag.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from handschlag.insights.audit_sentences import audit_sentences_insights_register

        audit_sentences_insights_register()
