"""The house's shape (issue 11), held by tests so it stays: imports between the project's modules
sit at module top (an import inside a function hides a dependency, and here it used to hide
import cycles), and every module is small enough to hold in one's head. The layers themselves
are `lint-imports`' contracts (.importlinter), run by ./scripts/test."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = (
    "config",
    "core",
    "businesses",
    "assets",
    "systemusers",
    "sync",
    "onboarding",
    "portal",
    "notifications",
    "liveaccounts",
    "approvals",
    "security",
    "graph",
    "sandbox",
)
LONGEST_MODULE = 420  # "~400 lines": a little slack for a docstring, never a second module's worth


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PROJECT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _is_project_import(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in PROJECT
    return any(alias.name.split(".")[0] in PROJECT for alias in node.names)


def _inside_ready(tree: ast.Module) -> set[int]:
    """AppConfig.ready() is where Django wants hook and signal registration to import."""
    return {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef) and func.name == "ready"
        for node in ast.walk(func)
    }


def test_project_modules_import_each_other_only_at_module_top():
    nested = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        # `if TYPE_CHECKING:` blocks at module level are still module top.
        top |= {id(child) for node in tree.body if isinstance(node, ast.If) for child in node.body}
        allowed = top | _inside_ready(tree)
        nested += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and _is_project_import(node)
            and id(node) not in allowed
        ]
    assert nested == []


def test_no_module_is_longer_than_one_can_hold_in_ones_head():
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > LONGEST_MODULE
    }
    assert too_long == {}
