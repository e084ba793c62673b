from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the .po catalogues to .mo with Babel (no GNU gettext needed on the machine)."

    def handle(self, *args: Any, **options: Any) -> None:
        # the project's catalogue and each module's own (<app>/locale/, which Django finds by itself)
        app_locale_dirs = [Path(config.path) / "locale" for config in apps.get_app_configs()]
        own_dirs = [Path(d) for d in settings.LOCALE_PATHS]
        own_dirs += [
            d for d in app_locale_dirs if d.is_dir() and "handschlag" in d.parts and d not in own_dirs
        ]
        for locale_dir in own_dirs:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as handle:
                    catalogue = read_po(handle)
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalogue, use_fuzzy=False)
                self.stdout.write(f"compiled {po_path.relative_to(Path(locale_dir).parent.parent)}")
