from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "handschlag.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from handschlag.complaints import demo
        from handschlag.complaints.audit_sentences import audit_sentences_complaints_register
        from handschlag.core.demo import DemoStep, demo_step_register

        demo_step_register(DemoStep(order=30, name="complaints", build=demo.demo_step))
        audit_sentences_complaints_register()
