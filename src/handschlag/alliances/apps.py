from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "handschlag.alliances"
    verbose_name = _("Partnerships")

    def ready(self) -> None:
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
