"""Onboarding fixtures: the connected agency in a sandbox world and the staff groups, shared with
the portal's tests."""

from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from tests.portal.conftest import connected, staff_groups  # noqa: F401 (fixtures)
