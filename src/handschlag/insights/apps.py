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
        from handschlag.alignment.kpis import alignment_kpis_register
        from handschlag.concessions.kpis import concessions_kpis_register
        from handschlag.coselling.kpis import coselling_kpis_register
        from handschlag.insights.audit_sentences import audit_sentences_insights_register

        audit_sentences_insights_register()
        # complaints and alliances register their figures in their own ready(); co-selling, concessions and
        # alignment keep theirs in <module>/kpis.py too, registered here once every module has loaded
        coselling_kpis_register()
        concessions_kpis_register()
        alignment_kpis_register()
