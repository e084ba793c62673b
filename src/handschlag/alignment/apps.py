from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "handschlag.alignment"
    label = "alignment"
    verbose_name = _("Marketing and sales")

    def ready(self) -> None:
        pass
