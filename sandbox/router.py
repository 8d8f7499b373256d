"""Dispatch one Graph call: authenticate, resolve the object, check access, 2FA and quota, run
the route, attach usage headers. Shared by top-level requests and batch items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import access, errors, render
from . import routes as _routes  # noqa: F401  (fills the registry)
from .auth import authenticate, verify_proof  # noqa: F401  (re-exported)
from .context import Ctx
from .entities import NODE_TYPES
from .errors import GraphError
from .registry import EDGES, NODE_WRITERS, TOP_LEVEL
from .routes import batch as batch_route
from .schema import validate


@dataclass
class Result:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)


def _principal(ctx: Ctx) -> tuple[Any, str]:
    world = ctx.world
    token = ctx.token
    assert token is not None
    if token.type == "APP":
        raise GraphError(
            2500, "An active access token must be used to query information about the current user."
        )
    pid = token.principal_id
    for store, kind in (
        (world.system_users, "system_user"),
        (world.people, "person"),
        (world.assets, "page"),
    ):
        if pid in store:
            return store[pid], kind
    raise errors.bad_token()


def _usage_business(ctx: Ctx, obj: Any, kind: str) -> str | None:
    business_id = access.business_of(ctx.world, obj, kind)
    if business_id is None and ctx.token is not None:
        mine = sorted(ctx.world.principal_businesses(ctx.token.principal_id))
        business_id = mine[0] if mine else None
    return business_id


def _check_quota(ctx: Ctx) -> None:
    world = ctx.world
    tier = world.tier_for(ctx.app_id)
    minutes = world.usage.throttle_minutes(ctx.usage_business_id, tier)
    if minutes is not None:
        raise errors.throttled(80004, 2446079, minutes, ctx.usage_business_id)


def route(ctx: Ctx) -> Any:
    world = ctx.world
    parts = ctx.parts
    key = "/".join(parts)
    top = TOP_LEVEL.get((key, ctx.method))
    if top is not None:
        handler, needs_auth = top
        if needs_auth:
            authenticate(ctx)
            ctx.usage_business_id = _usage_business(ctx, None, "")
            _check_quota(ctx)
        return handler(ctx)
    if not parts:
        raise errors.unsupported(ctx.method, "")

    authenticate(ctx)
    if parts[0] == "me":
        obj, kind = _principal(ctx)
    else:
        obj = world.get(parts[0])
        if obj is None:
            raise errors.unsupported(ctx.method, parts[0])
        kind = world.kind_of(obj)
    ctx.usage_business_id = _usage_business(ctx, obj, kind)
    _check_quota(ctx)

    node_type = NODE_TYPES.get(kind)
    if parts[0] == "me" and kind == "system_user":
        # GUESS: `/me` is the token's User, system users included (SDK adobjects/user.py
        # carries the /me edges: accounts, businesses, access_tokens, applications).
        node_type = "User"
    fields = ctx.params.get("fields") if ctx.method == "GET" else None
    if len(parts) == 1:
        # What Meta's schema refuses is refused before anything runs (sandbox.schema.validate).
        if node_type is not None and validate.check_node_call(
            node_type, parts[0], ctx.method, fields
        ):
            ctx.extra["schema_checked"] = True
        if ctx.method == "GET":
            access.check(ctx, obj, kind, node_read=True)
            return render.render_node(ctx, obj, kind, ctx.fields())
        writer = NODE_WRITERS.get((kind, ctx.method))
        if writer is None:
            raise errors.unsupported(ctx.method, parts[0])
        access.check(ctx, obj, kind)
        access.check_two_factor(ctx, obj, kind)
        return writer(ctx, obj)

    if len(parts) > 2:
        raise errors.unknown_path("/".join(parts[2:]))
    name = parts[1]
    if world.is_withdrawn(kind, name):  # an edge Meta no longer serves (world setting)
        raise errors.nonexisting_field(name, render.NODE_TYPES.get(kind, kind))
    if node_type is not None and validate.check_edge_call(
        node_type, parts[0], name, ctx.method, fields
    ):
        ctx.extra["schema_checked"] = True
    edge = EDGES.get((kind, name, ctx.method))
    if edge is None:
        if any(k[0] == kind and k[1] == name for k in EDGES):
            raise errors.unsupported(ctx.method, parts[0])
        raise errors.nonexisting_field(name, render.NODE_TYPES.get(kind, kind))
    if not edge.custom_access:
        access.check(ctx, obj, kind)
    if edge.write:
        access.check_two_factor(ctx, obj, kind)
    result = edge.fn(ctx, obj)
    if ctx.method == "GET" and isinstance(result, list | render.LazyRows):
        return render.paginate(ctx, result, edge.item_kind or "", ctx.fields(), name)
    return result


def dispatch(ctx: Ctx) -> Result:
    """Run a call to completion; errors become Meta's envelope. Caller holds ``world.lock``."""
    world = ctx.world
    try:
        body = route(ctx)
        status = 200
    except GraphError as exc:
        body, status = exc.body(), exc.status
        if exc.usage_business_id:
            ctx.usage_business_id = exc.usage_business_id
        throttled = exc.regain_minutes is not None
    else:
        throttled = False
    if ctx.token is not None and not throttled:
        world.usage.record(ctx.usage_business_id, ctx.app_id)
    tier = world.tier_for(ctx.app_id)
    headers = world.usage.headers(ctx.usage_business_id, ctx.app_id, tier)
    return Result(status, body, headers)


batch_route.use_dispatcher(dispatch)
