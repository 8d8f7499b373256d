"""Exactly once under a killed worker during a write: a real Celery worker on Redis, the sandbox,
and a SIGKILL while Meta is applying the write.

Each test makes the sandbox hold one write's answer ("slow": it sleeps, then applies the write
and answers), kills the worker (main and pool processes) while the write is in flight, so the
answer is lost and the task is never acknowledged, then starts a second worker. Redis hands the
task over after the visibility timeout; the redelivered task must leave Meta holding the change
once, the portal's row in its final state and the cap count right."""

from __future__ import annotations

import pytest
from django.db import close_old_connections

from assets.models import Asset, AssetAccess, Grant, PushState
from assets.services import grant_create, share_create
from businesses.actors import Actor
from businesses.models import AuditEvent, BusinessUser
from sync.run import business_sync
from systemusers.models import SystemUser
from systemusers.push import system_user_create_in_meta
from systemusers.services import system_user_create, system_user_reserve

from .test_worker import VISIBILITY_TIMEOUT, start_worker, wait_until  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migration_data"),
]

STAFF = Actor.command("test")
HOLD = 4.0  # seconds the sandbox holds the write before applying it and answering
REDELIVERY = VISIBILITY_TIMEOUT + 45


def fired(sb, method: str, path_part: str) -> bool:
    return any(
        kind == "slow" and m == method and path_part in path for kind, m, path in sb.faults.fired
    )


def kill_during_the_write(sb, start_worker, method: str, path_part: str, enqueue) -> None:  # noqa: F811
    """Hold the write's answer, start a worker, enqueue, SIGKILL it mid-write, start another."""
    sb.faults.add("slow", method=method, path_contains=path_part, times=1, delay=HOLD)
    first = start_worker()
    enqueue()
    wait_until(lambda: fired(sb, method, path_part), what="the held write")
    first.kill()
    start_worker()


def fresh(model, pk):
    close_old_connections()
    return model.objects.get(pk=pk)


def test_a_grant_push_killed_mid_write_is_applied_once_and_ends_in_sync(
    cast,
    sb,
    no_sleep,
    start_worker,  # noqa: F811
):
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    priya = BusinessUser.objects.get(business=cast.acme, name="Priya Shah")
    free = [
        a.id
        for a in sb.world.owned_assets(cast.acme.meta_id, "ad_account")
        if priya.meta_id not in a.assigned
    ]
    account = Asset.objects.get(meta_id=free[0])
    made = {}

    def enqueue() -> None:
        made["grant"] = grant_create(asset=account, person=priya, tasks=["ANALYZE"], actor=STAFF)

    kill_during_the_write(sb, start_worker, "POST", f"/{account.meta_id}/assigned_users", enqueue)

    grant_id = made["grant"].pk
    wait_until(
        lambda: fresh(Grant, grant_id).push_state == PushState.IN_SYNC,
        what="the redelivered push",
        timeout=REDELIVERY,
    )
    grant = fresh(Grant, grant_id)
    with sb.world.lock:
        in_meta = dict(sb.world.assets[account.meta_id].assigned)
    assert in_meta[priya.meta_id] == ["ANALYZE"]  # one assignment, the wanted tasks
    assert grant.applied_tasks == ["ANALYZE"] and grant.push_error == ""
    posts = sb.requests.matching("POST", f"/{account.meta_id}/assigned_users")
    assert len(posts) == 2  # the killed attempt and the redelivered one: same state twice
    pushes = AuditEvent.objects.filter(action="grant.push", target_id=str(grant_id))
    assert pushes.count() == 1


def test_a_system_user_creation_killed_mid_write_is_adopted_not_created_twice(
    cast,
    sb,
    start_worker,  # noqa: F811
):
    made = {}

    def enqueue() -> None:
        made["su"] = system_user_create(
            business=cast.acme, name="Reporting robot", role="EMPLOYEE", actor=STAFF
        )

    kill_during_the_write(sb, start_worker, "POST", f"/{cast.acme.meta_id}/system_users", enqueue)

    su_id = made["su"].pk
    wait_until(
        lambda: fresh(SystemUser, su_id).status == SystemUser.Status.ACTIVE,
        what="the redelivered creation",
        timeout=REDELIVERY,
    )
    robot = fresh(SystemUser, su_id)
    with sb.world.lock:
        in_meta = [
            su
            for su in sb.world.system_users.values()
            if su.business_id == cast.acme.meta_id and su.name == "Reporting robot"
        ]
    assert len(in_meta) == 1  # Meta holds it once
    assert robot.meta_id == in_meta[0].id and robot.slot == 1
    assert len(sb.requests.matching("POST", f"/{cast.acme.meta_id}/system_users")) == 1
    holders = SystemUser.objects.filter(
        business=cast.acme, role="EMPLOYEE", status__in=SystemUser.HOLDS_SLOT
    )
    assert list(holders.values_list("pk", flat=True)) == [su_id]  # the cap count is right


def test_a_share_push_killed_mid_write_is_applied_once_and_ends_in_sync(
    cast,
    sb,
    no_sleep,
    start_worker,  # noqa: F811
):
    created = sb.world.add_asset("ad_account", cast.acme.meta_id, "Acme Outdoor - NZ Prospecting")
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    asset = Asset.objects.get(meta_id=created.id)
    made = {}

    def enqueue() -> None:
        made["access"] = share_create(
            asset=asset, partner=cast.agency, permitted_tasks=["ANALYZE"], actor=STAFF
        )

    kill_during_the_write(sb, start_worker, "POST", f"/{asset.meta_id}/agencies", enqueue)

    access_id = made["access"].pk
    wait_until(
        lambda: fresh(AssetAccess, access_id).push_state == PushState.IN_SYNC,
        what="the redelivered share",
        timeout=REDELIVERY,
    )
    with sb.world.lock:
        shares = [
            business_id
            for business_id in sb.world.assets[asset.meta_id].access
            if business_id == cast.agency.meta_id
        ]
        tasks = list(sb.world.assets[asset.meta_id].access[cast.agency.meta_id].permitted_tasks)
    assert shares == [cast.agency.meta_id] and "ANALYZE" in tasks
    assert AssetAccess.objects.filter(asset=asset, business=cast.agency).count() == 1
    assert fresh(AssetAccess, access_id).push_error == ""


def test_a_creation_whose_answer_was_lost_before_meta_saw_it_is_created_once(cast, sb):
    # The earlier attempt was marked as sent, but Meta never got it (nothing to adopt by name):
    # the redelivered creation looks, finds nothing, and creates it once.
    reserved = system_user_reserve(
        business=cast.acme, name="Reporting robot", role="EMPLOYEE", actor=STAFF
    )
    SystemUser.objects.filter(pk=reserved.pk).update(create_sent_at=reserved.created_at)

    robot = system_user_create_in_meta(system_user_id=reserved.pk, actor=STAFF)

    assert robot.status == SystemUser.Status.ACTIVE
    assert sb.requests.matching("GET", f"/{cast.acme.meta_id}/system_users")
    assert len(sb.requests.matching("POST", f"/{cast.acme.meta_id}/system_users")) == 1
