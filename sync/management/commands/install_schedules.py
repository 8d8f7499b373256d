"""Create (or update) the periodic tasks in django-celery-beat. Idempotent; edit them in the
admin afterwards. Run once per deployment (the demo script does)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SCHEDULES = [
    # Each business has its own interval (Business.sync_interval_minutes); this tick only
    # dispatches the ones that are due, so 300 businesses never all start at once.
    (
        "Dispatch due business syncs",
        "businesses.tasks.dispatch_due_syncs",
        {"every": 1, "period": "minutes"},
    ),
    # Sends again pushes, system-user creations and sync runs the task queue never got.
    ("Queue sweeper", "businesses.tasks.queue_sweep_task", {"every": 1, "period": "minutes"}),
    ("Token health (daily)", "businesses.tasks.token_health_task", {"minute": "15", "hour": "3"}),
    (
        "Prune the Graph call ledger (daily)",
        "businesses.tasks.graph_calls_prune_task",
        {"minute": "45", "hour": "3"},
    ),
    (
        "Advanced-access eligibility (daily)",
        "businesses.tasks.eligibility_snapshot_task",
        {"minute": "30", "hour": "3"},
    ),
    (
        "Notifications: detect events",
        "notifications.tasks.events_detect_task",
        {"every": 5, "period": "minutes"},
    ),
    (
        "Notifications: daily digest",
        "notifications.tasks.digest_send_task",
        {"minute": "0", "hour": "7"},
    ),
    # Daily, but each client's review is raised once per ISO week (its dedup key).
    (
        "Security review (weekly digest)",
        "security.tasks.security_digest_task",
        {"minute": "0", "hour": "6"},
    ),
    (
        "Expire unanswered approval requests",
        "approvals.tasks.change_requests_expire_task",
        {"every": 15, "period": "minutes"},
    ),
    (
        "Live ad accounts (active ads, 7-day spend)",
        "liveaccounts.tasks.live_accounts_dispatch_task",
        {"minute": "20", "hour": "*/6"},
    ),
]


class Command(BaseCommand):
    help = "Install the portal's periodic tasks in django-celery-beat."

    def handle(self, *args, **options):
        for name, task, when in SCHEDULES:
            if "every" in when:
                interval, _ = IntervalSchedule.objects.get_or_create(**when)
                schedule = {"interval": interval, "crontab": None}
            else:
                crontab, _ = CrontabSchedule.objects.get_or_create(
                    minute=when["minute"],
                    hour=when["hour"],
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                )
                schedule = {"crontab": crontab, "interval": None}
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, **schedule, "enabled": True}
            )
            self.stdout.write(f"Scheduled: {name}")
