from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "handschlag.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from handschlag.core.audit_sentences_core import audit_sentences_core_register
        from handschlag.core.logins import connect_login_audit

        connect_login_audit()
        audit_sentences_core_register()
