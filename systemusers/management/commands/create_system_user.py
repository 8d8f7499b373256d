from __future__ import annotations

from django.core.management.base import CommandError

from businesses.actors import Actor
from businesses.approval_gate import ApprovalRequired, RiskyChange, refuse_or_record_bypass
from businesses.models import Business
from businesses.models.base import meta_id_validator
from core.commands import OperatorCommand
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.push import SystemUserPushError
from systemusers.services import system_user_create


class Command(OperatorCommand):
    help = "Create a system user through the cap service and Meta; prints its id."

    def add_arguments(self, parser):
        parser.add_argument("business_id", help="Meta Business Manager ID (digits)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", required=True, choices=SystemUser.Role.values)
        parser.add_argument(
            "--without-approval",
            action="store_true",
            help="Create an admin system user although the agency turned two-person approval "
            "on (recorded in the audit trail). Otherwise ask for it in the portal.",
        )

    def handle(self, *args, **options):
        meta_id_validator(options["business_id"])
        business = (
            Business.objects.select_related("app").filter(meta_id=options["business_id"]).first()
        )
        if business is None:
            raise CommandError(f"Unknown business {options['business_id']}: connect it first.")
        actor = Actor.command("create_system_user")
        if options["role"] == SystemUser.Role.ADMIN:
            try:
                refuse_or_record_bypass(
                    change=RiskyChange.ADMIN_SYSTEM_USER,
                    business=business,
                    actor=actor,
                    summary=f"Create admin system user {options['name']} in {business.name}",
                    without_approval=options["without_approval"],
                )
            except ApprovalRequired as exc:
                raise CommandError(str(exc)) from None
        try:
            system_user = system_user_create(
                business=business,
                name=options["name"],
                role=options["role"],
                actor=actor,
                wait=True,
            )
        except (SystemUserCapError, SystemUserPushError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(system_user.meta_id)
