"""Write the Graph schema (``graph_schema.json``) from Meta's official Python SDK.

    python -m sandbox.schema.generate [--sdk DIR_OR_WHEEL] [--out FILE]

Reads ``facebook_business/adobjects/*.py`` of the installed ``facebook-business`` (or of
``--sdk``: a ``facebook_business`` directory or a downloaded wheel, e.g. from
``pip download --no-deps facebook-business==25.0.3``) with :mod:`ast`: nothing of the SDK is
imported or run. It refuses an SDK whose ``API_VERSION`` is not ``META_GRAPH_VERSION``
(default v25.0), since the shared virtualenv may hold another release. For
every node class it records ``class Field`` (with the types of ``_field_types``) and every
``FacebookRequest(...)`` the class builds: HTTP method, ``endpoint=`` (never the Python method
name: ``get_contained_ad_accounts`` reads ``/contained_adaccounts``), ``param_types`` and
``target_class``. Endpoint ``/`` is the node itself (read, update, delete).

Only this command reads the SDK; the sandbox and the tests load the committed JSON.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SDK_PACKAGE = "facebook-business"
# The portal's default (config/settings/base.py); tests/contract checks the file against it.
EXPECTED_API_VERSION = os.environ.get("META_GRAPH_VERSION", "v25.0")
DEFAULT_OUT = Path(__file__).with_name("graph_schema.json")
# Classes the SDK uses as "no particular node" targets (writes answering {success: true}, ...).
GENERIC_TARGETS = {"AbstractCrudObject", "AbstractObject"}


def installed_sdk_dir() -> Path:
    """``facebook_business`` of the current environment, located without importing it."""
    spec = importlib.util.find_spec("facebook_business")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{SDK_PACKAGE} is not installed (pip install -r requirements-dev.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _str_dict(node: ast.AST) -> dict[str, str]:
    if not isinstance(node, ast.Dict):
        return {}
    out: dict[str, str] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        name, kind = _const_str(key), _const_str(value)
        if name is not None:
            out[name] = kind or ""
    return out


def _fields(cls: ast.ClassDef) -> dict[str, str]:
    names: list[str] = []
    types: dict[str, str] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Field":
            for item in stmt.body:
                if isinstance(item, ast.Assign) and _const_str(item.value) is not None:
                    names.append(_const_str(item.value) or "")
        elif isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_field_types" for t in stmt.targets
        ):
            types = _str_dict(stmt.value)
    return {name: types.get(name, "") for name in sorted(set(names))}


def _request(fn: ast.FunctionDef) -> tuple[str, str, str | None, dict[str, str]] | None:
    """(method, endpoint, target class, params) of the FacebookRequest a method builds."""
    params: dict[str, str] = {}
    call: ast.Call | None = None
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "param_types" for t in node.targets
        ):
            params = _str_dict(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "FacebookRequest"
        ):
            call = node
    if call is None:
        return None
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    method = _const_str(kw.get("method"))
    endpoint = _const_str(kw.get("endpoint"))
    if method is None or endpoint is None:
        return None
    target_node = kw.get("target_class")
    target = target_node.id if isinstance(target_node, ast.Name) else None
    if target in GENERIC_TARGETS:
        target = None
    return method.upper(), endpoint.strip("/"), target, params


def parse_module(source: str, filename: str) -> dict[str, dict[str, Any]]:
    """Node types defined in one adobjects module (none, with a warning, if Python cannot
    parse it: SDK 26.0.3's userexportforcam.py names an attribute ``or``)."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        print(f"skipped {filename}: {exc.msg} (line {exc.lineno})", file=sys.stderr)
        return {}
    nodes: dict[str, dict[str, Any]] = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        node: dict[str, Any] = {"fields": _fields(cls), "node": {}, "edges": {}}
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            found = _request(fn)
            if found is None:
                continue
            method, endpoint, target, params = found
            if endpoint == "":
                slot = node["node"].setdefault(method, {"params": {}})
                slot["params"].update(params)
                continue
            slot = (
                node["edges"]
                .setdefault(endpoint, {})
                .setdefault(method, {"target": target, "params": {}})
            )
            slot["params"].update(params)
            slot["target"] = slot["target"] or target
        if node["fields"] or node["node"] or node["edges"]:
            nodes[cls.name] = node
    return nodes


def _sources(sdk: Path) -> Iterator[tuple[str, str]]:
    """(relative name, text) of ``apiconfig.py`` and every adobjects module, from a package
    directory or from a wheel."""
    if sdk.is_file():
        with zipfile.ZipFile(sdk) as wheel:
            for name in sorted(wheel.namelist()):
                if name.startswith("facebook_business/") and name.endswith(".py"):
                    yield name.removeprefix("facebook_business/"), wheel.read(name).decode()
        return
    for path in sorted(sdk.rglob("*.py")):
        yield path.relative_to(sdk).as_posix(), path.read_text(encoding="utf-8")


def sdk_versions(apiconfig: str) -> tuple[str, str]:
    """(SDK version, Graph API version) from ``apiconfig.py``, e.g. ("25.0.3", "v25.0")."""
    for node in ast.walk(ast.parse(apiconfig)):
        if isinstance(node, ast.Dict):
            values = _str_dict(node)
            if "API_VERSION" in values and "SDK_VERSION" in values:
                return values["SDK_VERSION"].lstrip("v"), values["API_VERSION"]
    raise SystemExit("no API_VERSION / SDK_VERSION in the SDK's apiconfig.py")


def build(sdk: Path) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}
    apiconfig = ""
    for name, source in _sources(sdk):
        if name == "apiconfig.py":
            apiconfig = source
            continue
        folder, _, module = name.rpartition("/")
        if folder != "adobjects" or module.startswith(("__", "abstract")):
            continue
        nodes.update(parse_module(source, name))
    sdk_version, api_version = sdk_versions(apiconfig)
    return {
        "generated_by": "python -m sandbox.schema.generate",
        "sdk": {"package": SDK_PACKAGE, "version": sdk_version, "api_version": api_version},
        "nodes": dict(sorted(nodes.items())),
    }


def dump(schema: dict[str, Any]) -> str:
    """Compact JSON with one node per line, so a regenerated file diffs node by node."""
    head = {k: v for k, v in schema.items() if k != "nodes"}
    lines = [json.dumps(head, sort_keys=True)[:-1] + ', "nodes": {']
    items = list(schema["nodes"].items())
    for index, (name, node) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        body = json.dumps(node, sort_keys=True, separators=(",", ":"))
        lines.append(f"{json.dumps(name)}:{body}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sdk", type=Path, help="a facebook_business package directory or a wheel file"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    schema = build(args.sdk or installed_sdk_dir())
    if schema["sdk"]["api_version"] != EXPECTED_API_VERSION:
        print(
            f"{SDK_PACKAGE} {schema['sdk']['version']} speaks Graph API "
            f"{schema['sdk']['api_version']}, the portal {EXPECTED_API_VERSION}: install the "
            "pinned release (requirements-bench.txt) or pass --sdk with a wheel of it",
            file=sys.stderr,
        )
        return 1
    args.out.write_text(dump(schema), encoding="utf-8")
    edges = sum(len(n["edges"]) for n in schema["nodes"].values())
    print(
        f"{args.out}: {len(schema['nodes'])} node types, {edges} edges from "
        f"{SDK_PACKAGE} {schema['sdk']['version']} (Graph API {schema['sdk']['api_version']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
