"""Settings fail loudly on bad values and pass Django's deployment checks in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("META_", "TOKEN_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-0123456789-abcdefghij",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:////tmp/bm-check.sqlite3"),
        **overrides,
    }


def test_production_settings_pass_the_deployment_checks():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], **production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_an_encryption_key():
    env = production_env()
    del env["TOKEN_ENCRYPTION_KEYS"]
    result = _run(["check"], **env)
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS" in result.stderr


def test_an_unknown_eligibility_rule_is_refused_by_name():
    result = _run(["check"], **production_env(META_ELIGIBILITY_RULE="fastest"))
    assert result.returncode != 0
    assert "META_ELIGIBILITY_RULE" in result.stderr


def test_the_sandbox_is_not_installed_in_production_but_is_in_test_settings():
    show = [
        "shell",
        "-c",
        "from django.conf import settings; print('sandbox' in settings.INSTALLED_APPS)",
    ]
    assert _run(show, **production_env()).stdout.strip().splitlines()[-1] == "False"
    assert _run(["run_sandbox", "--help"], **production_env()).returncode != 0
    from django.conf import settings

    assert "sandbox" in settings.INSTALLED_APPS
