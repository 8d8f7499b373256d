"""Who may touch what (the simplified rule documented in ``sandbox.world``) and 2FA gating."""

from __future__ import annotations

from typing import Any

from . import errors
from .context import Ctx
from .entities import ASSET_KINDS
from .world import World


def business_of(world: World, obj: Any, kind: str) -> str | None:
    """The business an object belongs to: for usage windows, 2FA and membership checks."""
    if kind == "business":
        return obj.id
    if kind in ASSET_KINDS:
        return obj.owner_id
    if kind in ("business_user", "system_user", "invitation"):
        return obj.business_id
    if kind == "asset_group":
        return obj.owner_id
    return None


def check(ctx: Ctx, obj: Any, kind: str, *, node_read: bool = False) -> None:
    """Raise Meta's 200 "Permissions error" when the token's principal may not act here."""
    world = ctx.world
    principal = ctx.principal_id
    if kind == "business":
        allowed = (
            world.can_read_business(principal, obj.id)
            if node_read
            else world.can_act_on_business(principal, obj.id)
        )
    elif kind in ASSET_KINDS:
        allowed = world.can_act_on_asset(principal, obj)
    elif kind == "person":
        allowed = obj.id == principal
    else:
        business_id = business_of(world, obj, kind)
        allowed = business_id is not None and world.can_act_on_business(principal, business_id)
    if not allowed:
        raise errors.permission_error()


def check_two_factor(ctx: Ctx, obj: Any, kind: str) -> None:
    business_id = business_of(ctx.world, obj, kind)
    biz = ctx.world.businesses.get(business_id or "")
    if biz is not None and biz.two_factor_enforced:
        raise errors.two_factor_required()


def require_admin(ctx: Ctx, business_id: str) -> None:
    if not ctx.world.is_admin(ctx.principal_id, business_id):
        raise errors.permission_error("an admin of the business is required")
