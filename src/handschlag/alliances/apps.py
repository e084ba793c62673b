from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "handschlag.alliances"
    verbose_name = _("Partnerships")

    def ready(self) -> None:
        from handschlag.alliances.home import enablement_digest_lines, enablement_home
        from handschlag.core.home import HomeSection, home_section_register

        home_section_register(
            HomeSection(
                name="enablement",
                order=40,
                template="alliances/home_section.html",
                context=enablement_home,
                digest_lines=enablement_digest_lines,
            )
        )
        from handschlag.alliances.privacy import privacy_alliances_register

        privacy_alliances_register()
        from handschlag.alliances.kpis import alliances_kpis_register

        alliances_kpis_register()
        from handschlag.alliances import demo
        from handschlag.alliances.audit_sentences import audit_sentences_alliances_register
        from handschlag.core.demo import DemoStep, demo_step_register

        demo_step_register(
            DemoStep(
                order=20,
                name="partnerships",
                build=demo.demo_step,
                logins=((demo.PORTAL_USERNAME, "partner_user", "partner portal of the strategic alliance"),),
            )
        )
        audit_sentences_alliances_register()
