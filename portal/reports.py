"""Who holds what: the access report shared by the command, the CSV download and search."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from assets.models import Grant, PushState
from businesses.models import Business

# The contract every access report keeps (command JSON, CSV downloads).
ACCESS_REPORT_CORE_COLUMNS = (
    "asset_id",
    "asset_type",
    "asset_name",
    "principal_id",
    "principal_type",
    "principal_name",
    "tasks",
)
ACCESS_REPORT_COLUMNS = [
    "business_id",
    "business_name",
    *ACCESS_REPORT_CORE_COLUMNS,
    "source",
    "state",
]


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection), also
# after leading spaces.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value made safe for a CSV cell: text a spreadsheet would run as a formula is prefixed
    with a quote. One guard for every CSV the portal writes (downloads and the command)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def access_report_rows(
    *, businesses: Iterable[Business] | None = None, grants=None
) -> Iterator[dict[str, Any]]:
    """One row per live grant, streamed in chunks (constant queries per 2,000 rows)."""
    qs = grants if grants is not None else Grant.objects.all()
    qs = (
        qs.exclude(push_state=PushState.REMOVED)
        .select_related("asset", "business", "person", "system_user", "asset_group")
        .order_by("business_id", "asset__kind", "asset__meta_id", "pk")
    )
    if businesses is not None:
        qs = qs.filter(business__in=list(businesses))
    for grant in qs.iterator(chunk_size=2000):
        principal = grant.person or grant.system_user
        yield {
            "business_id": grant.business.meta_id,
            "business_name": grant.business.name,
            "asset_id": grant.asset.meta_id,
            "asset_type": grant.asset.kind,
            "asset_name": grant.asset.name,
            "principal_id": principal.meta_id,
            "principal_type": "person" if grant.person_id else "system_user",
            "principal_name": principal.name or getattr(principal, "email", ""),
            "tasks": list(grant.applied_tasks or grant.tasks),
            "source": f"asset group {grant.asset_group.name}" if grant.asset_group_id else "direct",
            "state": grant.push_state,
        }
