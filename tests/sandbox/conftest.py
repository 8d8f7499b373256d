"""Fixtures for the sandbox's own tests: a running sandbox plus a thin HTTP helper."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.testing import sandbox, sandbox_world  # noqa: F401  (re-exported fixtures)

from .helpers import Graph


@pytest.fixture
def creds(sandbox) -> dict[str, Any]:  # noqa: F811
    return sandbox.world.credentials


@pytest.fixture
def graph(sandbox, creds) -> Graph:  # noqa: F811
    return Graph(sandbox, creds["admin_system_user_token"])
