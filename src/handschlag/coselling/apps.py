from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CosellingConfig(AppConfig):
    name = "handschlag.coselling"
    label = "coselling"
    verbose_name = _("Co-selling")

    def ready(self) -> None:
        pass
