"""Meta's Graph schema as the SDK generates it (``graph_schema.json``) plus the hand-kept
``additions``. Plain data: loading it never imports the SDK.

Regenerate with ``python -m sandbox.schema.generate`` (see ``generate.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import additions

SCHEMA_FILE = Path(__file__).with_name("graph_schema.json")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    node_type: str
    edge: str
    method: str
    target: str | None
    params: frozenset[str]


class GraphSchema:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.sdk_version: str = raw["sdk"]["version"]
        self.api_version: str = raw["sdk"]["api_version"]
        self._nodes: dict[str, dict[str, Any]] = raw["nodes"]
        self._added_fields: dict[tuple[str, str], set[str]] = {}
        for entry in additions.EDGE_FIELDS:
            for edge in entry.edges:
                self._added_fields.setdefault((entry.node, edge), set()).update(entry.fields)
        self._extra_edges = {(e.node, e.edge, e.method): e for e in additions.EDGES}
        self._extra_params: dict[tuple[str, str, str], set[str]] = {}
        for entry in additions.EDGE_PARAMS:
            key = (entry.node, entry.edge, entry.method)
            self._extra_params.setdefault(key, set()).update(entry.params)

    # --- nodes ------------------------------------------------------------------------------

    def has_node(self, node_type: str) -> bool:
        return node_type in self._nodes

    def fields(self, node_type: str) -> dict[str, str]:
        """Field name -> SDK type string (``string``, ``Business``, ``list<AdAccount>``)."""
        return self._nodes.get(node_type, {}).get("fields", {})

    def node_methods(self, node_type: str) -> set[str]:
        """HTTP methods on the node itself (``GET /{id}``, ``POST /{id}``, ``DELETE /{id}``)."""
        return set(self._nodes.get(node_type, {}).get("node", {}))

    def node_params(self, node_type: str, method: str) -> frozenset[str]:
        spec = self._nodes.get(node_type, {}).get("node", {}).get(method, {})
        return frozenset(spec.get("params", {}))

    def node_type_of_field(self, node_type: str, field_name: str) -> str | None:
        """The node type a field holds (``owner_business`` -> ``Business``), if it is one."""
        kind = self.fields(node_type).get(field_name, "")
        for name in _TYPE_NAME.findall(kind):
            if name in self._nodes:
                return name
        return None

    # --- edges ------------------------------------------------------------------------------

    def edge(self, node_type: str, edge: str, method: str) -> EdgeSpec | None:
        spec = self._nodes.get(node_type, {}).get("edges", {}).get(edge, {}).get(method)
        added = self._extra_params.get((node_type, edge, method), set())
        if spec is not None:
            params = frozenset(spec["params"]) | added
            return EdgeSpec(node_type, edge, method, spec["target"], params)
        extra = self._extra_edges.get((node_type, edge, method))
        if extra is not None:
            return EdgeSpec(node_type, edge, method, extra.target, frozenset(extra.params) | added)
        return None

    def edge_methods(self, node_type: str, edge: str) -> set[str]:
        methods = set(self._nodes.get(node_type, {}).get("edges", {}).get(edge, {}))
        methods |= {m for (n, e, m) in self._extra_edges if n == node_type and e == edge}
        return methods

    def added_fields(self, node_type: str, edge: str) -> set[str]:
        """Fields ``node_type``'s ``edge`` adds to each node it lists (``additions``)."""
        return self._added_fields.get((node_type, edge), set())

    def listed_fields(self, node_type: str, edge: str) -> set[str]:
        """Every field a row of ``GET /{node}/{edge}`` may be asked for (target's own fields
        and the edge's additions); empty when the edge's target is not a known node type."""
        spec = self.edge(node_type, edge, "GET")
        if spec is None or spec.target is None:
            return set()
        return set(self.fields(spec.target)) | self.added_fields(node_type, edge)


@cache
def load() -> GraphSchema:
    return GraphSchema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
