"""Reading a business's listings (its edges: owned and client assets, people, system users...).

The business node and the first page of every listing are read in one request (field
expansion, ``first_pages_read``); each listing then continues from its prefetched first page.
When Meta refuses the combined read over a listing (or a field of one) it no longer serves,
the read is asked again without it, and that listing is left out of the run (its rows are kept,
the run warns); if Meta refuses it otherwise, each listing is read on its own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph import BadRequestError, GraphClient, Page, PermissionMissingError
from graph import operations as ops
from graph.types import BusinessNode

logger = logging.getLogger(__name__)


class ListingWithdrawn(Exception):
    """A listing left out of this sync because Meta no longer serves it (already warned)."""


@dataclass
class ListingRead:
    """What one read of a listing saw, and whether it was read to the end (its last page had
    no ``next``): only then can a row it did not see be marked removed.

    A read of several listings together (an access type's owned and pending listings of one
    kind) is complete only when each of its ``parts`` completed."""

    seen: set[str] = field(default_factory=set)
    complete: bool = False
    parts: list[bool] = field(default_factory=list)

    def part_done(self, complete: bool) -> None:
        self.parts.append(complete)
        self.complete = all(self.parts)


def pages(pages: Iterator[Page[Any]], read: ListingRead | None = None) -> Iterator[list[Any]]:
    """The items of each page; ``read`` is marked complete when the last page came."""
    for page in pages:
        yield page.items
        if read is not None and page.is_last:
            read.complete = True


class ListingReader:
    """The listings of one business as one run reads them. ``withdraw`` records (and warns
    once) that Meta no longer serves an edge; ``withdrawn`` is the run's set of those."""

    def __init__(
        self, business_meta_id: str, *, withdrawn: set[str], withdraw: Callable[[str], None]
    ) -> None:
        self.business_meta_id = business_meta_id
        self.withdrawn = withdrawn
        self.withdraw = withdraw
        self.listings = ops.business_listings()
        self.first_pages: dict[str, ops.FirstPage] | None = None
        self.reading: str | None = None  # the business edge the current section reads

    def first_pages_read(self, client: GraphClient) -> BusinessNode:
        """The business node, with the first page of every listing Meta still serves when the
        combined read works (see the module docstring)."""
        listings = dict(self.listings)
        while True:
            try:
                node, self.first_pages = ops.read_first_pages(
                    client, self.business_meta_id, listings.values()
                )
                return node
            except (BadRequestError, PermissionMissingError) as err:
                refusal = ops.withdrawn_refusal(err)
                refused = ops.listings_refused(listings.values(), refusal) if refusal else []
                if not refused:
                    logger.info(
                        "Expanded read of %s refused (%s); reading listings one by one.",
                        self.business_meta_id,
                        err.code,
                    )
                    break
                for listing in refused:
                    listings.pop(listing.edge)
                    self.withdraw(listing.edge)
        self.first_pages = None
        return ops.get_business(client, self.business_meta_id)

    def listing_pages(
        self,
        client: GraphClient,
        edge: str,
        fallback: Callable[[], Iterator[Page[Any]]],
    ) -> Iterator[Page[Any]]:
        """A listing's pages: from its prefetched first page when there is one, else read alone.
        A listing Meta refused in the combined read is not asked again (ListingWithdrawn)."""
        if edge in self.withdrawn:
            raise ListingWithdrawn(edge)
        self.reading = edge
        if self.first_pages is not None and edge in self.first_pages:
            return ops.continue_pages(client, self.listings[edge], self.first_pages.pop(edge))
        return fallback()
