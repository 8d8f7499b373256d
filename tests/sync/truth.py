"""What Meta holds (read straight from the sandbox's world) and what the portal holds (read from
the database), in the same shape, so a test can say ``assert portal(...) == meta(...)``.

Each picture is a dict of named sets of plain tuples: a mismatch shows as a set difference.
The rules for what the portal can see follow the Graph contract (docs/graph-contract.md):
- owned assets of every kind with an owned_* edge;
- partner (agency) access: confirmed shares of the kinds with a client_* edge, plus every share
  of a shareable kind whose owner is in the portal (the owner's sync reads the asset's
  agencies); pending requests of the kinds with a pending_client_* edge;
- custom conversions of the ad accounts a business owns;
- grants on the grantable assets a business owns or holds confirmed partner access to, held by
  that business's own people and system users.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assets.models import GRANTABLE_KINDS, SHAREABLE_KINDS, Asset, AssetAccess, AssetGroup, Grant
from assets.models import PushState as PS
from businesses.models import Business, BusinessUser, PartnerRelationship
from graph.operations import ASSET_EDGES, GROUP_EDGES, edge_lists_tasks
from sandbox.tasks import GROUP_TASK_PARAMS
from sandbox.world import World
from sync.asset_listings import CLIENT_KINDS, OWNED_KINDS, PENDING
from systemusers.models import SystemUser

# The per-kind task fields the sync reads from each person's asset groups
# (graph.operations.PERSON_GROUP_FIELDS).
REQUESTED_GROUP_PARAMS = {"adaccount_tasks", "page_tasks", "pixel_tasks"}
# Client edges that carry the business's permitted tasks on each asset.
TASK_LISTING_KINDS = {
    kind
    for (kind, relation), edge in ASSET_EDGES.items()
    if relation == "client" and edge_lists_tasks(edge)
}
PENDING_AGENCY_KINDS = {kind for kind, relation in PENDING if relation == "client"}


def meta(world: World, businesses: Iterable[Business]) -> dict[str, set[tuple[Any, ...]]]:
    """The sandbox's truth for the given portal businesses."""
    with world.lock:
        in_portal = {b.meta_id for b in businesses}
        picture: dict[str, set[tuple[Any, ...]]] = {k: set() for k in _KEYS}
        for business_id in sorted(in_portal):
            _meta_business(world, business_id, in_portal, picture)
        for (agency, client), status in world.partners.items():
            if agency in in_portal and client in in_portal:
                state = "pending" if status.upper().endswith("PENDING") else "active"
                picture["partners"].add((agency, client, state))
        return picture


def _meta_business(world: World, b: str, in_portal: set[str], picture: dict) -> None:
    biz = world.businesses[b]
    picture["businesses"].add((b, biz.name, biz.verification_status, biz.two_factor_type))
    reachable: list[Any] = []
    for asset in world.assets.values():
        if asset.owner_id == b and asset.kind in OWNED_KINDS:
            picture["accesses"].add((b, asset.kind, asset.id, "OWNER", "CONFIRMED", ()))
            reachable.append(asset)
        access = asset.access.get(b)
        if access is None or access.access_type != "AGENCY":
            continue
        owner_in_portal = asset.owner_id in in_portal
        # Tasks are known from a client edge that lists them, or from the owner's sync.
        known = asset.kind in TASK_LISTING_KINDS or owner_in_portal
        tasks = tuple(sorted(access.permitted_tasks)) if known else ()
        if access.status == "CONFIRMED":
            if asset.kind in CLIENT_KINDS or (owner_in_portal and asset.kind in SHAREABLE_KINDS):
                picture["accesses"].add((b, asset.kind, asset.id, "AGENCY", "CONFIRMED", tasks))
                reachable.append(asset)
        elif asset.kind in PENDING_AGENCY_KINDS or (
            owner_in_portal and asset.kind in SHAREABLE_KINDS
        ):
            picture["accesses"].add((b, asset.kind, asset.id, "AGENCY", "PENDING", tasks))
    owned_accounts = {a.id for a in world.assets.values() if a.owner_id == b}
    for asset in world.assets.values():
        if asset.kind == "custom_conversion" and asset.fields.get("ad_account_id") in (
            owned_accounts
        ):
            picture["custom_conversions"].add((asset.id, asset.fields["ad_account_id"]))
    for asset in reachable:
        if asset.kind not in GRANTABLE_KINDS:
            continue
        for user_id, tasks in asset.assigned.items():
            if world.member_business(user_id) == b:
                picture["grants"].add((b, asset.id, user_id, tuple(sorted(tasks))))
    for user in world.users_of(b):
        picture["people"].add((b, user.id, user.name, user.email, user.role))
    for invitation in world.invitations.values():
        if invitation.business_id == b:
            picture["invitations"].add((b, invitation.id, invitation.email, invitation.role))
    for su in world.system_users_of(b):
        picture["system_users"].add((b, su.id, su.name, su.role))
    for group in world.asset_groups.values():
        if group.owner_id == b:
            members = tuple(
                sorted(
                    a
                    for a in group.asset_ids
                    if a in world.assets and world.assets[a].kind in GROUP_EDGES
                )
            )
            picture["asset_groups"].add((b, group.id, group.name, members))
            for user_id, stored in group.users.items():
                if world.member_business(user_id) != b:
                    continue
                for param, tasks in stored.items():
                    kind = GROUP_TASK_PARAMS.get(param)
                    if param not in REQUESTED_GROUP_PARAMS or not tasks:
                        continue
                    for asset_id in members:
                        if world.assets[asset_id].kind == kind:
                            picture["group_grants"].add(
                                (b, group.id, asset_id, user_id, tuple(sorted(tasks)))
                            )


def portal(businesses: Iterable[Business]) -> dict[str, set[tuple[Any, ...]]]:
    """The same picture, from the database (live rows only)."""
    pks = [b.pk for b in businesses]
    picture: dict[str, set[tuple[Any, ...]]] = {k: set() for k in _KEYS}
    for row in Business.objects.filter(pk__in=pks):
        picture["businesses"].add(
            (row.meta_id, row.name, row.verification_status, row.two_factor_type)
        )
    for access in AssetAccess.objects.filter(
        business__in=pks, removed_at__isnull=True
    ).select_related("asset", "business"):
        picture["accesses"].add(
            (
                access.business.meta_id,
                access.asset.kind,
                access.asset.meta_id,
                access.access_type,
                access.access_status,
                tuple(sorted(access.permitted_tasks)),
            )
        )
    for cc in Asset.objects.filter(
        kind="custom_conversion", removed_at__isnull=True
    ).select_related("parent"):
        picture["custom_conversions"].add((cc.meta_id, cc.parent.meta_id if cc.parent else None))
    for grant in Grant.objects.filter(business__in=pks, asset_group__isnull=False).select_related(
        "asset", "business", "person", "system_user", "asset_group"
    ):
        picture["group_grants"].add(
            (
                grant.business.meta_id,
                grant.asset_group.meta_id,
                grant.asset.meta_id,
                grant.principal_meta_id,
                tuple(sorted(grant.applied_tasks)),
            )
        )
    for grant in (
        Grant.objects.filter(business__in=pks, asset_group__isnull=True)
        .exclude(push_state=PS.REMOVED)
        .select_related("asset", "business", "person", "system_user")
    ):
        picture["grants"].add(
            (
                grant.business.meta_id,
                grant.asset.meta_id,
                grant.principal_meta_id,
                tuple(sorted(grant.applied_tasks)),
            )
        )
    for person in BusinessUser.objects.filter(business__in=pks).select_related("business"):
        if person.status == BusinessUser.Status.ACTIVE:
            picture["people"].add(
                (person.business.meta_id, person.meta_id, person.name, person.email, person.role)
            )
        elif person.status == BusinessUser.Status.INVITED:
            picture["invitations"].add(
                (person.business.meta_id, person.invitation_meta_id, person.email, person.role)
            )
    for su in SystemUser.objects.filter(business__in=pks).select_related("business"):
        picture["system_users"].add((su.business.meta_id, su.meta_id, su.name, su.role))
    for group in AssetGroup.objects.filter(
        business__in=pks, removed_at__isnull=True
    ).select_related("business"):
        members = tuple(sorted(group.assets.values_list("meta_id", flat=True)))
        picture["asset_groups"].add((group.business.meta_id, group.meta_id, group.name, members))
    for rel in PartnerRelationship.objects.filter(agency__in=pks, client__in=pks).select_related(
        "agency", "client"
    ):
        picture["partners"].add((rel.agency.meta_id, rel.client.meta_id, rel.status))
    return picture


def differences(left: dict[str, set], right: dict[str, set]) -> dict[str, dict[str, set]]:
    """Only what differs, per key: {key: {"portal only": ..., "meta only": ...}}."""
    out = {}
    for key in _KEYS:
        extra, missing = left[key] - right[key], right[key] - left[key]
        if extra or missing:
            out[key] = {"portal only": extra, "meta only": missing}
    return out


_KEYS = (
    "businesses",
    "accesses",
    "custom_conversions",
    "grants",
    "group_grants",
    "people",
    "invitations",
    "system_users",
    "asset_groups",
    "partners",
)
