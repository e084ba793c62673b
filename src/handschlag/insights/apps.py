from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "handschlag.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from handschlag.core.home import HomeSection, home_section_register
        from handschlag.insights.home import goals_digest_lines, goals_home

        home_section_register(
            HomeSection(
                name="goals",
                order=5,
                template="insights/home_section.html",
                context=goals_home,
                digest_lines=goals_digest_lines,
            )
        )
        from handschlag.insights.audit_sentences import audit_sentences_insights_register

        audit_sentences_insights_register()
