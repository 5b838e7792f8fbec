"""manage.py create_api_token USERNAME [--name NAME]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intranet.domain import DomainError
from intranet.models import User
from intranet.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a person and print its key (shown once, stored hashed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No person with the username {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is deactivated; a token would not work.")
        try:
            token, key = create_api_token(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Token {token.name!r} for {user.username} (prefix {token.prefix}). "
            "The key is shown once; only its hash is stored:"
        )
        self.stdout.write(key)
