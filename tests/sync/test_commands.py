"""Operator commands run as an operator runs them: ``python manage.py ...`` in a subprocess, on
the test database (committed rows, hence transactional tests), against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from businesses.models import GraphCall
from sync.run import business_sync

REPO = Path(__file__).resolve().parents[2]
UNKNOWN_BUSINESS = "999999999999999"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def manage(*args: str, stdin: str = "", graph_url: str = "") -> subprocess.CompletedProcess:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "META_GRAPH_URL": graph_url or "http://127.0.0.1:9",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_syncing_an_unknown_business_says_it_is_unknown(db):
    error = one_line_error(manage("sync_business", UNKNOWN_BUSINESS))

    assert f"Unknown business {UNKNOWN_BUSINESS}" in error


def test_a_malformed_business_id_is_refused_in_one_line(db):
    error = one_line_error(manage("access_report", "12ab"))

    assert "A Meta id is digits only" in error


def test_an_empty_token_on_stdin_is_refused_in_one_line(sb, app):
    error = one_line_error(
        manage(
            "connect_business",
            sb.credentials["agency_business_id"],
            "--app",
            app.meta_id,
            "--token-stdin",
            stdin="\n",
            graph_url=sb.base_url,
        )
    )

    assert "access token on standard input is empty" in error


def test_an_unknown_role_is_refused_in_one_line(cast):
    error = one_line_error(
        manage("create_system_user", cast.agency.meta_id, "--name", "Robot", "--role", "BOSS")
    )

    assert "invalid choice: 'BOSS'" in error
    assert "ADMIN" in error and "EMPLOYEE" in error


def test_an_unregistered_app_is_refused_in_one_line(sb, db):
    error = one_line_error(
        manage(
            "connect_business",
            sb.credentials["agency_business_id"],
            "--app",
            "123456",
            "--token-stdin",
            stdin="EAAtoken\n",
        )
    )

    assert "No registered app '123456'" in error


def test_connect_business_prints_what_the_token_may_do(sb, app):
    result = manage(
        "connect_business",
        sb.credentials["agency_business_id"],
        "--app",
        app.meta_id,
        "--token-stdin",
        "--agency",
        stdin=sb.credentials["admin_system_user_token"] + "\n",
        graph_url=sb.base_url,
    )

    assert result.returncode == 0, result.stderr
    assert "Connected Northwind Media" in result.stdout
    may = next(line for line in result.stdout.splitlines() if line.startswith("It may: "))
    assert set(may.removeprefix("It may: ").split(", ")) >= {
        "business_management",
        "ads_management",
    }
    assert sb.credentials["admin_system_user_token"] not in result.stdout + result.stderr


def test_access_report_json_names_asset_principal_and_tasks(cast, sb, no_sleep):
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    result = manage("access_report", cast.acme.meta_id, "--format", "json")

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows
    for row in rows:
        assert set(row) >= {
            "asset_id",
            "asset_type",
            "asset_name",
            "principal_id",
            "principal_type",
            "principal_name",
            "tasks",
        }
        assert row["tasks"] and row["principal_type"] in ("person", "system_user")
    olivia = sb.credentials["clients"][0]["admin_user_id"]
    assert any(row["principal_id"] == olivia for row in rows)


# --- a withdrawn edge, and the first-contact check (issue 8) ---------------------------------


def test_sync_business_exits_0_and_prints_the_warning_when_meta_withdrew_a_listing(
    cast, sb, no_sleep
):
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    sb.world.withdraw_edge("business", "owned_pixels")

    result = manage("sync_business", cast.acme.meta_id, graph_url=sb.base_url)

    assert result.returncode == 0, result.stderr
    assert "Succeeded with warnings" in result.stdout
    assert "Warning: not read: Meta no longer serves `owned_pixels` under v25.0" in result.stdout


def test_graph_doctor_against_the_sandbox_prints_all_ok_and_exits_0(cast, sb):
    ledger_before = GraphCall.objects.count()
    sb.requests.clear()

    result = manage("graph_doctor", cast.acme.meta_id, graph_url=sb.base_url)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    checks = [line for line in lines if line.startswith(("OK", "REFUSED", "SKIPPED"))]
    assert checks and all(line.startswith("OK") for line in checks), result.stdout
    assert any("owned_instagram_assets" in line for line in checks)
    assert any("ad_account assigned_users" in line for line in checks)
    assert any(line.startswith("Scopes: ") and "business_management" in line for line in lines)
    assert any(line.startswith("Token: valid") for line in lines)
    assert any(line.startswith("Usage: app ") for line in lines)
    # Read-only: only GETs reached Meta, one page of one item each; nothing was recorded.
    served = list(sb.requests)
    assert served and {r["method"] for r in served} == {"GET"}
    assert all(r["params"].get("limit") in (None, "1") for r in served)
    assert GraphCall.objects.count() == ledger_before


def test_graph_doctor_exits_1_naming_the_edge_meta_withdrew(cast, sb):
    sb.world.withdraw_edge("business", "owned_pixels")

    result = manage("graph_doctor", cast.acme.meta_id, graph_url=sb.base_url)

    assert result.returncode == 1
    refused = [line for line in result.stdout.splitlines() if line.startswith("REFUSED")]
    assert len(refused) == 1
    assert refused[0].startswith("REFUSED  owned_pixels")
    assert "nonexisting field (owned_pixels) on node type (Business)" in refused[0]
    assert "Meta refused what the sync needs: owned_pixels." in result.stdout


def test_graph_doctor_checks_the_roles_on_the_app_the_business_owns_with_its_app_token(cast, sb):
    result = manage("graph_doctor", cast.agency.meta_id, graph_url=sb.base_url)

    assert result.returncode == 0, result.stdout
    assert f"OK       app {cast.app.meta_id} roles  GET /{cast.app.meta_id}/roles" in result.stdout
