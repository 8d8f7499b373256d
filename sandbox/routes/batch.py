"""The root path: multi-id reads ``GET /?ids=`` and batch requests ``POST / batch=[...]``
(DOMAIN §7.3-7.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .. import access, errors, render
from ..context import Ctx, effective_method, merged_params, parse_list, split_path
from ..errors import GraphError
from ..registry import top_level


@top_level("", "GET")
def multi_id_read(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    raw = ctx.req("ids")
    ids = parse_list(raw)
    if len(ids) > world.config.ids_max:
        raise errors.param_error(f"Too many IDs. Maximum: {world.config.ids_max}")
    missing = [i for i in ids if world.get(i) is None]
    if missing:
        raise errors.param_error(
            f"Some of the aliases you requested do not exist: {','.join(missing)}"
        )
    specs = ctx.fields()
    result: dict[str, Any] = {}
    for obj_id in ids:
        obj = world.get(obj_id)
        kind = world.kind_of(obj)
        access.check(ctx, obj, kind, node_read=True)
        result[obj_id] = render.render_node(ctx, obj, kind, specs)
    return result


def _item_params(item: dict[str, Any], query: str) -> dict[str, str]:
    body = item.get("body") or {}
    if isinstance(body, str):
        body_params = dict(parse_qsl(body, keep_blank_values=True))
    elif isinstance(body, dict):
        body_params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    else:
        raise errors.param_error("Batch item body must be a string or an object")
    return merged_params(query, body_params)


# The router imports the routes to fill its registry, so a batch cannot import the router: the
# router hands its dispatch function over once it is defined (``use_dispatcher``).
_dispatcher: list[Callable[[Ctx], Any]] = []


def use_dispatcher(dispatch: Callable[[Ctx], Any]) -> None:
    _dispatcher[:] = [dispatch]


@top_level("", "POST")
def batch(ctx: Ctx) -> list[Any]:
    world = ctx.world
    raw = ctx.req("batch")
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise errors.param_error("The parameter batch must be a JSON array") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise errors.param_error("The parameter batch must be a JSON array of objects")
    if len(items) > world.config.batch_max:
        raise errors.param_error(
            f"Too many requests in batch message. Maximum batch size is {world.config.batch_max}"
        )
    include_headers = str(ctx.params.get("include_headers", "true")).lower() != "false"
    null_items: set[int] = ctx.extra.get("batch_null", set())
    inner_fault = ctx.extra.get("inner_fault")
    results: list[Any] = []
    for index, item in enumerate(items):
        if index in null_items:
            # "null" = not processed; the caller must re-send it (nothing was applied).
            results.append(None)
            continue
        relative = str(item.get("relative_url", "")).lstrip("/")
        path, _, query = relative.partition("?")
        params = _item_params(item, query)
        if "access_token" not in params:
            params.update(ctx.auth_params())
        method = effective_method(str(item.get("method", "GET")), params)
        version, parts = split_path(path)
        sub = Ctx(world, method, version or ctx.version, parts, params, ctx.base_url, in_batch=True)
        injected: GraphError | None = inner_fault(method, sub.path) if inner_fault else None
        if injected is not None:
            status, body, headers = injected.status, injected.body(), []
        else:
            outcome = _dispatcher[0](sub)
            status, body, headers = outcome.status, outcome.body, outcome.headers
        entry: dict[str, Any] = {"code": status}
        if include_headers:
            entry["headers"] = [
                {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"},
                *({"name": n, "value": v} for n, v in headers),
            ]
        entry["body"] = json.dumps(body)
        results.append(entry)
    return results
