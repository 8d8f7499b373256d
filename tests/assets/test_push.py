"""Grant push against the sandbox: applied and read back, refused, retried, idempotent, revoked."""

# ruff: noqa: F811 (the tests take the sync cast's fixtures, imported below, as parameters)

from __future__ import annotations

import pytest

from assets.models import Asset, Grant, PushState
from assets.push import RetryLater, grant_push
from assets.services import grant_create, grant_request_removal
from businesses.actors import Actor
from businesses.models import BusinessUser
from sync.run import business_sync
from tests.sync.conftest import access_level, app, cast, no_sleep, sb, world  # noqa: F401 (fixtures)

STAFF = Actor.command("test")


@pytest.fixture
def priya(cast, sb, no_sleep) -> BusinessUser:
    """An Acme employee, once Acme is synced into the portal."""
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    return BusinessUser.objects.get(business=cast.acme, name="Priya Shah")


@pytest.fixture
def account(cast, sb, priya) -> Asset:
    """An Acme ad account Priya holds nothing on yet."""
    free = [
        a.id
        for a in sb.world.owned_assets(cast.acme.meta_id, "ad_account")
        if priya.meta_id not in a.assigned
    ]
    return Asset.objects.get(meta_id=free[0])


def tasks_in_meta(sb, asset: Asset, person: BusinessUser) -> list[str] | None:
    with sb.world.lock:
        return sb.world.assets[asset.meta_id].assigned.get(person.meta_id)


def test_a_new_grant_is_pushed_read_back_and_in_sync(
    sb, priya, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(asset=account, person=priya, tasks=["ADVERTISE"], actor=STAFF)

    grant.refresh_from_db()
    assert grant.push_state == PushState.IN_SYNC, grant.push_error
    assert set(grant.applied_tasks) >= {"ADVERTISE"}
    assert grant.applied_tasks == tasks_in_meta(sb, account, priya) == ["ADVERTISE", "ANALYZE"]
    assert sb.requests.matching("POST", f"/{account.meta_id}/assigned_users")


def test_a_task_set_meta_refuses_fails_with_metas_message_in_words(sb, priya, account):
    sb.world.config.task_vocabulary["ad_account"].remove("DRAFT")  # Meta stopped taking it
    grant = grant_create(asset=account, person=priya, tasks=["DRAFT"], actor=STAFF, push=False)

    grant = grant_push(grant=grant, actor=STAFF)

    assert grant.push_state == PushState.FAILED
    assert "This Task Combination Is Not Supported" in grant.push_error
    assert "code" not in grant.push_error and "{" not in grant.push_error
    assert tasks_in_meta(sb, account, priya) is None


def test_a_push_that_failed_transiently_succeeds_when_retried(sb, priya, account, settings):
    settings.META_MAX_RETRIES = 0  # the client gives up at once; the task's retry takes over
    sb.faults.add("503", method="POST", path_contains="/assigned_users", times=1)
    grant = grant_create(asset=account, person=priya, tasks=["ANALYZE"], actor=STAFF, push=False)

    with pytest.raises(RetryLater):
        grant_push(grant=grant, actor=STAFF)
    grant.refresh_from_db()
    assert grant.push_state == PushState.PENDING
    grant = grant_push(grant=grant, actor=STAFF)

    assert grant.push_state == PushState.IN_SYNC
    assert tasks_in_meta(sb, account, priya) == ["ANALYZE"]


def test_re_running_a_done_push_makes_no_graph_calls(sb, priya, account):
    grant = grant_create(asset=account, person=priya, tasks=["ANALYZE"], actor=STAFF, push=False)
    grant = grant_push(grant=grant, actor=STAFF)
    calls = len(sb.requests)

    again = grant_push(grant=grant, actor=STAFF)

    assert again.push_state == PushState.IN_SYNC
    assert len(sb.requests) == calls


def test_a_revoked_grant_is_removed_and_gone_from_meta(sb, priya, account):
    grant = grant_create(asset=account, person=priya, tasks=["ANALYZE"], actor=STAFF, push=False)
    grant = grant_push(grant=grant, actor=STAFF)
    assert tasks_in_meta(sb, account, priya) == ["ANALYZE"]

    grant_request_removal(grant=grant, actor=STAFF, push=False)
    grant = grant_push(grant=grant, actor=STAFF)

    assert grant.push_state == PushState.REMOVED
    assert grant.removed_at is not None
    assert tasks_in_meta(sb, account, priya) is None
    assert not Grant.objects.exclude(push_state=PushState.REMOVED).filter(pk=grant.pk).exists()


def test_an_instagram_grant_goes_to_the_instagram_business_assets_assigned_users(
    cast, sb, priya, django_capture_on_commit_callbacks
):
    """InstagramBusinessAsset has GET/POST/DELETE assigned_users; IGUser has none (SDK
    instagrambusinessasset.py, iguser.py)."""
    ig = Asset.objects.filter(kind="instagram_account", owner_business=cast.acme).first()
    world_asset = sb.world.assets[ig.meta_id]
    assert world_asset.kind == "instagram_account"
    assert ig.name == world_asset.fields["ig_username"]
    assert ig.details["ig_user_id"] == world_asset.fields["ig_user_id"] != ig.meta_id

    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(asset=ig, person=priya, tasks=["ANALYZE"], actor=STAFF)

    grant.refresh_from_db()
    assert grant.push_state == PushState.IN_SYNC, grant.push_error
    assert sb.requests.matching("POST", f"/{ig.meta_id}/assigned_users")
    assert "ANALYZE" in tasks_in_meta(sb, ig, priya)
    assert not sb.requests.matching("POST", f"/{world_asset.fields['ig_user_id']}/")
