"""The re-layering moved SyncRun and DriftEvent to the sync app and Onboarding and OnboardingStep
to the onboarding app. A database that already holds them must come through with every row, the
staff groups' permissions and the audit trail that names them.

Each test runs the real migrations on a database of its own (created and dropped here): migrate
to the last state before the move, write rows with the historical models, migrate to the end,
read back with the current models. Subprocesses, because the test database of the suite is
already at the end and must stay there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE_THE_MOVE = ("businesses", "0009_merge_0005_syncrun_full_read_0008_merge_20261128_0603")

POPULATE = f"""
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

apps = MigrationExecutor(connection).loader.project_state({BEFORE_THE_MOVE!r}).apps
User = apps.get_model("auth", "User")
Group = apps.get_model("auth", "Group")
Business = apps.get_model("businesses", "Business")
SyncRun = apps.get_model("businesses", "SyncRun")
DriftEvent = apps.get_model("businesses", "DriftEvent")
Onboarding = apps.get_model("businesses", "Onboarding")
OnboardingStep = apps.get_model("businesses", "OnboardingStep")
AuditEvent = apps.get_model("businesses", "AuditEvent")

manager = User.objects.create(username="alice", is_staff=True)
manager.groups.add(Group.objects.get(name="Account manager"))
auditor = User.objects.create(username="audrey", is_staff=True)
auditor.groups.add(Group.objects.get(name="Auditor (read-only)"))
agency = Business.objects.create(meta_id="100", name="Northwind Media", is_agency=True)
client = Business.objects.create(meta_id="200", name="Acme Outdoor")
run = SyncRun.objects.create(business=client, status="succeeded")
DriftEvent.objects.create(business=client, kind="asset_added", summary="An ad account appeared")
onboarding = Onboarding.objects.create(agency=agency, name="Birch Bakery", client_meta_id="300")
OnboardingStep.objects.create(onboarding=onboarding, key="relationship", label="Partner", position=1)
AuditEvent.objects.create(
    source="sync", action="sync", business=client, summary="Synced",
    target_type="businesses.syncrun", target_id=str(run.pk),
)
AuditEvent.objects.create(
    source="form", action="onboarding.create", summary="Started",
    target_type="businesses.onboarding", target_id=str(onboarding.pk),
)
"""

READ_BACK = """
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from businesses.models import AuditEvent
from onboarding.models import Onboarding, OnboardingStep
from sync.models import DriftEvent, SyncRun

alice = User.objects.get(username="alice")
audrey = User.objects.get(username="audrey")
print(json.dumps({
    "sync_runs": list(SyncRun.objects.values_list("business__name", "status")),
    "drift": list(DriftEvent.objects.values_list("summary", flat=True)),
    "onboardings": list(Onboarding.objects.values_list("name", flat=True)),
    "steps": list(OnboardingStep.objects.values_list("onboarding__name", "key")),
    "content_types": sorted(
        f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.filter(
            model__in=["syncrun", "driftevent", "onboarding", "onboardingstep"]
        )
    ),
    "audit_targets": sorted(AuditEvent.objects.values_list("target_type", flat=True)),
    "manager_can": [
        alice.has_perm(p) for p in ("sync.view_syncrun", "onboarding.add_onboarding")
    ],
    "auditor_can": [
        audrey.has_perm(p)
        for p in ("sync.view_driftevent", "onboarding.view_onboarding", "onboarding.add_onboarding")
    ],
}))
"""


def _server_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def own_database() -> Iterator[str]:
    base = _server_url().rsplit("/", 1)[0]
    name = f"moves_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def moved_database(own_database: str) -> dict:
    _run(own_database, "manage.py", "migrate", *BEFORE_THE_MOVE, "--noinput")
    _run(own_database, "-c", POPULATE)
    _run(own_database, "manage.py", "migrate", "--noinput")
    return json.loads(_run(own_database, "-c", READ_BACK).strip().splitlines()[-1])


def test_rows_written_before_the_move_are_read_by_the_moved_models(moved_database: dict) -> None:
    assert moved_database["sync_runs"] == [["Acme Outdoor", "succeeded"]]
    assert moved_database["drift"] == ["An ad account appeared"]
    assert moved_database["onboardings"] == ["Birch Bakery"]
    assert moved_database["steps"] == [["Birch Bakery", "relationship"]]


def test_content_types_follow_the_models_to_their_new_apps(moved_database: dict) -> None:
    assert moved_database["content_types"] == [
        "onboarding.onboarding",
        "onboarding.onboardingstep",
        "sync.driftevent",
        "sync.syncrun",
    ]


def test_audit_rows_name_the_moved_models_by_their_new_apps(moved_database: dict) -> None:
    assert moved_database["audit_targets"] == ["onboarding.onboarding", "sync.syncrun"]


def test_staff_groups_keep_exactly_the_permissions_they_held(moved_database: dict) -> None:
    assert moved_database["manager_can"] == [True, True]
    # The auditor still reads, and still may not start an onboarding.
    assert moved_database["auditor_can"] == [True, True, False]
