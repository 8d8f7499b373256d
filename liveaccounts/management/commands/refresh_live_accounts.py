"""Read now which ad accounts are live, for one client or every connected one (the scheduled
task does the same every six hours)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from businesses.models import Business
from liveaccounts.refresh import account_activity_refresh


class Command(BaseCommand):
    help = "Read active ads and 7-day spend of each ad account, per client."

    def add_arguments(self, parser):
        parser.add_argument("business_id", nargs="?", help="A client's Business ID (default: all)")

    def handle(self, *args, business_id=None, **options):
        clients = Business.objects.filter(is_agency=False, tokens__is_active=True).distinct()
        if business_id:
            clients = clients.filter(meta_id=business_id)
            if not clients.exists():
                raise CommandError(f"No connected client with Business ID {business_id}.")
        for business in clients.order_by("name"):
            result = account_activity_refresh(business=business)
            self.stdout.write(
                f"{business.name}: {result.read} read, {result.failed} failed, "
                f"{result.skipped} left for later"
                + (" (stopped at the quota budget)" if result.stopped_for_quota else "")
            )
