"""Refuse what Meta refuses, before a route runs (so a refusal never half-applies).

- a field a node type does not have, at any depth of ``fields=`` (field expansion included):
  ``(#100) Tried accessing nonexisting field (X) on node type (Y)``, refusing the whole
  request. A field's children are checked against the node type it holds
  (``owner_business{id,name}`` -> Business); an expanded edge's children against the edge's
  target plus the fields that edge adds (``additions.EDGE_FIELDS``);
- ``GET /{id}/{edge}`` of an edge the node type does not have: the same nonexisting-field
  error (Meta reads an edge as a field of its node);
- a method the node or edge does not support (``DELETE /{pixel}/assigned_users``, ``POST`` to
  a read-only edge, ...): ``Unsupported post request. Object with ID '...' does not exist,
  cannot be loaded due to missing permissions, or does not support this operation`` (code
  100, subcode 33, GraphMethodException).

Node types and edges come from ``graph_schema.json`` (Meta's SDK); nothing else is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .. import errors
from ..fields import FieldSpec, parse
from . import GraphSchema, load


def check_fields(
    node_type: str,
    specs: Iterable[FieldSpec] | None,
    added: Iterable[str] = (),
    schema: GraphSchema | None = None,
) -> None:
    """Raise Meta's nonexisting-field error for the first field ``node_type`` lacks."""
    schema = schema or load()
    if specs is None or not schema.has_node(node_type):
        return
    own = schema.fields(node_type)
    extra = set(added)
    for spec in specs:
        name = spec.name
        if name in own or name in extra:
            child = schema.node_type_of_field(node_type, name)
            if spec.children is not None and child is not None:
                check_fields(child, spec.children, schema=schema)
            continue
        edge = schema.edge(node_type, name, "GET")
        if edge is None:
            raise errors.nonexisting_field(name, node_type)
        if spec.children is not None and edge.target is not None:
            check_fields(
                edge.target, spec.children, schema.added_fields(node_type, name), schema=schema
            )


@lru_cache(maxsize=2048)
def _accepted(node_type: str, added: frozenset[str], fields: str | None) -> bool:
    """``check_fields`` on a ``fields=`` text, remembered once accepted (a sync sends the same
    few texts thousands of times); a refusal raises and is not remembered."""
    check_fields(node_type, parse(fields), added)
    return True


def check_node_call(node_type: str, obj_id: str, method: str, fields: str | None) -> bool:
    """``GET|POST|DELETE /{id}`` on a node of ``node_type`` (``fields``: the ``fields=`` text of
    a GET); True once its fields were checked against the schema (so whatever the sandbox does
    not model may be left out)."""
    schema = load()
    if not schema.has_node(node_type):
        return False
    if method not in schema.node_methods(node_type):
        raise errors.unsupported(method, obj_id)
    return _accepted(node_type, frozenset(), fields if method == "GET" else None)


def check_edge_call(
    node_type: str, obj_id: str, edge: str, method: str, fields: str | None
) -> bool:
    """``GET|POST|DELETE /{id}/{edge}`` on a node of ``node_type``; True once the fields of
    the listed rows were checked against the schema."""
    schema = load()
    if not schema.has_node(node_type):
        return False
    spec = schema.edge(node_type, edge, method)
    if spec is None:
        if method == "GET" and not schema.edge_methods(node_type, edge):
            raise errors.nonexisting_field(edge, node_type)
        raise errors.unsupported(method, obj_id)
    if spec.target is None or not schema.has_node(spec.target):
        return False
    added = frozenset(schema.added_fields(node_type, edge))
    return _accepted(spec.target, added, fields if method == "GET" else None)
