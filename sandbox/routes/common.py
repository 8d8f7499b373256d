"""Helpers shared by the route modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import errors
from ..context import Ctx
from ..entities import Asset, Business
from ..nodes import asset_row
from ..render import LazyRows

SUCCESS = {"success": True}


def business_param(ctx: Ctx, name: str = "business") -> Business:
    """The required ``business`` param, resolved (error 100 when missing or unknown)."""
    business_id = ctx.req(name)
    biz = ctx.world.businesses.get(business_id)
    if biz is None:
        raise errors.param_error(f"Param {name} must be a valid business id")
    return biz


def viewer_business(ctx: Ctx, asset: Asset) -> str | None:
    """The principal's business through which it sees an asset (owner preferred)."""
    mine = ctx.world.principal_businesses(ctx.principal_id)
    if asset.owner_id in mine:
        return asset.owner_id
    for business_id in sorted(mine):
        if business_id in asset.access:
            return business_id
    return None


def asset_rows(
    ctx: Ctx,
    assets: list[Asset],
    viewer_id: str | None,
    extra: Callable[[Asset], dict[str, Any]] | None = None,
) -> LazyRows:
    """The assets' rows, each built when a page reads it (O(page), issue 12).

    ``extra`` gives the fields an edge adds to each node (e.g. the client edges'
    ``permitted_tasks``); it runs as the row is built, so a page still costs O(page).
    """
    world = ctx.world

    def make_row(asset: Asset) -> dict[str, Any]:
        row = asset_row(world, asset, viewer_id)
        if extra is not None:
            row.update(extra(asset))
        return row

    return LazyRows(assets, make_row)


def require_member(ctx: Ctx, business_id: str) -> None:
    if not ctx.world.can_act_on_business(ctx.principal_id, business_id):
        raise errors.permission_error()


def validate_role(role: str, allowed: tuple[str, ...]) -> str:
    role = role.upper()
    if role not in allowed:
        raise errors.param_error(f"Param role must be one of {{{', '.join(allowed)}}}")
    return role


BUSINESS_ROLES = (
    "ADMIN", "EMPLOYEE", "FINANCE_EDITOR", "FINANCE_ANALYST", "FINANCE_EDIT", "FINANCE_VIEW",
    "ADS_RIGHTS_REVIEWER", "DEVELOPER", "MANAGE", "DEFAULT", "PARTNER_CENTER_ADMIN",
    "PARTNER_CENTER_ANALYST", "PARTNER_CENTER_OPERATIONS", "PARTNER_CENTER_MARKETING",
    "PARTNER_CENTER_EDUCATION",
)  # fmt: skip
