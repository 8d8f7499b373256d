"""How the sync writes: in bounded slices and only what changed.

A big business is streamed, never held whole: listing pages are gathered into slices of
WRITE_SLICE items, large ``IN (...)`` lists are split into chunks of IN_CHUNK values, and a row
is written only when one of its values differs (a second sync of unchanged data writes
nothing, and leaves every ``updated_at`` alone)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

# Listing pages are written in slices of up to this many items (several of Meta's pages).
WRITE_SLICE = 5000
# ``IN (...)`` lists are sent in chunks of this many values.
IN_CHUNK = 5000


def in_chunks(values: Iterable[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """Values in lists of at most ``size``: large ``IN`` lists become several queries."""
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_slices(pages: Iterable[list[Any]], size: int = WRITE_SLICE) -> Iterator[list[Any]]:
    """Items of consecutive pages gathered into slices of about ``size`` (bounded memory), so
    a big listing is written in a few bulk statements instead of a few per page."""
    buffer: list[Any] = []
    for items in pages:
        buffer.extend(items)
        if len(buffer) >= size:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


def apply_changes(obj: Any, wanted: dict[str, Any], now: datetime) -> bool:
    """Set the wanted values on a row; True when any differed. Only changed rows are written,
    so a sync of unchanged data leaves every row (and its updated_at) alone."""
    if all(getattr(obj, key) == value for key, value in wanted.items()):
        return False
    for key, value in wanted.items():
        setattr(obj, key, value)
    obj.updated_at = now
    return True
