"""Create the demo's staff logins (local demo only; refuses to run with DEBUG off)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from businesses.models import Business, StaffAssignment

DEMO_PASSWORD = "bm-portal-demo"


class Command(BaseCommand):
    help = "Create demo staff logins: an agency admin (superuser), an account manager, an auditor."

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
        clients = Business.objects.filter(is_agency=False).order_by("name")[:2]
        # The manager and the auditor see the same two clients (and the agency).
        for username, group in (("manager", "Account manager"), ("auditor", "Auditor (read-only)")):
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            user.is_staff = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=group))
            for business in [*clients, *Business.objects.filter(is_agency=True)]:
                StaffAssignment.objects.get_or_create(user=user, business=business)
        names = ", ".join(b.name for b in clients)
        self.stdout.write(
            f"Demo logins: admin / {DEMO_PASSWORD} (agency admin, sees everything); "
            f"manager / {DEMO_PASSWORD} (account manager on {names}); "
            f"auditor / {DEMO_PASSWORD} (read-only, on {names})."
        )
