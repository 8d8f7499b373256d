"""The first-contact check an operator runs before trusting the portal with a business
(`python manage.py graph_doctor BUSINESS_ID`, issue 8 item 6).

Read-only: one GET per listing the sync reads and one per edge kind it reads for each asset,
group or person (first page, `limit=1`), with the business's own connection token; then the
token's scopes and expiry from `debug_token` and the usage Meta reported. Nothing is written,
neither in Meta nor in the database (the call ledger is not kept for these calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assets.models import GRANTABLE_KINDS, SHAREABLE_KINDS, AssetKind
from businesses.graph_access import connection_token, graph_config
from businesses.models import Business, DeveloperApp
from graph import GraphClient, GraphError
from graph import operations as ops
from graph.types import TokenInfo

APP_ROLE_QUERY = {"fields": ops.APP_ROLE_FIELDS}


@dataclass(frozen=True, slots=True)
class DoctorCheck:
    """One request and Meta's answer to it. `error` is Meta's message when it refused."""

    what: str
    path: str
    error: str | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.skipped:
            return f"SKIPPED  {self.what}: {self.skipped}"
        if self.error is None:
            return f"OK       {self.what}  GET {self.path}"
        return f"REFUSED  {self.what}  GET {self.path}: {self.error}"


@dataclass
class DoctorReport:
    business_meta_id: str
    checks: list[DoctorCheck] = field(default_factory=list)
    token: TokenInfo | None = None
    token_problem: str | None = None  # why the token could not be inspected
    token_refused: bool = False  # Meta refused debug_token, or says the token is not valid
    usage: str = ""

    @property
    def refused(self) -> list[DoctorCheck]:
        return [c for c in self.checks if not c.ok]

    @property
    def healthy(self) -> bool:
        return not self.refused and not self.token_refused

    def lines(self) -> list[str]:
        out = [c.line() for c in self.checks]
        out += _token_lines(self.token, self.token_problem)
        out.append(f"Usage: {self.usage or 'Meta sent no usage headers'}")
        if self.healthy:
            out.append("Everything the sync needs was served.")
        else:
            names = ", ".join([c.what for c in self.refused] + ["the token"] * self.token_refused)
            out.append(f"Meta refused what the sync needs: {names}.")
        return out


def _token_lines(token: TokenInfo | None, problem: str | None) -> list[str]:
    if problem is not None:
        return [f"Token: {problem}"]
    if token is None:
        return []
    expiry = _when(token.expires_at) if token.expires_at else "never"
    return [
        f"Token: {'valid' if token.is_valid else 'NOT valid'}, type {token.type or 'unknown'}, "
        f"expires {expiry}, data access until {_when(token.data_access_expires_at)}",
        f"Scopes: {', '.join(token.scopes) or '(none)'}",
    ]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "not said"


class _Doctor:
    def __init__(self, client: GraphClient, report: DoctorReport) -> None:
        self.client = client
        self.report = report

    def get(self, what: str, path: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            body = self.client.get(path, dict(params))
        except GraphError as err:
            said = err.message or err.describe()
            code = f" (code {err.code}" + (f"/{err.subcode})" if err.subcode else ")")
            self.report.checks.append(DoctorCheck(what, path, error=said + code))
            return None
        self.report.checks.append(DoctorCheck(what, path))
        return body

    def skip(self, what: str, why: str) -> None:
        self.report.checks.append(DoctorCheck(what, "", skipped=why))

    def first_id(self, body: dict[str, Any] | None) -> str | None:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], Mapping):
            value = data[0].get("id")
            return str(value) if value not in (None, "") else None
        return None


def business_graph_check(*, business: Business) -> DoctorReport:
    """Ask Meta, read-only, for everything the sync of `business` reads (see module doc)."""
    token = connection_token(business)
    app = token.app or business.app
    secret = (app.reveal_secret() or None) if app is not None else None
    report = DoctorReport(business.meta_id)
    client = GraphClient(
        graph_config(), token.reveal(), app_secret=secret, business_id=business.meta_id
    )
    try:
        _run(_Doctor(client, report), business.meta_id)
        if app is not None and secret:
            try:
                report.token = client.debug_token(
                    token.reveal(), app_id=app.meta_id, app_secret=secret
                )
                report.token_refused = not report.token.is_valid
            except GraphError as err:
                report.token_problem = f"debug_token refused: {err.message} (code {err.code})"
                report.token_refused = True
        else:
            report.token_problem = "not inspected: the portal holds no secret for its app"
        report.usage = _usage(client)
    finally:
        client.close()
    _check_app_roles(business, report)
    return report


def _check_app_roles(business: Business, report: DoctorReport) -> None:
    """The sync reads the roles on each developer app the business owns, with the app's own
    access token (`{app_id}|{app_secret}`); one such read per app."""
    for app in DeveloperApp.objects.filter(owner_business=business).exclude(secret_ciphertext=""):
        client = GraphClient(graph_config(), f"{app.meta_id}|{app.reveal_secret()}")
        try:
            _Doctor(client, report).get(
                f"app {app.meta_id} roles", f"/{app.meta_id}/roles", {**APP_ROLE_QUERY, "limit": 1}
            )
        finally:
            client.close()


def _usage(client: GraphClient) -> str:
    usage = client.usage
    if not usage.seen:
        return ""
    parts = [f"app {usage.app_pct:.0f}%"]
    parts += [f"business {b} {pct:.0f}%" for b, pct in sorted(usage.business_pct.items())]
    if usage.ad_account_pct:
        parts.append(f"ad account {usage.ad_account_pct:.0f}%")
    return ", ".join(parts)


def _run(doctor: _Doctor, business_id: str) -> None:
    one = {"limit": 1}
    doctor.get("business node", f"/{business_id}", {"fields": ops.BUSINESS_FIELDS})
    first: dict[str, str | None] = {}
    for edge, listing in ops.business_listings().items():
        body = doctor.get(edge, f"/{business_id}/{edge}", {"fields": listing.fields, **one})
        first[edge] = doctor.first_id(body)

    def asset_of(kind: str) -> str | None:
        for relation in ("owned", "client"):
            edge = ops.asset_edge(kind, relation)
            if edge and first.get(edge):
                return first[edge]
        return None

    # Per-asset edges, one asset of each kind.
    account = first.get(ops.asset_edge(AssetKind.AD_ACCOUNT, "owned") or "")
    if account:
        doctor.get(
            "customconversions",
            f"/{account}/customconversions",
            {"fields": ops.ASSET_FIELDS["custom_conversion"], **one},
        )
    else:
        doctor.skip("customconversions", "the business owns no ad account to try it on")
    for kind in sorted(GRANTABLE_KINDS):
        asset = asset_of(kind)
        if asset is None:
            doctor.skip(f"{kind} assigned_users", f"no {kind} listed to try it on")
            continue
        doctor.get(
            f"{kind} assigned_users",
            f"/{asset}/assigned_users",
            {"fields": ops.ASSIGNED_USER_FIELDS, "business": business_id, **one},
        )
    for kind in sorted(SHAREABLE_KINDS):
        asset = first.get(ops.asset_edge(kind, "owned") or "")
        if asset is None:
            doctor.skip(f"{kind} agencies", f"the business owns no {kind} to try it on")
            continue
        doctor.get(f"{kind} agencies", f"/{asset}/agencies", {"fields": ops.AGENCY_FIELDS, **one})
    # Asset groups: their contents and people, and the people's side of them.
    group = first.get("business_asset_groups")
    if group is None:
        doctor.skip("asset group edges", "the business has no asset group to try them on")
    else:
        for edge in ops.GROUP_EDGES.values():
            doctor.get(
                f"group {edge}", f"/{group}/{edge}", {"fields": ops.GROUP_ASSET_FIELDS, **one}
            )
        doctor.get(
            "group assigned_users",
            f"/{group}/assigned_users",
            {"fields": ops.GROUP_USER_FIELDS, "business": business_id, **one},
        )
    for edge in ("system_users", "business_users"):
        person = first.get(edge)
        what = f"{edge.removesuffix('s')} assigned_business_asset_groups"
        if person is None:
            doctor.skip(what, f"no {edge.replace('_', ' ')} to try it on")
            continue
        doctor.get(
            what,
            f"/{person}/assigned_business_asset_groups",
            {"fields": ops.PERSON_GROUP_FIELDS, **one},
        )
