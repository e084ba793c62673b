import sys
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from handschlag.accounts import import_services
from handschlag.accounts.enums import ImportMode, ImportPreset, ImportStatus
from handschlag.accounts.models import ImportRun
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.models import User

MODES = {"all-or-nothing": ImportMode.ALL_OR_NOTHING, "good-rows": ImportMode.GOOD_ROWS}


class Command(BaseCommand):
    help = "Import accounts from a CSV or XLSX export: `handschlag import accounts FILE [--preset …] [--mode …]`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["accounts"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--preset", choices=ImportPreset.values, default=ImportPreset.AUTO)
        parser.add_argument(
            "--mode",
            choices=sorted(MODES),
            default="all-or-nothing",
            help="all-or-nothing (default): any bad row stops the import; good-rows: import the "
            "good rows and list the bad ones.",
        )
        parser.add_argument(
            "--user", default=None, help="Who the import is recorded for (default: first admin)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = self._actor(options["user"])
        try:
            with path.open("rb") as handle:
                run = import_services.import_run_create(
                    actor=actor,
                    upload=File(handle, name=path.name),
                    preset=options["preset"],
                    mode=MODES[options["mode"]],
                    start=False,
                )
        except InvalidInput as error:
            raise CommandError(f"{path}: {error.message}") from None
        except Forbidden:
            raise CommandError(f"{actor.username} may not import accounts; choose another --user.") from None

        def progress(done: int, total: int | None) -> None:
            self.stderr.write(f"\r{done:,} rows checked" + (" — writing …" if total else ""), ending="")

        run = import_services.import_run_execute(run=run, progress=progress)
        if sys.stderr.isatty():
            self.stderr.write("")
        self._report(run, path)

    def _actor(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        actor = users.filter(username=username).first() if username else users.filter(role=Role.ADMIN).first()
        if actor is None:
            raise CommandError("No such active user." if username else "There is no admin user; pass --user.")
        return actor

    def _report(self, run: ImportRun, path: Path) -> None:
        self.stdout.write("")
        if run.status == ImportStatus.FAILED:
            raise CommandError(f"{path}: {run.message}")
        for error in run.row_errors.all()[:50]:
            self.stdout.write(f"{path}:{error.line}: {error.field}: {error.reason} ({error.value!r})")
        if run.error_count > 50:
            self.stdout.write(f"… and {run.error_count - 50} more bad rows (see the import page).")
        if run.status == ImportStatus.REJECTED:
            raise CommandError(
                f"{path}: {run.message} Run again with --mode good-rows to import the good rows."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {run.total_rows} rows — {run.created_count} created, {run.updated_count} updated, "
                f"{run.unchanged_count} unchanged, {run.error_count} errors."
            )
        )
