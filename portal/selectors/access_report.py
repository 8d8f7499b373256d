"""The access report of the readiness page: "why can't we see this ad account?" (journey 9)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from assets.models import Asset, AssetAccess, AssetKind
from assets.scoping import scope_assets
from assets.selectors import live_grants, task_labels
from businesses.models import AccessToken, Business
from portal.selectors.readiness import token_health


@dataclass
class AccessFinding:
    ok: bool
    label: str
    detail: str


@dataclass
class AccessReport:
    asset_id: str
    asset: Asset | None
    business: Business
    findings: list[AccessFinding] = field(default_factory=list)

    @property
    def missing(self) -> AccessFinding | None:
        return next((f for f in self.findings if not f.ok), None)


def access_report(
    *, business: Business, token: AccessToken | None, asset_id: str, user: Any
) -> AccessReport:
    """Follow the chain an API call needs for one asset and name the first broken link:
    shared with the agency? a system user assigned? the token's scope? the business verified?

    Only assets the staff member sees are looked up: another client's asset reads exactly like
    one the portal has never heard of."""
    asset_id = (asset_id or "").strip()
    candidates = [asset_id]
    if asset_id.isdigit():
        candidates.append(f"act_{asset_id}")
    asset = (
        scope_assets(Asset.objects.filter(meta_id__in=candidates), user)
        .select_related("owner_business")
        .prefetch_related(
            Prefetch(
                "accesses", queryset=AssetAccess.objects.select_related("business"), to_attr="acc"
            ),
            Prefetch(
                "grants",
                queryset=scope_assets(live_grants(), user, "asset").order_by("asset__name"),
                to_attr="live",
            ),
        )
        .first()
    )
    report = AccessReport(asset_id=asset_id, asset=asset, business=business)
    if asset is None:
        report.findings.append(
            AccessFinding(
                False,
                "Never shared (or not synced yet)",
                f"No asset {asset_id} is known to the portal: the client never shared it with "
                f"the agency, or the last sync predates the share. Ask the client to share it "
                f"(Business Settings → Partners), then sync {business.name}.",
            )
        )
        return report
    accesses = [a for a in asset.acc if a.removed_at is None]
    agency_ids = {
        b_id
        for b_id in [business.pk, business.app.owner_business_id if business.app else None]
        if b_id
    }
    reachable = [a for a in accesses if a.business_id in agency_ids]
    confirmed = [a for a in reachable if a.access_status == AssetAccess.AccessStatus.CONFIRMED]
    if not reachable:
        report.findings.append(
            AccessFinding(
                False,
                "Never shared",
                f"{asset} is not shared with {business.name} or the agency: the owner must "
                "share it (Business Settings → Partners → Share assets).",
            )
        )
    elif not confirmed:
        report.findings.append(
            AccessFinding(
                False,
                "Share still pending",
                f"The share of {asset} is pending: an admin must accept it in Meta.",
            )
        )
    else:
        tasks = ", ".join(task_labels(asset.kind, confirmed[0].permitted_tasks)) or "owner"
        report.findings.append(
            AccessFinding(True, "Shared", f"{confirmed[0].business.name} has access ({tasks}).")
        )
    su_grants = [g for g in asset.live if g.system_user_id]
    if su_grants:
        names = ", ".join(
            f"{g.system_user.name} ({', '.join(task_labels(asset.kind, g.tasks))})"
            for g in su_grants
        )
        report.findings.append(AccessFinding(True, "System user assigned", names))
    else:
        report.findings.append(
            AccessFinding(
                False,
                "System user never assigned",
                "No system user holds tasks on this asset, so the portal's token cannot use it: "
                "assign the system user to it (a grant).",
            )
        )
    needed = "ads_management" if asset.kind == AssetKind.AD_ACCOUNT else "business_management"
    if token is None or not token.is_valid:
        report.findings.append(AccessFinding(False, "No working token", token_health(token).text))
    elif needed not in (token.scopes or []):
        report.findings.append(
            AccessFinding(
                False,
                "Token lacks a scope",
                f"The connection token {token.masked} does not have {needed}: generate a new "
                f"token with it.",
            )
        )
    else:
        report.findings.append(AccessFinding(True, "Token scope", f"{token.masked} has {needed}."))
    owner = asset.owner_business
    if owner is not None and owner.verification_status != Business.VerificationStatus.VERIFIED:
        report.findings.append(
            AccessFinding(
                False,
                "Business unverified",
                f"{owner.name} is {owner.get_verification_status_display().lower()}: some "
                "access across Business Managers needs a verified business.",
            )
        )
    else:
        report.findings.append(AccessFinding(True, "Business verified", ""))
    return report
