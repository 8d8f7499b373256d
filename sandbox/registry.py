"""Route tables filled by the ``sandbox.routes.*`` modules (one module per API area).

- node readers: kind -> fn(ctx, obj) -> row dict (all fields the sandbox knows for the node)
- node writers: (kind, method) -> fn(ctx, obj) -> response body
- edges: (kind, edge, method) -> Edge (GET edges return rows; writes return a body)
- top-level paths: (path, method) -> fn(ctx) -> response body, e.g. ("debug_token", "GET")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NodeReader = Callable[..., dict[str, Any]]
Handler = Callable[..., Any]


@dataclass
class Edge:
    fn: Handler
    item_kind: str | None = None  # for GET edges: node kind of the items (field rules)
    # Top-level auth is handled by the router unless the handler checks access itself.
    custom_access: bool = False
    write: bool = False


NODE_READERS: dict[str, NodeReader] = {}
NODE_WRITERS: dict[tuple[str, str], Handler] = {}
EDGES: dict[tuple[str, str, str], Edge] = {}
# (path, method) -> (handler, whether the router authenticates the token first)
TOP_LEVEL: dict[tuple[str, str], tuple[Handler, bool]] = {}


def node_reader(*kinds: str) -> Callable[[NodeReader], NodeReader]:
    def deco(fn: NodeReader) -> NodeReader:
        for kind in kinds:
            NODE_READERS[kind] = fn
        return fn

    return deco


def node_writer(method: str, *kinds: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for kind in kinds:
            NODE_WRITERS[(kind, method)] = fn
        return fn

    return deco


def edge(
    kinds: str | tuple[str, ...],
    name: str | tuple[str, ...],
    method: str = "GET",
    item: str | None = None,
    custom_access: bool = False,
) -> Callable[[Handler], Handler]:
    kind_list = (kinds,) if isinstance(kinds, str) else kinds
    names = (name,) if isinstance(name, str) else name

    def deco(fn: Handler) -> Handler:
        for kind in kind_list:
            for n in names:
                EDGES[(kind, n, method)] = Edge(fn, item, custom_access, method != "GET")
        return fn

    return deco


def top_level(path: str, *methods: str, auth: bool = True) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for method in methods:
            TOP_LEVEL[(path, method)] = (fn, auth)
        return fn

    return deco
