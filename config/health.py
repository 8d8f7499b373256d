"""``/healthz``: is this deployment able to work? For load balancers and monitors.

No login and no data: the answer names each check and whether it passed, never a host, a count
or an error text. 200 when every check passes, 503 otherwise, with a JSON body:

    {"status": "ok", "checks": {"database": "ok", "broker": "ok", "beat": "ok"}}

- database: a ``SELECT 1`` on the default connection;
- broker: a connection to the Celery broker (skipped, "not used", when tasks run in-process);
- beat: the beat's scheduler stamped a periodic task within HEALTHZ_BEAT_MINUTES (the
  dispatcher and the queue sweeper run every minute; django-celery-beat saves each task's
  last_run_at at least every three minutes).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_celery_beat.models import PeriodicTask

from config.celery_app import app

logger = logging.getLogger(__name__)

OK, FAIL, NOT_USED = "ok", "fail", "not used"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: the database is unreachable")
        return FAIL
    return OK


def check_broker() -> str:
    if app.conf.task_always_eager:
        return NOT_USED
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.warning("healthz: the task broker is unreachable")
        return FAIL
    return OK


def check_beat() -> str:
    if app.conf.task_always_eager:
        return NOT_USED
    try:
        last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    except Exception:
        return FAIL
    fresh = timezone.now() - timedelta(minutes=settings.HEALTHZ_BEAT_MINUTES)
    return OK if last is not None and last >= fresh else FAIL


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    checks["beat"] = check_beat() if checks["database"] == OK else FAIL
    healthy = all(value != FAIL for value in checks.values())
    return JsonResponse(
        {"status": OK if healthy else FAIL, "checks": checks}, status=200 if healthy else 503
    )
