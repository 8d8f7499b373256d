"""What every operator command shares: one-line errors, secrets from stdin only."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


def one_line(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class OperatorCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        """Bad arguments get one line (argparse would print the whole usage block first)."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        usage_error = parser.error

        def error(message: str):
            if not parser.called_from_command_line:
                usage_error(message)  # raises CommandError for call_command
            parser.exit(2, f"{parser.prog}: error: {message}\n")

        parser.error = error
        return parser

    def read_secret(self, what: str) -> str:
        """Secrets come from standard input, never from arguments (they would sit in ps)."""
        if sys.stdin is None or sys.stdin.closed:
            raise CommandError(f"Give the {what} on standard input.")
        value = sys.stdin.readline().strip()
        if not value:
            raise CommandError(f"The {what} on standard input is empty.")
        return value

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from None
