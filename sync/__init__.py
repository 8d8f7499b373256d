"""Pulling a business's state from Meta: the sync.

A sync reads everything the domain model holds for one business and streams it into the
database page by page (short transactions, never one held open across a call to Meta):

1. Claim the business with a compare-and-swap on ``sync_state`` and a lease, so exactly one
   sync runs per business and a crashed worker's claim expires by itself. A redelivered task
   whose run already holds the claim takes it over.
2. Read each listing (the business node; owned, client and pending assets of every kind;
   custom conversions; people and invitations; system users; partners; asset groups; each
   asset's assigned users and partner shares) and upsert what changed — a second sync of
   unchanged data writes nothing.
3. After a listing completed (its last page had no ``next``), mark rows it no longer holds as
   removed — never after an error, and never more than SYNC_MAX_REMOVAL_SHARE of them at once
   (held back and reported instead).
4. Record what changed outside the portal as drift, release the claim, and finish the run.
Throttling pauses the business until Meta's regain time; the task is re-queued for then.

A big client (more due per-asset reads than SYNC_CHUNK_ASSETS) reads its listings in the run's
task and its per-asset edges as chunk tasks that any worker takes; the last chunk to finish
settles the run (``sync.chunks``).

Where each part lives:

- ``sync.services``: requesting a sync (``business_sync_request``, ``sync_dispatch_due``);
  ``sync.selectors``: which businesses are due;
- ``sync.run``: one run start to finish (``business_sync``); ``sync.outcome``: how a run ends
  (``run_settle``); ``sync.chunks`` and ``sync.chunk_task``: a big client's chunks;
  ``sync.claim``: the claim and its lease, the back-off after failures; ``sync.sections``: the
  sections in order and what their errors mean; ``sync.context``: what the sections of one run
  share;
- ``sync.listings``: reading listings, the combined first-page read, withdrawn edges;
  ``sync.business_node``; ``sync.asset_listings`` and ``sync.asset_upserts``: assets and access;
- ``sync.edges``: which assets' per-asset edges are due (``edges_due_filter``) and were read;
  ``sync.grants`` (assigned users), ``sync.shares`` (partner shares), ``sync.conversions``;
- ``sync.people``, ``sync.system_users``, ``sync.partners``, ``sync.groups``, ``sync.app_roles``;
- ``sync.drift``: recording what changed outside the portal; ``sync.writes``: bounded writes.
"""
