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
    help = (
        "Import accounts from a CSV or XLSX export: `handschlag import accounts FILE [--preset …] [--mode …] "
        "[--columns 'Kd-Nr=external_id,Bemerkung='] [--saved-mapping NAME] [--save-mapping NAME]`."
    )

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
        parser.add_argument(
            "--columns",
            default="",
            help="Columns to read differently from the detection: HEADER=FIELD pairs separated by commas; an "
            "empty FIELD ignores the column (e.g. 'Kd-Nr=external_id,Bemerkung=').",
        )
        parser.add_argument(
            "--saved-mapping", default="", help="Use a saved column mapping (its name or id)."
        )
        parser.add_argument(
            "--save-mapping",
            default="",
            help="Save the columns given with --columns (and --saved-mapping) under this name for the source.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = self._actor(options["user"])
        columns = self._columns(options["columns"])
        try:
            with path.open("rb") as handle:
                run = import_services.import_run_create(
                    actor=actor,
                    upload=File(handle, name=path.name),
                    preset=options["preset"],
                    mode=MODES[options["mode"]],
                    start=False,
                    columns=columns,
                    saved_mapping=options["saved_mapping"] or None,
                )
            if options["save_mapping"]:
                import_services.saved_column_mapping_save(
                    actor=actor, name=options["save_mapping"], columns=run.requested_columns
                )
        except InvalidInput as error:
            details = " ".join(message for messages in error.fields.values() for message in messages)
            raise CommandError(f"{path}: {details or error.message}") from None
        except Forbidden:
            raise CommandError(f"{actor.username} may not import accounts; choose another --user.") from None

        def progress(done: int, total: int | None) -> None:
            self.stderr.write(f"\r{done:,} rows checked" + (" — writing …" if total else ""), ending="")

        run = import_services.import_run_execute(run=run, progress=progress)
        if sys.stderr.isatty():
            self.stderr.write("")
        self._report(run, path)

    def _columns(self, text: str) -> dict[str, str]:
        columns: dict[str, str] = {}
        for pair in filter(None, (part.strip() for part in text.split(","))):
            header, separator, target = pair.partition("=")
            if not separator:
                raise CommandError(f"--columns: {pair!r} is not HEADER=FIELD.")
            columns[header.strip()] = target.strip()
        return columns

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
        shown = list(run.row_errors.order_by("line", "id")[:50])
        for error in shown:
            kind = "warning" if error.warning else "error"
            self.stdout.write(f"{path}:{error.line}: {kind}: {error.field}: {error.reason} ({error.value!r})")
        total = run.error_count + run.warning_count
        if total > len(shown):
            self.stdout.write(f"… and {total - len(shown)} more (see the import page).")
        if run.status == ImportStatus.REJECTED:
            raise CommandError(
                f"{path}: {run.message} Run again with --mode good-rows to import the good rows."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {run.total_rows} rows — {run.created_count} created, {run.updated_count} updated, "
                f"{run.unchanged_count} unchanged, {run.error_row_count} without a name left out, "
                f"{run.warning_count} warnings in {run.warning_row_count} rows."
            )
        )
