from tests.sync.conftest import access_level, app, cast, no_sleep, sb, world  # noqa: F401 (fixtures)
