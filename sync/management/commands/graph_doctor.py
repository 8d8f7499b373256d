from __future__ import annotations

import sys

from django.core.management.base import CommandError

from businesses.graph_access import NotConnectedError
from businesses.models import Business
from businesses.models.base import meta_id_validator
from core.commands import OperatorCommand
from sync.doctor import business_graph_check


class Command(OperatorCommand):
    help = (
        "Check, read-only, that Meta serves everything the sync reads for one business (one "
        "request per listing and per edge kind, limit=1), the token's scopes and expiry, and "
        "the usage Meta reports. Exits 1 when Meta refuses anything the sync needs."
    )

    def add_arguments(self, parser):
        parser.add_argument("business_id", help="Meta Business Manager ID (digits)")

    def handle(self, *args, **options):
        meta_id_validator(options["business_id"])
        business = Business.objects.filter(meta_id=options["business_id"]).first()
        if business is None:
            raise CommandError(f"Unknown business {options['business_id']}: connect it first.")
        try:
            report = business_graph_check(business=business)
        except NotConnectedError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(f"{business.name} ({business.meta_id})")
        for line in report.lines():
            self.stdout.write(line)
        if not report.healthy:
            sys.exit(1)
