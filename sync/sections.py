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


def sections_run(ctx: SyncContext) -> None:
    """Run every section (see the module docstring), then settle the per-asset reads and
    write the drift found."""
    sections = sections_of(ctx)
    ctx.progress_start(total=len(sections))
    for label, section in sections:
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
        ctx.progress(1)
    ctx.edges.finish()
    ctx.drift.flush()
