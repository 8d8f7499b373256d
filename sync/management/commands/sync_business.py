from __future__ import annotations

from django.core.management.base import CommandError

from businesses.actors import Actor
from businesses.models import Business
from businesses.models.base import meta_id_validator
from core.commands import OperatorCommand
from sync.models import SyncRun
from sync.run import business_sync


class Command(OperatorCommand):
    help = "Run a sync of one business now, in this process, and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("business_id", help="Meta Business Manager ID (digits)")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Re-read every asset's assigned users, partner shares and custom conversions "
            "(by default only new, changed, pushed and due assets are re-read).",
        )

    def handle(self, *args, **options):
        meta_id_validator(options["business_id"])
        business = Business.objects.filter(meta_id=options["business_id"]).first()
        if business is None:
            raise CommandError(f"Unknown business {options['business_id']}: connect it first.")
        run = business_sync(
            business_id=business.pk,
            trigger=SyncRun.Trigger.COMMAND,
            actor=Actor.command("sync_business"),
            full=options["full"],
            # "In this process": a big client's chunks too, not left to the workers.
            inline_chunks=True,
        )
        summary = (
            f"{business.name}: {run.get_status_display()} — created {run.created_count}, "
            f"updated {run.updated_count}, removed {run.removed_count}; {run.graph_calls} Graph calls; "
            f"{run.duration_seconds or 0:.1f}s."
        )
        if run.held_back:
            summary += f"\nHeld back: {run.held_back}"
        for line in run.warning_lines:
            summary += f"\nWarning: {line}"
        if run.status not in SyncRun.SUCCESSFUL:
            raise CommandError(f"{summary}\n{run.error}")
        self.stdout.write(summary)
