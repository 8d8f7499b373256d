"""Custom conversions: read per ad account the business owns, stored as assets under it."""

from __future__ import annotations

from assets.models import AssetKind
from graph import GraphError
from graph import operations as ops
from graph.types import AssetNode
from sync.asset_upserts import assets_upsert
from sync.context import SyncContext


def custom_conversions_sync(ctx: SyncContext) -> None:
    """The custom conversions of every ad account this business owns (per-asset edge)."""
    with ctx.edges.section():
        _custom_conversions_read(ctx)


def _custom_conversions_read(ctx: SyncContext) -> None:
    for chunk in ctx.edges.owned_assets([AssetKind.AD_ACCOUNT], only_owned=True):
        by_account = ops.read_custom_conversions(ctx.client, [meta for _, meta, _ in chunk])
        pks = {meta: pk for pk, meta, _ in chunk}
        nodes: list[AssetNode] = []
        parent_of: dict[str, int] = {}
        answered: list[int] = []
        for account_meta, result in by_account.items():
            if isinstance(result, GraphError):
                ctx.answer_failed(result, f"Custom conversions of {account_meta}")
                ctx.edges.failed.add(pks[account_meta])
                continue
            answered.append(pks[account_meta])
            for node in result:
                nodes.append(node)
                parent_of[node.id] = pks[account_meta]
        # One bulk upsert per slice of ad accounts, not one per account (issue 12).
        assets_upsert(ctx, nodes, AssetKind.CUSTOM_CONVERSION, parent_of=parent_of)
        ctx.edges.stamp(answered)
        ctx.progress(0)
