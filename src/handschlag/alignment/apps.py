from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "handschlag.alignment"
    label = "alignment"
    verbose_name = _("Marketing and sales")

    def ready(self) -> None:
        from handschlag.alignment import demo
        from handschlag.alignment.audit_sentences import audit_sentences_alignment_register
        from handschlag.core.demo import DemoStep, demo_step_register

        audit_sentences_alignment_register()
        # after accounts (10) and complaints (30): the ride-along visits the seller's accounts
        demo_step_register(
            DemoStep(
                order=40,
                name="alignment",
                build=demo.demo_step,
                present=demo.demo_present,
                logins=demo.DEMO_LOGINS,
            )
        )
