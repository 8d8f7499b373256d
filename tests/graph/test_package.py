from __future__ import annotations

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
