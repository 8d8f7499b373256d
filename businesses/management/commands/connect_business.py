from __future__ import annotations

from django.core.management.base import CommandError

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.models import AccessToken, DeveloperApp
from core.commands import OperatorCommand


class Command(OperatorCommand):
    help = "Check a token with debug_token and store it, encrypted, as the business's connection."

    def add_arguments(self, parser):
        parser.add_argument("business_id", help="Meta Business Manager ID (digits)")
        parser.add_argument("--app", required=True, help="Meta App ID of a registered app")
        parser.add_argument("--token-stdin", action="store_true", required=True)
        parser.add_argument(
            "--agency", action="store_true", help="this is the agency's own business"
        )

    def handle(self, *args, **options):
        app = DeveloperApp.objects.filter(meta_id=options["app"]).first()
        if app is None:
            raise CommandError(f"No registered app {options['app']!r}: run register_app first.")
        token = self.read_secret("access token")
        business = business_connect(
            business_meta_id=options["business_id"],
            app=app,
            token=token,
            is_agency=options["agency"],
            actor=Actor.command("connect_business"),
        )
        stored = AccessToken.objects.get(business=business, purpose="connection", is_active=True)
        expiry = (
            "never expires"
            if stored.expires_at is None
            else f"expires {stored.expires_at:%Y-%m-%d}"
        )
        self.stdout.write(
            f"Connected {business.name} ({business.meta_id}) with a {stored.get_kind_display().lower()} "
            f"token {stored.masked}, {expiry}.\nIt may: {', '.join(stored.scopes) or 'no scopes reported'}."
        )
