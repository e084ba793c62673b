from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handschlag.core.models import ApiToken, User
from handschlag.core.services import api_token_create, api_token_revoke_by_system


class Command(BaseCommand):
    help = (
        "Create or revoke personal API tokens: `token create --user NAME [--name LABEL]`, `token revoke ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="User name the token acts for.")
        create.add_argument("--name", default="command line", help="What the token is for.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active user named {options['user']!r}.")
            token, plaintext = api_token_create(actor=user, user=user, name=options["name"])
            self.stderr.write(f"Token {token.pk} for {user.username} (shown once):")
            self.stdout.write(plaintext)
        else:
            found = ApiToken.objects.select_related("user").filter(pk=options["token_id"]).first()
            if found is None:
                raise CommandError(f"No token with id {options['token_id']}.")
            api_token_revoke_by_system(token=found)
            self.stdout.write(f"Token {found.pk} revoked.")
