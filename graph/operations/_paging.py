"""Helpers the operations share: a listing as parsed pages, and a listing read per object
through batch. Private: they run whatever path they are given, so the contract test checks
them through the public operations that call them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from ..batch import BatchRequest, BatchResult
from ..client import GraphClient
from ..errors import GraphError, MalformedResponseError
from ..types import Page

logger = logging.getLogger(__name__)
N = TypeVar("N")

Parser = Callable[[Mapping[str, Any]], N | None]


def parsed_pages(
    client: GraphClient,
    path: str,
    fields: str,
    parse: Parser[N],
    params: Mapping[str, Any] | None = None,
) -> Iterator[Page[N]]:
    for page in client.iter_pages(path, fields=fields, params=params):
        nodes: list[N] = []
        for row in page.items:
            node = parse(row)
            if node is None:
                # A row without an id cannot be matched to anything; it is not a reason to
                # fail a whole listing.
                logger.warning("Skipping a %s item without an id", path.split("?", 1)[0])
                continue
            nodes.append(node)
        yield Page(items=nodes, number=page.number, is_last=page.is_last)


def items(pages: Iterator[Page[N]]) -> Iterator[N]:
    for page in pages:
        yield from page.items


def batched_listing(
    client: GraphClient,
    object_ids: Iterable[str],
    url: Callable[[str], str],
    parse: Parser[N],
) -> dict[str, list[N] | GraphError]:
    """One batch GET per object (50 per request); each item's own `paging.next` is followed."""
    ids = list(dict.fromkeys(object_ids))
    results = client.batch([BatchRequest("GET", url(object_id)) for object_id in ids])
    out: dict[str, list[N] | GraphError] = {}
    for object_id, result in zip(ids, results, strict=True):
        out[object_id] = _collect(client, result, parse)
    return out


def _collect(client: GraphClient, result: BatchResult, parse: Parser[N]) -> list[N] | GraphError:
    if result.error is not None:
        return result.error
    body = result.body or {}
    data = body.get("data")
    if not isinstance(data, list):
        return MalformedResponseError("a batch listing had no data list")
    rows = [row for row in data if isinstance(row, Mapping)]
    paging = body.get("paging")
    next_link = paging.get("next") if isinstance(paging, Mapping) else None
    if next_link:
        try:
            rows.extend(client.iter_edge(str(next_link)))
        except GraphError as err:
            # A half-read list must not look complete: the object's answer is the error.
            return err
    return [node for node in (parse(row) for row in rows) if node is not None]


def relative_url(path: str, **params: Any) -> str:
    """A batch item's relative URL; commas stay readable in `fields`."""
    return f"{path}?{urlencode(params, safe=',')}"


def act(ad_account_id: str) -> str:
    """An ad account's node id: Meta names it `act_<account id>`."""
    return ad_account_id if ad_account_id.startswith("act_") else f"act_{ad_account_id}"
