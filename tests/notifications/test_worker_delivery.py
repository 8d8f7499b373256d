"""A delivery through a real Celery worker on the real Redis: the webhook answers 503 twice,
the task retries with back-off, the third attempt is delivered. Rows are committed
(transactional test) so the worker's processes see them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import close_old_connections

from businesses.actors import Actor
from notifications.delivery_task import delivery_send_task
from notifications.models import Delivery, Event, EventKind, NotificationSetting
from notifications.services import notification_setting_save
from tests.factories import StaffFactory
from tests.sync.conftest import redis_broker  # noqa: F401 (fixture)
from tests.sync.test_worker import Worker, wait_until

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(redis_broker, tmp_path) -> Iterator[Worker]:  # noqa: F811 (fixture)
    started = Worker("http://127.0.0.1:9", tmp_path / "notify-worker.log")
    started.env["NOTIFY_RETRY_BASE_SECONDS"] = "1"
    try:
        yield started.start()
    finally:
        started.stop()


def _state(pk: int) -> tuple[str, int]:
    close_old_connections()
    return tuple(Delivery.objects.values_list("state", "attempts").get(pk=pk))


def test_a_worker_retries_a_failing_webhook_until_it_is_delivered(worker, http_receiver):
    user = StaffFactory(username="wendy")
    notification_setting_save(
        user=user,
        actor=Actor.staff(user),
        events=[EventKind.TOKEN_INVALID],
        mode=NotificationSetting.Mode.IMMEDIATE,
        email_enabled=False,
        email="",
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_format=NotificationSetting.WebhookFormat.JSON,
        webhook_secret="whsec-worker",
    )
    event = Event.objects.create(
        kind=EventKind.TOKEN_INVALID, dedup_key="worker-test", summary="Token …abcd is invalid."
    )
    delivery = Delivery.objects.create(user=user, channel="webhook", event=event)
    http_receiver.statuses = [503, 503]

    delivery_send_task.delay(delivery.pk)

    wait_until(lambda: _state(delivery.pk)[0] == Delivery.State.SENT, what="the delivery")
    assert _state(delivery.pk) == (Delivery.State.SENT, 3)
    assert len(http_receiver.requests) == 3
