"""Approval fixtures: the connected agency in a sandbox world, shared with the portal's tests."""

from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from tests.portal.conftest import connected  # noqa: F401 (fixtures)
