"""Field selection, field expansion and cursor paging (DOMAIN §7.1-7.2).

Paged edges answer ``{data, paging:{cursors:{before,after}, next?, previous?}, summary?}``.
Cursors are opaque base64 of "position:item id"; ``next``/``previous`` are absolute URLs that
repeat the request's query (access token included, as Meta does) and appear only when more
items exist in that direction.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, overload

from . import access, errors
from .context import Ctx
from .entities import NODE_TYPES
from .fields import FieldSpec, serialize
from .nodes import DEFAULT_FIELDS, KNOWN_FIELDS
from .registry import EDGES, NODE_READERS
from .schema import validate as schema_check

PAGING_PARAMS = ("after", "before", "limit")


class LazyRows(Sequence[dict[str, Any]]):
    """An edge's rows built only when read: a page renders its window, not the whole edge.

    ``paginate`` reads ids through ``id_at`` and rows through slices, so a listing page costs
    O(page) rows (issue 12); iterating (filters, batch callers) still builds every row.
    """

    def __init__(self, items: Sequence[Any], make_row: Callable[[Any], dict[str, Any]]) -> None:
        self._items = items
        self._make_row = make_row

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._make_row(item) for item in self._items[index]]
        return self._make_row(self._items[index])

    def id_at(self, index: int) -> str:
        return str(self._items[index].id)


def _id_at(rows: Sequence[dict[str, Any]], index: int) -> str:
    if isinstance(rows, LazyRows):
        return rows.id_at(index)
    return str(rows[index].get("id"))


def _position_of(rows: Sequence[dict[str, Any]], position: int, item_id: str) -> int | None:
    """Index of the item a cursor names: its recorded position when it still holds that item
    (O(1)), else a scan (the edge changed between pages); None when the item is gone."""
    if 0 <= position < len(rows) and _id_at(rows, position) == item_id:
        return position
    for index in range(len(rows)):
        if _id_at(rows, index) == item_id:
            return index
    return None


def encode_cursor(position: int, item_id: str) -> str:
    raw = f"{position}:{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        position, _, item_id = text.partition(":")
        return int(position), item_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise errors.param_error("Invalid cursor") from exc


def page_number(params: dict[str, str], default_limit: int) -> int:
    """1-based page an edge request asks for (used by scripted faults)."""
    after = params.get("after")
    if not after:
        return 1
    try:
        limit = max(1, int(params.get("limit") or default_limit))
        position, _ = decode_cursor(after)
    except (ValueError, errors.GraphError):
        return 1
    return (position + 1) // limit + 1


def _default_specs(kind: str) -> list[FieldSpec]:
    return [FieldSpec(name) for name in DEFAULT_FIELDS.get(kind, ["id"])]


def select(ctx: Ctx, row: dict[str, Any], kind: str, specs: list[FieldSpec] | None) -> dict:
    """Pick the requested fields of one row; expand edges named as fields."""
    obj = row.get("__obj__")
    wanted = specs if specs is not None else _default_specs(kind)
    out: dict[str, Any] = {}
    for spec in wanted:
        name = spec.name
        if ctx.world.is_withdrawn(kind, name):  # a field Meta no longer serves (world setting)
            raise errors.nonexisting_field(name, NODE_TYPES.get(kind, kind))
        if name in row and not name.startswith("__"):
            value = row[name]
            if callable(value):
                value = value()
            if value is None:
                continue
            if spec.children is not None and isinstance(value, dict):
                value = {c.name: value[c.name] for c in spec.children if c.name in value}
            out[name] = value
        elif (
            obj is not None
            and (kind, name, "GET") in EDGES
            and not ctx.world.is_withdrawn(kind, name)
        ):
            out[name] = nested_edge(ctx, obj, kind, spec)
        elif (
            specs is None
            or ctx.extra.get("schema_checked")
            or name in KNOWN_FIELDS.get(kind, set())
        ):
            # Meta has it (the request passed the schema) but the sandbox does not model it,
            # or a default absent here: omitted, as Meta omits fields without a value.
            continue
        else:
            raise errors.nonexisting_field(name, NODE_TYPES.get(kind, kind))
    # Graph always returns the id of a node, even when not asked for.
    if "id" in row and "id" not in out and kind != "assigned_user":
        out["id"] = row["id"]
    return out


def render_node(ctx: Ctx, obj: Any, kind: str, specs: list[FieldSpec] | None) -> dict:
    node_type = NODE_TYPES.get(kind)
    fields = ctx.params.get("fields")
    if node_type is not None and schema_check.check_node_call(node_type, obj.id, "GET", fields):
        # ``ids=`` reads come here directly: one refused object refuses the whole request.
        ctx.extra["schema_checked"] = True
    row = NODE_READERS[kind](ctx, obj)
    row.setdefault("__obj__", obj)
    return select(ctx, row, kind, specs)


def nested_edge(ctx: Ctx, obj: Any, kind: str, spec: FieldSpec) -> dict:
    """``owned_ad_accounts.limit(100){id,name}`` inside a node: a page of its own."""
    edge = EDGES[(kind, spec.name, "GET")]
    if not edge.custom_access:
        access.check(ctx, obj, kind)
    params = dict(ctx.auth_params())
    params.update(spec.modifiers)
    if spec.children is not None:
        params["fields"] = serialize(spec.children)
    sub = dataclasses.replace(ctx, parts=[obj.id, spec.name], params=params)
    rows = edge.fn(sub, obj)
    return paginate(sub, rows, edge.item_kind or "", spec.children, spec.name)


def _summary_requested(params: dict[str, str]) -> bool:
    value = str(params.get("summary", "")).lower()
    return value in ("true", "1", "total_count") or "total_count" in value


def paginate(
    ctx: Ctx,
    rows: Sequence[dict[str, Any]],
    item_kind: str,
    specs: list[FieldSpec] | None,
    edge_name: str,
) -> dict[str, Any]:
    config = ctx.world.config
    params = ctx.params
    try:
        limit = int(params.get("limit") or config.page_size_default)
    except ValueError as exc:
        raise errors.param_error("Param limit must be an integer") from exc
    threshold = config.too_much_data_by_edge.get(edge_name, config.too_much_data_limit)
    if limit > threshold:
        raise errors.too_much_data()
    limit = max(1, min(limit, config.page_size_cap))

    start = 0
    if params.get("after"):
        position, item_id = decode_cursor(params["after"])
        found = _position_of(rows, position, item_id)
        start = found + 1 if found is not None else position + 1
    elif params.get("before"):
        position, item_id = decode_cursor(params["before"])
        found = _position_of(rows, position, item_id)
        end = found if found is not None else position
        start = max(0, end - limit)
    start = max(0, min(start, len(rows)))
    window = rows[start : start + limit]

    result: dict[str, Any] = {"data": [select(ctx, r, item_kind, specs) for r in window]}
    if window:
        before = encode_cursor(start, _id_at(rows, start))
        last = start + len(window) - 1
        after = encode_cursor(last, _id_at(rows, last))
        paging: dict[str, Any] = {"cursors": {"before": before, "after": after}}
        query = {k: v for k, v in params.items() if k not in ("after", "before")}
        if start > 0:
            paging["previous"] = ctx.url(ctx.path, {**query, "before": before})
        if start + len(window) < len(rows):
            paging["next"] = ctx.url(ctx.path, {**query, "after": after})
        result["paging"] = paging
    if _summary_requested(params):
        result["summary"] = {"total_count": len(rows)}
    return result
