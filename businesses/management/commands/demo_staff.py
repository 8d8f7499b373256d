"""Create the demo's staff logins (local demo only; refuses to run with DEBUG off)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from businesses.models import Business, StaffAssignment

DEMO_PASSWORD = "bm-portal-demo"


class Command(BaseCommand):
    help = "Create demo staff logins: an agency admin (superuser) and an account manager."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_staff is for the local demo only (DEBUG is off).")
        User = get_user_model()
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        admin.groups.add(Group.objects.get(name="Agency admin"))
        manager, _ = User.objects.get_or_create(username="manager", defaults={"is_staff": True})
        manager.set_password(DEMO_PASSWORD)
        manager.save()
        manager.groups.add(Group.objects.get(name="Account manager"))
        clients = Business.objects.filter(is_agency=False).order_by("name")[:2]
        for business in [*clients, *Business.objects.filter(is_agency=True)]:
            StaffAssignment.objects.get_or_create(user=manager, business=business)
        self.stdout.write(
            f"Demo logins: admin / {DEMO_PASSWORD} (agency admin, sees everything); "
            f"manager / {DEMO_PASSWORD} (account manager on {', '.join(b.name for b in clients)})."
        )
