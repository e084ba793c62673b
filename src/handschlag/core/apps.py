from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "handschlag.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from handschlag.core.audit_sentences_core import audit_sentences_core_register
        from handschlag.core.logins import connect_login_audit
        from handschlag.core.privacy_sources import privacy_sources_core_register

        connect_login_audit()
        privacy_sources_core_register()
        audit_sentences_core_register()
