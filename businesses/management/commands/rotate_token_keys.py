"""Re-encrypt every stored secret under the first key of TOKEN_ENCRYPTION_KEYS.

Rotation: put the new key first, keep the old ones after it, run this, then drop the old keys."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from businesses.actors import Actor
from businesses.crypto import SecretUnreadableError
from businesses.services import secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every token and app secret under the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        try:
            counts = secrets_rotate(actor=Actor.command("rotate_token_keys"))
        except SecretUnreadableError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Re-encrypted {counts['tokens']} token(s) and {counts['app_secrets']} app secret(s)."
        )
