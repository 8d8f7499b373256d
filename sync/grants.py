"""Assigned users: who holds which tasks on each asset this business owns or reaches.

Read per asset (a per-asset edge) and reconciled with the business's direct grants (grants
through an asset group are the groups' section's): a grant made, changed or removed in Meta
is recorded as drift. A grant the portal is still pushing keeps the tasks it wants; only what
Meta applied is updated on it."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from assets.models import GRANTABLE_KINDS, Grant, PushState
from businesses.models import BusinessUser
from graph import GraphError
from graph import operations as ops
from graph.types import AssignedUserNode
from sync.context import SyncContext
from sync.models import DriftEvent
from sync.writes import IN_CHUNK, in_chunks
from systemusers.models import SystemUser


def assigned_users_sync(ctx: SyncContext) -> None:
    """The assigned users of every grantable asset whose per-asset edges are due."""
    with ctx.edges.section():
        AssignedUsers(ctx).read()


class AssignedUsers:
    """One run's reading of assigned users. The grant writes of a slice of assets are
    gathered here and flushed in bulk (they were one query each)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.changed: list[Grant] = []
        self.changed_keep_tasks: list[Grant] = []
        self.gone: list[int] = []

    def read(self) -> None:
        people = dict(
            BusinessUser.objects.filter(
                business=self.ctx.business, meta_id__isnull=False
            ).values_list("meta_id", "pk")
        )
        system_users = dict(
            SystemUser.objects.filter(
                business=self.ctx.business, meta_id__isnull=False
            ).values_list("meta_id", "pk")
        )
        for chunk in self.ctx.edges.owned_assets(GRANTABLE_KINDS):
            results = ops.read_assigned_users(
                self.ctx.client, self.ctx.business.meta_id, [meta for _, meta, _ in chunk]
            )
            pks = {meta: pk for pk, meta, _ in chunk}
            grants = defaultdict(list)
            for grant in Grant.objects.filter(
                business=self.ctx.business, asset_id__in=pks.values(), asset_group__isnull=True
            ).exclude(push_state=PushState.REMOVED):
                grants[grant.asset_id].append(grant)
            to_create: list[Grant] = []
            answered: list[int] = []
            for asset_meta, result in results.items():
                if isinstance(result, GraphError):
                    self.ctx.answer_failed(result, f"Assigned users of {asset_meta}")
                    self.ctx.edges.failed.add(pks[asset_meta])
                    continue  # an asset whose answer failed keeps its grants untouched
                answered.append(pks[asset_meta])
                to_create += self._reconcile(
                    pks[asset_meta],
                    asset_meta,
                    result,
                    grants[pks[asset_meta]],
                    people,
                    system_users,
                )
            with transaction.atomic():
                Grant.objects.bulk_create(to_create, ignore_conflicts=True)
                self._flush()
            self.ctx.edges.stamp(answered)
            self.ctx.run.created_count += len(to_create)
            self.ctx.progress(0)

    def _flush(self) -> None:
        """The slice's changed and vanished grants, in bulk (they were one query each)."""
        if self.changed:
            Grant.objects.bulk_update(
                self.changed,
                ["tasks", "applied_tasks", "verified_at", "updated_at"],
                batch_size=IN_CHUNK,
            )
        if self.changed_keep_tasks:
            # A grant the portal is still pushing keeps its wanted tasks.
            Grant.objects.bulk_update(
                self.changed_keep_tasks,
                ["applied_tasks", "verified_at", "updated_at"],
                batch_size=IN_CHUNK,
            )
        now = timezone.now()
        for pks in in_chunks(self.gone):
            Grant.objects.filter(pk__in=pks).update(
                push_state=PushState.REMOVED, removed_at=now, applied_tasks=[], updated_at=now
            )
        self.changed, self.changed_keep_tasks, self.gone = [], [], []

    def _reconcile(
        self,
        asset_pk: int,
        asset_meta: str,
        assigned: list[AssignedUserNode],
        grants: list[Grant],
        people: dict[str | None, int],
        system_users: dict[str | None, int],
    ) -> list[Grant]:
        by_principal: dict[tuple[str, int | None], Grant] = {}
        for held in grants:
            key = ("p", held.person_id) if held.person_id else ("s", held.system_user_id)
            by_principal[key] = held
        seen = set()
        to_create: list[Grant] = []
        now = timezone.now()
        for user in assigned:
            if user.id in people:
                key = ("p", people[user.id])
            elif user.id in system_users:
                key = ("s", system_users[user.id])
            else:
                continue  # a user of another business: not this business's grant
            seen.add(key)
            applied = sorted(user.tasks)
            grant = by_principal.get(key)
            if grant is None:
                to_create.append(
                    Grant(
                        asset_id=asset_pk,
                        business=self.ctx.business,
                        person_id=key[1] if key[0] == "p" else None,
                        system_user_id=key[1] if key[0] == "s" else None,
                        tasks=applied,
                        applied_tasks=applied,
                        origin=Grant.Origin.META,
                        push_state=PushState.IN_SYNC,
                        verified_at=now,
                    )
                )
                self.ctx.note(
                    DriftEvent.Kind.GRANT_ADDED,
                    f"{user.name} got {', '.join(applied)} on {asset_meta} outside the portal.",
                    asset=asset_meta,
                    holder=user.name,
                    tasks=applied,
                )
                continue
            if sorted(grant.applied_tasks) == applied:
                continue
            grant.applied_tasks = applied
            grant.verified_at = now
            grant.updated_at = now
            if grant.push_state == PushState.IN_SYNC:
                grant.tasks = applied
                self.changed.append(grant)
                self.ctx.note(
                    DriftEvent.Kind.GRANT_CHANGED,
                    f"{user.name}'s tasks on {asset_meta} changed outside the portal to {', '.join(applied)}.",
                    asset=asset_meta,
                    holder=user.name,
                    tasks=applied,
                    before=list(grant.applied_tasks),
                )
            else:
                self.changed_keep_tasks.append(grant)
            self.ctx.run.updated_count += 1
        gone = [
            g
            for key, g in by_principal.items()
            if key not in seen and g.push_state == PushState.IN_SYNC
        ]
        if gone:
            self.gone += [g.pk for g in gone]
            self.ctx.run.removed_count += len(gone)
            for grant in gone:
                self.ctx.note(
                    DriftEvent.Kind.GRANT_REMOVED,
                    f"A grant on {asset_meta} was removed outside the portal.",
                    grant=grant.pk,
                    asset=asset_meta,
                    before=list(grant.applied_tasks or grant.tasks),
                )
        return to_create
