from __future__ import annotations

from django.core.management.base import CommandError

from businesses.actors import Actor
from businesses.developer_apps import developer_app_register
from core.commands import OperatorCommand


class Command(OperatorCommand):
    help = "Create or update a developer app and its Ads Management Standard Access level."

    def add_arguments(self, parser):
        parser.add_argument("app_id", help="Meta App ID (digits)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--access-level", required=True, choices=["standard", "advanced"])
        parser.add_argument(
            "--secret-stdin", action="store_true", help="read the app secret from stdin"
        )

    def handle(self, *args, **options):
        secret = self.read_secret("app secret") if options["secret_stdin"] else None
        if not options["name"].strip():
            raise CommandError("--name is empty.")
        app, created = developer_app_register(
            app_meta_id=options["app_id"],
            name=options["name"],
            access_level=options["access_level"],
            secret=secret,
            actor=Actor.command("register_app"),
        )
        self.stdout.write(
            f"{'Registered' if created else 'Updated'} {app.name} ({app.meta_id}): "
            f"Ads Management Standard Access {app.get_access_level_display()}; "
            f"secret {'…' + app.secret_last4 if app.has_secret else 'not on file'}."
        )
