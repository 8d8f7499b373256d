"""The sync engine's cast (tests/sync: the sandbox, Northwind Media and its clients connected
with the tokens the sandbox issued), for alerts raised as a sync run finishes."""

from tests.sync.conftest import access_level, app, cast, no_sleep, sb, world  # noqa: F401
