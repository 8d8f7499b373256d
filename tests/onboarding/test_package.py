"""The circular pair (the task imports the run; the run's callers queue the task) loads whichever
side comes first. Imports at module top and module length: tests/test_layout.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_task_and_the_services_import_in_either_order():
    # pytest-django may take the settings from its ini file rather than the environment.
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", **os.environ}
    for first in ("onboarding.tasks", "onboarding.services", "onboarding.views"):
        code = f"import django; django.setup(); import {first}; import onboarding.tasks"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
