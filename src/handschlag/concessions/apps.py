from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcessionsConfig(AppConfig):
    name = "handschlag.concessions"
    label = "concessions"
    verbose_name = _("Concessions")

    def ready(self) -> None:
        pass
