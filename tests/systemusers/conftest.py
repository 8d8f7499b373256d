from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from tests.portal.conftest import connected  # noqa: F401 (fixtures)
