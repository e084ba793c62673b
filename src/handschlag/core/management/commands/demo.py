import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from handschlag.core.demo import DEMO_PASSWORD, DEMO_SIZES, DEMO_USERS, build_organisation, demo_steps
from handschlag.core.notifications import emails_suppressed
from handschlag.core.passwords import demo_passwords_allowed


class Command(BaseCommand):
    help = (
        "Load the demo organisation (deterministic, generated). small: 300 accounts; large: 100,000 accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(DEMO_SIZES), default="small")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when accounts exist already.")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = demo_steps()
        if any(step.present is not None and step.present() for step in steps):
            if options["if_empty"]:
                self.stdout.write("Demo data is already there.")
                self._print_logins()
                return
            self.stderr.write("Accounts exist already; the demo loads into an empty database only.")
            raise SystemExit(1)
        # the published demo password names the product; no other path may set it (core/passwords.py); the
        # demo's history (leads, registrations, concessions of past months) notifies in the app but mails no
        # one, not even from the work that runs after the commit (hence outside the transaction)
        with emails_suppressed(), transaction.atomic(), demo_passwords_allowed():
            context = build_organisation(size=options["size"])
            for step in steps:
                started = time.monotonic()
                step.build(context)
                if options["size"] == "large":
                    self.stdout.write(f"  {step.name}: {time.monotonic() - started:.0f} s")
        if options["size"] == "large":
            # fresh statistics, so that the planner uses the indexes on the new tables right away
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation loaded: {len(context.built.get('accounts', []))} accounts."
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role, department in DEMO_USERS:
            self.stdout.write(
                f"  {username:<11} {role:<16} {first} {last}{' — ' + department if department else ''}"
            )
        for step in demo_steps():
            for username, role, who in step.logins:
                self.stdout.write(f"  {username:<11} {role:<16} {who}")
