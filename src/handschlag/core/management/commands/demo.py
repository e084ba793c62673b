from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from handschlag.accounts.demo import build_accounts
from handschlag.accounts.models import Account
from handschlag.alliances.demo import PORTAL_USERNAME, build_partnerships
from handschlag.complaints.demo import build_complaints
from handschlag.core.demo import DEMO_PASSWORD, DEMO_USERS, build_organisation

SIZES = {"small": 300, "large": 100_000}


class Command(BaseCommand):
    help = (
        "Load the demo organisation (deterministic, generated). small: 300 accounts; large: 100,000 accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when accounts exist already.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Account.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data is already there.")
                self._print_logins()
                return
            self.stderr.write("Accounts exist already; the demo loads into an empty database only.")
            raise SystemExit(1)
        with transaction.atomic():
            context = build_organisation(size=options["size"])
            accounts = build_accounts(context, count=SIZES[options["size"]])
            build_partnerships(context, accounts=accounts)
            build_complaints(context, accounts)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation loaded: {len(accounts)} accounts."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role, department in DEMO_USERS:
            self.stdout.write(
                f"  {username:<11} {role:<16} {first} {last}{' — ' + department if department else ''}"
            )
        self.stdout.write(
            f"  {PORTAL_USERNAME:<11} {'partner_user':<16} partner portal of the strategic alliance"
        )
