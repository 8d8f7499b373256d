"""Pytest fixtures for any test suite: ``from sandbox.testing import sandbox, sandbox_world``.

- ``sandbox_world``: a fresh demo ``World`` (function scope).
- ``sandbox``: a running ``SandboxServer`` over that world, stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .faults import FaultPlan
from .scenarios import demo
from .server import SandboxServer
from .world import World


@pytest.fixture
def sandbox_world() -> World:
    return demo()


@pytest.fixture
def sandbox(sandbox_world: World) -> Iterator[SandboxServer]:
    server = SandboxServer(world=sandbox_world, faults=FaultPlan())
    with server:
        yield server
