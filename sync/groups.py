"""Asset groups: the business's groups, their member assets, and the grants they give.

Who is on a group comes from the group; with which tasks, from each person's side
(``/{user}/assigned_business_asset_groups``). Grants through a group are derived rows,
replaced wholesale."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assets.models import Asset, AssetGroup, AssetKind, Grant, PushState
from graph import GraphError
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import pages
from sync.writes import in_chunks

# A person's asset groups carry tasks per kind (adaccount_tasks, page_tasks, pixel_tasks: the
# fields `/{user}/assigned_business_asset_groups` adds, reference "System User Assigned
# Business Asset Groups"): the kind each covers. Meta reports no group tasks for other kinds.
GROUP_TASK_KINDS = {
    "adaccount": AssetKind.AD_ACCOUNT,
    "page": AssetKind.PAGE,
    "pixel": AssetKind.PIXEL,
}


def asset_groups_sync(ctx: SyncContext) -> None:
    """The business's asset groups, their assets, and who holds them with which tasks."""
    groups: list[tuple[AssetGroup, set[str]]] = []
    for nodes in pages(
        ctx.listing_pages(
            "business_asset_groups",
            lambda: ops.iter_asset_group_pages(ctx.client, ctx.business.meta_id),
        )
    ):
        for node in nodes:
            fields = {
                "business": ctx.business,
                "name": node.name[:255] or node.id,
                "removed_at": None,
            }
            group, created = AssetGroup.objects.get_or_create(meta_id=node.id, defaults=fields)
            if created:
                ctx.run.created_count += 1
            elif any(getattr(group, k) != v for k, v in fields.items()):
                # Written only when it changed: an unchanged sync leaves updated_at alone.
                AssetGroup.objects.filter(pk=group.pk).update(**fields, updated_at=timezone.now())
                ctx.run.updated_count += 1
            member_ids: set[str] = set()
            for kind in ops.GROUP_EDGES:
                for assets in pages(ops.iter_group_asset_pages(ctx.client, node.id, kind)):
                    member_ids |= {a.id for a in assets}
            wanted = {
                pk
                for ids in in_chunks(member_ids)
                for pk in Asset.objects.filter(meta_id__in=ids).values_list("pk", flat=True)
            }
            current = set(group.assets.values_list("pk", flat=True))
            if wanted != current:
                group.assets.set(wanted)
                ctx.run.updated_count += 1
            users: set[str] = set()
            for page in pages(
                ops.iter_group_assigned_user_pages(ctx.client, group.meta_id, ctx.business.meta_id)
            ):
                users |= {u.id for u in page}
            groups.append((group, users))
    if not groups:
        return
    # Who is on a group comes from the group; with which tasks, from each person's side.
    principals = ctx.principals()
    user_ids = sorted({u for _, users in groups for u in users if u in principals})
    tasks_of: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    unanswered: set[str] = set()
    for result_user, result in ops.read_assigned_asset_groups(ctx.client, user_ids).items():
        if isinstance(result, GraphError):
            ctx.answer_failed(result, f"Asset groups of {result_user}")
            unanswered.add(result_user)
            continue
        tasks_of[result_user] = {g.group_id: g.tasks_by_kind for g in result}
    for group, users in groups:
        _group_grants_sync(ctx, group, users, tasks_of, unanswered)


def _group_grants_sync(
    ctx: SyncContext,
    group: AssetGroup,
    users: set[str],
    tasks_of: dict[str, dict[str, dict[str, tuple[str, ...]]]],
    unanswered: set[str],
) -> None:
    """The people and system users of an asset group hold its per-kind tasks on each of its
    assets: recorded as grants through the group (derived, so replaced wholesale). A person
    whose side did not answer keeps the grants recorded before."""
    principals = ctx.principals()
    members = list(group.assets.values_list("pk", "kind"))
    wanted: dict[tuple[int, str, int | None], list[str]] = {}
    kept: set[tuple[str, int]] = {principals[u] for u in unanswered if u in principals}
    for user_id in users:
        key = principals.get(user_id)
        if key is None or user_id in unanswered:
            continue
        for param, tasks in tasks_of.get(user_id, {}).get(group.meta_id, {}).items():
            kind = GROUP_TASK_KINDS.get(param)
            for asset_pk, asset_kind in members:
                if tasks and asset_kind == kind:
                    wanted[(asset_pk, *key)] = sorted(tasks)
    existing = {
        (g.asset_id, "p" if g.person_id else "s", g.person_id or g.system_user_id): g
        for g in Grant.objects.filter(asset_group=group)
    }
    now = timezone.now()
    to_create = [
        Grant(
            asset_id=asset_pk,
            business=ctx.business,
            asset_group=group,
            person_id=pk if who == "p" else None,
            system_user_id=pk if who == "s" else None,
            tasks=tasks,
            applied_tasks=tasks,
            origin=Grant.Origin.META,
            push_state=PushState.IN_SYNC,
            verified_at=now,
        )
        for (asset_pk, who, pk), tasks in wanted.items()
        if (asset_pk, who, pk) not in existing
    ]
    changed = [g for key, g in existing.items() if key in wanted and g.applied_tasks != wanted[key]]
    for grant in changed:
        grant_key = (
            grant.asset_id,
            "p" if grant.person_id else "s",
            grant.person_id or grant.system_user_id,
        )
        grant.tasks = grant.applied_tasks = wanted[grant_key]
        grant.updated_at = now
    gone = [g.pk for key, g in existing.items() if key not in wanted and key[1:] not in kept]
    with transaction.atomic():
        Grant.objects.bulk_create(to_create)
        Grant.objects.bulk_update(changed, ["tasks", "applied_tasks", "updated_at"])
        Grant.objects.filter(pk__in=gone).delete()
    # Derived rows: their churn follows group membership, so it counts as an update of the
    # group's picture; removed_count stays the number of rows the sweeps marked removed.
    ctx.run.created_count += len(to_create)
    ctx.run.updated_count += len(changed) + len(gone)
