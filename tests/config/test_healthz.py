"""/healthz: no login, no data; 200 when the database, the broker and the beat are fine, 503
with the failing check named otherwise. The broker is a redis-server the test starts and stops
itself, never the shared one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.factories import BusinessFactory
from tests.sync.conftest import own_redis  # noqa: F401 (pytest fixture)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def beat_seen(minutes_ago: float) -> None:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="Queue sweeper",
        defaults={
            "task": "businesses.tasks.queue_sweep_task",
            "interval": every_minute,
            "last_run_at": timezone.now() - timedelta(minutes=minutes_ago),
        },
    )


def test_healthz_answers_200_when_database_broker_and_beat_are_fine(client, own_redis):  # noqa: F811
    beat_seen(minutes_ago=1)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "beat": "ok"},
    }


def test_healthz_answers_503_naming_the_broker_when_it_is_down(client, own_redis):  # noqa: F811
    beat_seen(minutes_ago=1)
    own_redis.stop()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "fail", "beat": "ok"}


def test_healthz_answers_503_when_the_beat_was_not_seen_for_too_long(
    client,
    own_redis,  # noqa: F811
    settings,
):
    settings.HEALTHZ_BEAT_MINUTES = 5
    beat_seen(minutes_ago=6)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == "fail"


def test_healthz_needs_no_login_and_shows_no_data(client, own_redis):  # noqa: F811
    business = BusinessFactory(name="Acme Outdoor")
    beat_seen(minutes_ago=1)

    response = client.get("/healthz")
    body = response.content.decode()

    assert response.status_code == 200  # anonymous: no redirect to the login
    assert set(json.loads(body)) == {"status", "checks"}
    assert business.name not in body and own_redis.url not in body
    assert str(own_redis.port) not in body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Serialized like every transactional test: a plain one's flush re-creates the content types,
# and the next serialized test's restore then collides with them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_gunicorn_serves_the_portal_with_its_config_file(tmp_path):
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --workers 1",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # Tasks run in-process under the test settings: no broker and no beat to check.
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "not used",
        "beat": "not used",
    }
    assert "/healthz" in (tmp_path / "gunicorn.log").read_text()  # the access log, no query
