"""Fixtures for the Graph client tests: a scripted loopback server and an observed client."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from graph import CallRecord, GraphClient, GraphConfig
from tests.graph.graphfakes import APP_SECRET, USER_TOKEN, VERSION, FakeGraph, Sleeps


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    server = FakeGraph()
    yield server
    server.close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def calls() -> list[CallRecord]:
    return []


@pytest.fixture
def make_client(
    fake: FakeGraph, sleeps: Sleeps, calls: list[CallRecord]
) -> Callable[..., GraphClient]:
    def build(**overrides: Any) -> GraphClient:
        config_kw = {
            k: overrides.pop(k) for k in list(overrides) if k in GraphConfig.__dataclass_fields__
        }
        defaults = {
            "base_url": fake.base_url,
            "version": VERSION,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_retries": 3,
        }
        config = GraphConfig(**{**defaults, **config_kw})
        kwargs: dict[str, Any] = {
            "app_secret": APP_SECRET,
            "business_id": "1001",
            "on_call": calls.append,
            "sleep": sleeps,
            "rng": random.Random(7),
            **overrides,
        }
        token = kwargs.pop("access_token", USER_TOKEN)
        return GraphClient(config, token, **kwargs)

    return build


@pytest.fixture
def client(make_client: Callable[..., GraphClient]) -> Iterator[GraphClient]:
    c = make_client()
    yield c
    c.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP connections (kernel backlog) but never answers: a read timeout."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    host, port = s.getsockname()
    yield f"http://{host}:{port}"
    s.close()
