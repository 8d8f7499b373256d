"""The sections of one sync, in order, and what a section's failure means for the run.

A throttle, a dead token or an unreachable Meta stops the whole run. A listing Meta no longer
serves is left out with a warning. Any other Graph error fails that section only: the others
still run, and the run ends failed with each section's error."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from graph import (
    BadRequestError,
    GraphError,
    MetaUnreachableError,
    PermissionMissingError,
    ThrottledError,
    TokenInvalidError,
)
from graph import operations as ops
from sync.app_roles import app_roles_sync
from sync.asset_listings import CLIENT_KINDS, OWNED_KINDS, PENDING, AccessListings
from sync.business_node import business_node_sync
from sync.context import SyncContext
from sync.conversions import custom_conversions_sync
from sync.grants import assigned_users_sync
from sync.groups import asset_groups_sync
from sync.listings import ListingWithdrawn
from sync.partners import partners_sync
from sync.people import invitations_sync, people_sync
from sync.shares import partner_shares_sync
from sync.system_users import system_users_sync

Section = tuple[str, Callable[[], None]]

# The sections that read one asset at a time: a big run hands them to chunk tasks.
PER_ASSET_SECTIONS = frozenset({"custom conversions", "assigned users", "partner shares"})


def sections_of(ctx: SyncContext) -> list[Section]:
    """(label, section) in the order a run reads them: the business node with the listings'
    first pages, the asset listings and their sweep, then everything that needs the rows
    those wrote (people and system users before the grants that name them)."""
    accesses = AccessListings(ctx)
    sections: list[Section] = [("business", partial(business_node_sync, ctx))]
    sections += [(f"owned {k}", partial(accesses.assets_sync, k, "owned")) for k in OWNED_KINDS]
    sections += [(f"client {k}", partial(accesses.assets_sync, k, "client")) for k in CLIENT_KINDS]
    sections += [(f"pending {k} {r}", partial(accesses.pending_sync, k, r)) for k, r in PENDING]
    sections += [
        ("asset removals", accesses.sweep),
        ("custom conversions", partial(custom_conversions_sync, ctx)),
        ("people", partial(people_sync, ctx)),
        ("invitations", partial(invitations_sync, ctx)),
        ("system users", partial(system_users_sync, ctx)),
        ("partners", partial(partners_sync, ctx)),
        ("asset groups", partial(asset_groups_sync, ctx)),
        ("app roles", partial(app_roles_sync, ctx)),
        ("assigned users", partial(assigned_users_sync, ctx)),
        ("partner shares", partial(partner_shares_sync, ctx)),
    ]
    return sections


def sections_run(ctx: SyncContext, *, chunk_above: int | None = None) -> list[int]:
    """Run every section (see the module docstring), then settle the per-asset reads and
    write the drift found.

    With ``chunk_above``, a run whose due per-asset set is larger leaves the per-asset sections
    to chunk tasks (``sync.chunks``): it returns the due asset pks to split, and neither reads
    nor settles them here. Otherwise it returns an empty list."""
    sections = sections_of(ctx)
    ctx.progress_start(total=len(sections))
    handed_off: list[int] | None = None
    for label, section in sections:
        if label in PER_ASSET_SECTIONS and chunk_above is not None:
            if handed_off is None:
                # Decided where the first per-asset section would decide it: after every
                # listing marked what changed.
                due = ctx.edges.due_count() > chunk_above
                handed_off = ctx.edges.due_pks() if due else []
            if handed_off:
                continue
        section_run(ctx, label, section)
        ctx.progress(1)
    if not handed_off:
        ctx.edges.finish()
    ctx.drift.flush()
    return handed_off or []


def per_asset_sections_run(ctx: SyncContext) -> None:
    """A chunk's part of a big run: the per-asset sections for its assets, then which of them
    stay due. Its drift is written by the chunk with its completion."""
    for label, section in sections_of(ctx):
        if label in PER_ASSET_SECTIONS:
            section_run(ctx, label, section)
    ctx.edges.finish()


def section_run(ctx: SyncContext, label: str, section: Callable[[], None]) -> None:
    """One section, and what its failure means (see the module docstring)."""
    ctx.listings.reading = None
    try:
        section()
    except (ThrottledError, TokenInvalidError, MetaUnreachableError):
        raise
    except ListingWithdrawn:
        pass  # left out on purpose; its warning is on the run
    except BadRequestError as err:
        refusal = ops.withdrawn_refusal(err)
        if refusal is None or label == "business":
            ctx.section_errors.append(f"{label.capitalize()}: {err.describe()}")
        else:
            ctx.warn_withdrawn(refusal.name or ctx.listings.reading or label)
    except PermissionMissingError as err:
        ctx.section_errors.append(f"{label.capitalize()}: {err.describe()}")
    except GraphError as err:
        ctx.section_errors.append(f"{label.capitalize()}: {err.describe()}")
