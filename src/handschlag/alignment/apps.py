from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "handschlag.alignment"
    label = "alignment"
    verbose_name = _("Marketing and sales")

    def ready(self) -> None:
        from handschlag.alignment.audit_sentences import audit_sentences_alignment_register

        audit_sentences_alignment_register()
