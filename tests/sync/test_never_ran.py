"""Paths that had never run in a test, now run against the sandbox: offboarding's execution,
a system-user creation Meta refuses, system-user tokens issued and retired, a partner-share push
and its give-up, register_app keeping its secret out of pages and the database, and the logging
configuration's redaction filter."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from assets.models import Asset, AssetAccess, AssetKind, Grant, PushState
from assets.services import share_create
from assets.tasks import share_push_task
from businesses.actors import Actor
from businesses.models import AccessToken, BusinessUser, DeveloperApp, GraphCall
from graph import TransientError
from portal.offboarding import offboard_person
from sync.run import business_sync
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.push import (
    system_user_create_in_meta,
    system_user_issue_token,
    system_user_retire,
)
from systemusers.services import system_user_reserve
from tests.factories import StaffFactory

from .conftest import sync_all

ROOT = Path(__file__).resolve().parents[2]
STAFF = Actor.command("test")


# --- offboarding -------------------------------------------------------------------------------


@pytest.fixture
def leaver(cast, sb, no_sleep):
    """Sam works in all three clients (one person, one email) and holds a task in Acme."""
    world = sb.world
    sam = world.add_person("Sam Leaver", "sam.leaver@example.com")
    members = {
        business.meta_id: world.add_business_user(business.meta_id, person_id=sam.id)
        for business in (cast.acme, cast.blue_harbor, cast.cedar_pine)
    }
    account = world.owned_assets(cast.acme.meta_id, "ad_account")[0]
    world.assign(account.id, members[cast.acme.meta_id].id, ["ANALYZE"])
    sync_all(cast, no_sleep)
    return members


def test_offboarding_removes_the_person_in_the_two_clients_the_staff_member_manages_only(
    cast, sb, leaver, django_capture_on_commit_callbacks
):
    manager = StaffFactory(businesses=[cast.acme, cast.blue_harbor])

    with django_capture_on_commit_callbacks(execute=True):
        count = offboard_person(
            email="sam.leaver@example.com", actor=Actor.staff(manager), user=manager
        )

    assert count == 2
    sam_in_meta = {
        bu.business_id
        for bu in sb.world.business_users.values()
        if bu.email == "sam.leaver@example.com"
    }
    assert sam_in_meta == {cast.cedar_pine.meta_id}
    statuses = dict(
        BusinessUser.objects.filter(email="sam.leaver@example.com").values_list(
            "business_id", "status"
        )
    )
    assert statuses == {
        cast.acme.pk: BusinessUser.Status.REMOVED,
        cast.blue_harbor.pk: BusinessUser.Status.REMOVED,
        cast.cedar_pine.pk: BusinessUser.Status.ACTIVE,
    }
    grants = Grant.objects.filter(person__email="sam.leaver@example.com")
    assert grants.exists()
    assert set(grants.values_list("push_state", flat=True)) == {PushState.REMOVED}
    deletes = [r["path"] for r in sb.requests.matching("DELETE", "/")]
    assert any(leaver[cast.acme.meta_id].id in path for path in deletes)
    assert not any(leaver[cast.cedar_pine.meta_id].id in path for path in deletes)


# --- system users: Meta's cap refusal, tokens --------------------------------------------------


@pytest.mark.parametrize(("role", "code"), [("EMPLOYEE", 3949), ("ADMIN", 3965)])
def test_a_creation_meta_refuses_at_its_cap_leaves_no_row_and_no_slot(cast, sb, role, code):
    # Meta is full already (the portal has not synced Acme, so it still sees a free slot).
    for n in range(2):
        sb.world.add_system_user(cast.acme.meta_id, f"Made in Meta {n}", role=role)

    reserved = system_user_reserve(business=cast.acme, name="One too many", role=role, actor=STAFF)

    with pytest.raises(SystemUserCapError):
        system_user_create_in_meta(system_user_id=reserved.pk, actor=STAFF)

    # Nothing exists in Meta, so nothing stays in the portal; the audit trail keeps the attempt.
    assert not SystemUser.objects.filter(business=cast.acme, name="One too many").exists()
    posts = sb.requests.matching("POST", f"/{cast.acme.meta_id}/system_users")
    assert len(posts) == 1
    assert GraphCall.objects.filter(path__endswith="/system_users", error_code=code).count() == 1
    assert not SystemUser.objects.filter(
        business=cast.acme, role=role, status__in=SystemUser.HOLDS_SLOT
    ).exists()


@pytest.fixture
def robot(cast, sb) -> SystemUser:
    """An agency system user created in Meta through the portal (the app belongs to the agency,
    so only the agency's system users can get tokens for it); advanced access leaves room."""
    sb.world.set_app_level(sb.credentials["app_id"], "advanced")
    DeveloperApp.objects.filter(pk=cast.app.pk).update(access_level="advanced")
    reserved = system_user_reserve(
        business=cast.agency, name="Reporting robot", role="EMPLOYEE", actor=STAFF
    )
    return system_user_create_in_meta(system_user_id=reserved.pk, actor=STAFF)


def test_issuing_a_token_installs_the_app_and_stores_the_token_encrypted(cast, sb, robot):
    stored = system_user_issue_token(system_user=robot, actor=STAFF)

    token = stored.reveal()
    in_meta = sb.world.token(token)
    assert in_meta is not None and in_meta.valid and in_meta.principal_id == robot.meta_id
    assert sb.credentials["app_id"] in sb.world.system_users[robot.meta_id].apps
    assert stored.purpose == AccessToken.Purpose.SYSTEM_USER and stored.system_user == robot
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AccessToken._meta.db_table}")
        assert token not in repr(cursor.fetchall())


def test_retiring_a_system_user_revokes_its_tokens_in_meta_and_keeps_its_slot(cast, sb, robot):
    token = system_user_issue_token(system_user=robot, actor=STAFF).reveal()

    retired = system_user_retire(system_user=robot, actor=STAFF)

    assert retired.status == SystemUser.Status.RETIRED and retired.slot == 1
    assert not sb.world.token(token).valid
    stored = AccessToken.objects.get(system_user=robot)
    assert not stored.is_active and stored.revoked_at is not None
    assert SystemUser.objects.filter(  # still counts toward the cap: Meta cannot delete it
        business=cast.agency, status__in=SystemUser.HOLDS_SLOT, pk=robot.pk
    ).exists()


# --- partner shares --------------------------------------------------------------------------


@pytest.fixture
def unshared(cast, sb, no_sleep) -> Asset:
    """A new Acme ad account, not yet shared with the agency (its partner)."""
    created = sb.world.add_asset("ad_account", cast.acme.meta_id, "Acme Outdoor - NZ Prospecting")
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    asset = Asset.objects.get(meta_id=created.id)
    assert not AssetAccess.objects.filter(asset=asset, business=cast.agency).exists()
    return asset


def test_a_partner_share_is_pushed_to_meta_and_read_back(
    cast, sb, unshared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        access = share_create(
            asset=unshared, partner=cast.agency, permitted_tasks=["ANALYZE"], actor=STAFF
        )

    access.refresh_from_db()
    assert access.push_state == PushState.IN_SYNC, access.push_error
    in_meta = sb.world.assets[unshared.meta_id].access[cast.agency.meta_id]
    assert "ANALYZE" in in_meta.permitted_tasks
    assert len(sb.requests.matching("POST", f"/{unshared.meta_id}/agencies")) == 1


def test_a_partner_share_that_keeps_failing_gives_up_as_failed_not_pending(
    cast, sb, unshared, settings
):
    settings.META_MAX_RETRIES = 0
    sb.faults.add("503", method="POST", path_contains="/agencies", times=None)
    access = share_create(
        asset=unshared, partner=cast.agency, permitted_tasks=["ANALYZE"], actor=STAFF, push=False
    )

    # Run as the worker runs its last retry (retries spent): it gives up.
    share_push_task.apply(args=(access.pk,), retries=share_push_task.max_retries)

    access.refresh_from_db()
    assert access.push_state == PushState.FAILED
    assert "gave up after retrying" in access.push_error
    assert cast.agency.meta_id not in sb.world.assets[unshared.meta_id].access


# --- register_app ------------------------------------------------------------------------------

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_register_app_keeps_the_secret_out_of_its_output_the_pages_and_the_database(
    admin_client, monkeypatch, db
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    out = io.StringIO()

    call_command(
        "register_app",
        "778899001122334",
        "--name",
        "Northwind BM Portal",
        "--access-level",
        "standard",
        "--secret-stdin",
        stdout=out,
    )

    app = DeveloperApp.objects.get(meta_id="778899001122334")
    assert app.reveal_secret() == SECRET  # kept, encrypted
    assert SECRET not in out.getvalue() and SECRET[-4:] in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {DeveloperApp._meta.db_table}")
        assert SECRET not in repr(cursor.fetchall())
    for url in (
        reverse("admin:businesses_developerapp_changelist"),
        reverse("admin:businesses_developerapp_change", args=[app.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert SECRET not in page.content.decode()


# --- logging -------------------------------------------------------------------------------


def test_the_logging_configuration_redacts_a_token_logged_through_it():
    token = "EAAB" + "Zq7" * 20
    script = (
        "import django, logging; django.setup(); "
        f"logging.getLogger('sync.run').warning('calling with access_token={token} and {token}')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "calling with access_token=[REDACTED] and [REDACTED]" in result.stderr
    assert token not in result.stderr + result.stdout


def test_a_sync_and_a_push_each_log_one_structured_line(
    cast, sb, no_sleep, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO)
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    person = BusinessUser.objects.get(business=cast.acme, name="Priya Shah")
    account = Asset.objects.filter(owner_business=cast.acme, kind=AssetKind.AD_ACCOUNT).first()
    from assets.services import grant_create

    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_create(asset=account, person=person, tasks=["ANALYZE"], actor=STAFF)

    lines = [r.getMessage() for r in caplog.records]
    sync_line = next(line for line in lines if line.startswith("event=sync "))
    assert f"business_id={cast.acme.pk} " in sync_line and f"run_id={run.pk} " in sync_line
    assert f"created={run.created_count} " in sync_line and "duration_s=" in sync_line
    push_line = next(line for line in lines if line.startswith("event=push kind=grant"))
    assert f"business_id={cast.acme.pk} id={grant.pk} outcome=in_sync" in push_line
    assert "EAA" not in " ".join(lines)


def test_a_creation_meta_does_not_answer_stays_reserved_and_gives_up_only_after_retries(
    cast, sb, settings
):
    from systemusers.tasks import system_user_create_in_meta_task

    from .test_sync_retry import refused_url

    settings.META_GRAPH_URL = refused_url()
    reserved = system_user_reserve(
        business=cast.acme, name="Reporting robot", role="EMPLOYEE", actor=STAFF
    )

    with pytest.raises(TransientError):
        system_user_create_in_meta(system_user_id=reserved.pk, actor=STAFF)
    waiting = SystemUser.objects.get(pk=reserved.pk)
    assert waiting.status == SystemUser.Status.RESERVED and waiting.slot == 1
    assert waiting.create_sent_at is not None  # the next try looks for it by name first

    system_user_create_in_meta_task.apply(
        args=(reserved.pk,), retries=system_user_create_in_meta_task.max_retries
    )
    released = SystemUser.objects.get(pk=reserved.pk)
    assert released.status == SystemUser.Status.FAILED and released.slot is None
    assert "Gave up after retrying." in released.failure_reason
