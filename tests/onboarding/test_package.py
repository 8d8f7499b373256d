"""onboarding/ holds to issue 11's layout: imports at module top, modules one can hold in one's
head, and the circular pair (the task imports the run; the run's callers queue the task) loads
whichever side comes first."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _onboarding_modules() -> list[Path]:
    return sorted(p for p in (ROOT / "onboarding").rglob("*.py") if "migrations" not in p.parts)


def test_every_onboarding_module_imports_at_its_top_only():
    """An import inside a function hides a dependency (and, here, used to hide the cycle between
    the services and the task)."""
    nested = []
    for path in _onboarding_modules():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        nested += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
        ]
    assert nested == []


def test_every_onboarding_module_can_be_held_in_ones_head():
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in _onboarding_modules()
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert too_long == {}


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
