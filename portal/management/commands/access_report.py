from __future__ import annotations

import csv
import json

from django.core.management.base import CommandError

from businesses.models import Business
from businesses.models.base import meta_id_validator
from core.commands import OperatorCommand
from portal.reports import ACCESS_REPORT_COLUMNS, access_report_rows, csv_cell


class Command(OperatorCommand):
    help = "Print who holds which tasks on which asset of a business, as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("business_id", help="Meta Business Manager ID (digits)")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        meta_id_validator(options["business_id"])
        business = Business.objects.filter(meta_id=options["business_id"]).first()
        if business is None:
            raise CommandError(f"Unknown business {options['business_id']}.")
        rows = access_report_rows(businesses=[business])
        if options["format"] == "json":
            self.stdout.write(json.dumps(list(rows), indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=ACCESS_REPORT_COLUMNS)
        writer.writeheader()
        for row in rows:
            row = {**row, "tasks": " ".join(row["tasks"])}
            writer.writerow({key: csv_cell(value) for key, value in row.items()})
