"""The cap service under a burst: twelve operators create system users at once."""

# ruff: noqa: F811 (the tests take the sync cast's fixtures, imported below, as parameters)

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sync.run import business_sync
from systemusers.models import SystemUser
from tests.sync.conftest import app, cast, no_sleep, sb, world  # noqa: F401 (fixtures)

ATTEMPTS = 12
ADVANCED_EMPLOYEE_CAP = 10


@pytest.fixture
def access_level() -> str:
    return "advanced"


def create_system_user(business_meta_id: str, name: str, start: threading.Barrier, out: dict):
    try:
        start.wait()
        stdout = StringIO()
        call_command(
            "create_system_user", business_meta_id, name=name, role="EMPLOYEE", stdout=stdout
        )
        out[name] = ("created", stdout.getvalue().strip())
    except CommandError as exc:
        out[name] = ("refused", str(exc))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_simultaneous_creations_fill_exactly_the_free_slots_and_no_more(cast, sb, no_sleep):
    sb.world.set_app_level(sb.credentials["app_id"], "advanced")
    business_sync(business_id=cast.agency.pk, sleep=no_sleep)  # the portal learns Meta's own
    existing = SystemUser.objects.filter(business=cast.agency, role="EMPLOYEE").count()
    free = ADVANCED_EMPLOYEE_CAP - existing
    start, out = threading.Barrier(ATTEMPTS), {}
    threads = [
        threading.Thread(
            target=create_system_user, args=(cast.agency.meta_id, f"Robot {n:02d}", start, out)
        )
        for n in range(ATTEMPTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    created = [text for outcome, text in out.values() if outcome == "created"]
    refused = [text for outcome, text in out.values() if outcome == "refused"]
    assert existing == 1 and len(out) == ATTEMPTS
    assert len(created) == free, refused
    assert len(refused) == ATTEMPTS - free
    for message in refused:
        assert "Full (formerly Advanced) access level" in message
        assert f"all {ADVANCED_EMPLOYEE_CAP} system user slots are taken" in message
    assert len(sb.requests.matching("POST", "/system_users")) == free
    in_meta = [su for su in sb.world.system_users_of(cast.agency.meta_id) if su.role == "EMPLOYEE"]
    assert sorted(su.id for su in in_meta if su.name.startswith("Robot")) == sorted(created)
    assert len(in_meta) == ADVANCED_EMPLOYEE_CAP
    assert (
        SystemUser.objects.filter(
            business=cast.agency, role="EMPLOYEE", status__in=SystemUser.HOLDS_SLOT
        ).count()
        == ADVANCED_EMPLOYEE_CAP
    )
