"""The engine's cast: the sandbox (a stand-in Meta on loopback), the agency's app registered
with the sandbox's id and secret, and the agency plus its three clients connected with the
tokens the sandbox issued. Tests never sleep: the client's sleep is injected (``no_sleep``)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import redis

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.developer_apps import developer_app_register
from businesses.models import Business, DeveloperApp
from sandbox.faults import FaultPlan
from sandbox.scenarios import demo
from sandbox.server import SandboxServer
from sandbox.world import World
from sync.models import SyncRun
from sync.run import business_sync


@dataclass
class Cast:
    """Northwind Media (the agency) and its clients Acme, Blue Harbor and Cedar & Pine."""

    app: DeveloperApp
    agency: Business
    acme: Business
    blue_harbor: Business
    cedar_pine: Business

    @property
    def businesses(self) -> list[Business]:
        return [self.agency, self.acme, self.blue_harbor, self.cedar_pine]


class Sleeps:
    """Records the waits the Graph client asked for instead of waiting them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def no_sleep() -> Sleeps:
    return Sleeps()


@pytest.fixture
def access_level() -> str:
    return "standard"


@pytest.fixture
def world() -> World:
    return demo()


@pytest.fixture
def sb(world: World, settings) -> Iterator[SandboxServer]:
    """A running sandbox, with the portal's Graph URL pointed at it."""
    with SandboxServer(world=world, faults=FaultPlan()) as server:
        settings.META_GRAPH_URL = server.base_url
        yield server


@pytest.fixture
def app(sb: SandboxServer, access_level: str, db) -> DeveloperApp:
    creds = sb.credentials
    registered, _ = developer_app_register(
        app_meta_id=creds["app_id"],
        name="Northwind Media BM Portal",
        access_level=access_level,
        secret=creds["app_secret"],
        actor=Actor.command("test"),
    )
    return registered


@pytest.fixture
def cast(sb: SandboxServer, app: DeveloperApp) -> Cast:
    creds = sb.credentials
    actor = Actor.command("test")
    agency = business_connect(
        business_meta_id=creds["agency_business_id"],
        app=app,
        token=creds["admin_system_user_token"],
        is_agency=True,
        actor=actor,
    )
    clients = [
        business_connect(
            business_meta_id=client["business_id"],
            app=app,
            token=client["admin_user_token"],
            actor=actor,
        )
        for client in creds["clients"]
    ]
    app.refresh_from_db()
    return Cast(app, agency, *clients)


def sync_all(cast: Cast, sleep: Sleeps) -> list[SyncRun]:
    """Sync every business once, clients before the agency: the agency cannot list what its
    clients share of some kinds (no client_instagram edge in the contract), so it learns of
    those assets from its clients' syncs."""
    order = [cast.acme, cast.blue_harbor, cast.cedar_pine, cast.agency]
    return [business_sync(business_id=b.pk, sleep=sleep) for b in order]


# Each checkout running the suite at once gets its own Redis database (scripts/test exports it);
# the fixture flushes that database, so it must never be one another run uses.
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_broker() -> Iterator[redis.Redis]:
    """This process's Celery app publishing to the test Redis database instead of running tasks eagerly:
    a task queued here is a message there (for a worker, or for the test to read)."""
    from config.celery_app import app as celery_app

    store = redis.Redis.from_url(BROKER)
    store.flushdb()
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = BROKER, False
    forget_broker_connections(celery_app)
    try:
        yield store
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
        forget_broker_connections(celery_app)
        store.flushdb()
        store.close()


def forget_broker_connections(celery_app) -> None:
    """The app caches its connection and producer pools on first use (even an eager task makes
    them, for the default broker): drop them so the next send uses the configured broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class OwnRedis:
    """A ``redis-server`` of the test's own on a free loopback port, which the test may stop
    and start again (a broker outage) without touching the shared Redis."""

    def __init__(self, workdir) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> OwnRedis:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    """This process's Celery app publishing to a Redis the test owns (started here)."""
    from config.celery_app import app as celery_app

    server = OwnRedis(tmp_path).start()
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = server.url, False
    forget_broker_connections(celery_app)
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
        forget_broker_connections(celery_app)


@pytest.fixture
def migration_data(transactional_db) -> None:
    """Transactional tests flush the tables, the migrations' data too, and an earlier one may
    have run first: make the staff groups and the task vocabulary again (both idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("businesses.migrations.0003_staff_groups").create_groups(apps, None)
    importlib.import_module("assets.migrations.0003_task_vocabulary").seed(apps, None)


def assert_only_the_next_sync_is_queued(
    broker: redis.Redis, business_pk: int, at: datetime
) -> None:
    """The ``sync`` queue holds exactly one message: the business's next sync, due at ``at``
    (within seconds), as a throttled run leaves it."""
    queued = [json.loads(message) for message in broker.lrange("sync", 0, -1)]
    assert [m["headers"]["task"] for m in queued] == ["businesses.tasks.business_sync_task"]
    args, _kwargs, _embed = json.loads(base64.b64decode(queued[0]["body"]))
    assert args == [business_pk, None]
    eta = datetime.fromisoformat(queued[0]["headers"]["eta"])
    assert abs(eta - at) < timedelta(seconds=5)
