from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_graph_package_imports_nothing_from_django():
    code = (
        "import sys, graph, graph.operations, graph.redaction;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'businesses',"
        " 'assets', 'systemusers', 'config', 'sandbox'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _graph_modules() -> list[Path]:
    return sorted((ROOT / "graph").rglob("*.py"))


def test_every_graph_module_imports_at_its_top_only():
    """An import inside a function hides a dependency (and, in this project, used to hide an
    import cycle): every import of graph/ sits at module level."""
    nested = []
    for path in _graph_modules():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        nested += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
        ]
    assert nested == []


def test_every_graph_module_can_be_held_in_ones_head():
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in _graph_modules()
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert too_long == {}
