"""The prompt check through a real broker, and through a broker outage: nothing is lost.

Each test runs its own ``redis-server`` on a free port (tests/sync's ``own_redis``) and stops it
to make the outage; the shared Redis is never touched. Rows are committed (transactional tests)
so the on-commit hooks run as in production. A queued message is read off the queue and its
task run here, as a worker would run it."""

from __future__ import annotations

import base64
import json
import time

import pytest

from assets.models import PushState
from assets.tasks import grant_push_task
from config.celery_app import app as celery_app
from notifications.models import Delivery, Event, EventKind
from notifications.services import deliveries_sweep
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
)
from tests.notifications.conftest import alerts_for, emails, with_connection_token

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migration_data"),
]


@pytest.fixture
def failing_push(settings):
    """A grant of Acme's whose push will give up (Meta cannot be reached), and Alice, who
    manages Acme and asked for push failures by email."""
    settings.META_GRAPH_URL = "http://127.0.0.1:9"
    business = BusinessFactory(name="Acme Outdoor")
    alice = StaffFactory(username="alice", group="Account manager", businesses=[business])
    alerts_for(alice, EventKind.PUSH_FAILED)
    with_connection_token(business)
    return GrantFactory(
        asset=AssetFactory(owner_business=business, name="Acme - US"),
        person=PersonFactory(business=business, name="Dana Buyer"),
        push_state=PushState.PENDING,
    )


def _take_messages(own_redis) -> list[tuple[str, list]]:
    """Pop every message off the default queue: (task name, args)."""
    store = own_redis.client()
    try:
        raw = []
        while (item := store.rpop("default")) is not None:
            raw.append(json.loads(item))
    finally:
        store.close()
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in raw]


def _run_as_a_worker(name: str, args: list) -> None:
    celery_app.tasks[name].apply(args=args)


def test_with_the_queue_up_the_check_is_queued_for_a_worker_then_emails(
    own_redis, failing_push, smtp_server
):
    grant_push_task.apply(args=[failing_push.pk])

    [(name, args)] = _take_messages(own_redis)
    assert name == "notifications.tasks.business_events_detect_task"
    assert args == [failing_push.business_id]
    assert not Event.objects.exists()  # the workflow did not wait for the check

    _run_as_a_worker(name, args)
    [(name, args)] = _take_messages(own_redis)
    assert name == "notifications.tasks.delivery_send_task"
    _run_as_a_worker(name, args)
    [text] = emails(smtp_server)
    assert "Acme - US" in text and "could not be applied in Meta" in text


def test_a_push_failing_while_the_queue_is_down_is_recorded_at_once(
    own_redis, failing_push, smtp_server
):
    own_redis.stop()

    started = time.monotonic()
    grant_push_task.apply(args=[failing_push.pk])
    elapsed = time.monotonic() - started

    failing_push.refresh_from_db()
    assert failing_push.push_state == PushState.FAILED
    event = Event.objects.get()
    assert event.kind == EventKind.PUSH_FAILED
    delivery = Delivery.objects.get(event=event)
    assert delivery.state == Delivery.State.PENDING and delivery.waiting_for_queue
    assert smtp_server.messages == []
    print(f"\npush giving up, with the alert check and its delivery refused: {elapsed:.2f}s")


def test_after_the_outage_the_periodic_pass_sends_the_waiting_alert_once(
    own_redis, failing_push, smtp_server
):
    own_redis.stop()
    grant_push_task.apply(args=[failing_push.pk])
    assert deliveries_sweep() == 0  # still down: nothing sent, nothing lost
    own_redis.start()

    assert deliveries_sweep() == 1
    assert deliveries_sweep() == 0
    [(name, args)] = _take_messages(own_redis)
    _run_as_a_worker(name, args)

    assert not Delivery.objects.filter(waiting_for_queue=True).exists()
    [text] = emails(smtp_server)
    assert "Acme - US" in text
