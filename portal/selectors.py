"""Reads behind the portal pages, scoped to the staff member and shaped so a page costs a
constant number of queries whatever the number of clients (joins and annotations, no loops
that query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from assets.models import Asset, AssetAccess, Grant, PushState
from assets.scoping import scope_assets, scope_drift_events
from assets.selectors import task_labels
from businesses import scoping
from businesses.models import AccessToken, AppRole, Business, BusinessUser
from businesses.selectors import visible_businesses
from sync.models import DriftEvent, SyncRun
from systemusers.caps import CapMeter, meter_from_rows
from systemusers.models import SystemUser


def _count(qs: QuerySet, field: str = "pk", *, distinct: bool = False) -> Coalesce:
    """A correlated COUNT subquery: several counts on one row without join blow-up."""
    template = (
        "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    )
    counted = qs.order_by().annotate(
        n=Func(F(field), function="COUNT", template=template, output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def _connection_tokens() -> Prefetch:
    return Prefetch(
        "tokens",
        queryset=AccessToken.objects.filter(purpose=AccessToken.Purpose.CONNECTION, is_active=True),
        to_attr="connection_tokens",
    )


def granted_asset_counts(business_ids: list[int], user) -> dict[int, int]:
    """Per business: the distinct assets it holds access to that carry a live grant the staff
    member may see — the ``granted_asset_count`` of ``readiness_annotated`` for many
    businesses in one grouped query (a hash aggregate) instead of one correlated count per
    business."""
    if not business_ids:
        return {}
    live_grants = scope_assets(
        Grant.objects.filter(removed_at__isnull=True).exclude(push_state=PushState.REMOVED),
        user,
        "asset",
    )
    rows = (
        live_grants.filter(asset__accesses__business_id__in=business_ids)
        .order_by()
        .values("asset__accesses__business_id")
        .annotate(n=Count("asset_id", distinct=True))
        .values_list("asset__accesses__business_id", "n")
    )
    return dict(rows)


def readiness_annotated(
    qs: QuerySet[Business], user, *, with_granted_count: bool = True
) -> QuerySet[Business]:
    """Annotate each business with what the readiness checklist needs (one query). Counts go
    through the staff member's scope: the agency's shares and grants reach every client.
    ``with_granted_count=False`` leaves out the granted asset count (see
    ``granted_asset_counts``)."""
    live_grants = scope_assets(
        Grant.objects.filter(removed_at__isnull=True).exclude(push_state=PushState.REMOVED),
        user,
        "asset",
    )
    accesses = scope_assets(AssetAccess.objects.all(), user, "asset")
    return qs.annotate(
        # Meta's app roles carry app-scoped user ids, which never match the business-scoped
        # ids of people: a role linked to a person (by staff) counts, and so does any role on
        # the app when the business has an active person.
        has_developer=Exists(
            AppRole.objects.filter(app_id=OuterRef("app_id"), person__status="active").filter(
                Q(person__business_id=OuterRef("pk"))
                | Q(person__business_id=OuterRef("app__owner_business_id"))
            )
        )
        | (
            Exists(AppRole.objects.filter(app_id=OuterRef("app_id")))
            & Exists(
                BusinessUser.objects.filter(
                    business_id=OuterRef("pk"), status=BusinessUser.Status.ACTIVE
                )
            )
        ),
        has_app_role=Exists(AppRole.objects.filter(app_id=OuterRef("app_id"))),
        has_admin=Exists(
            BusinessUser.objects.filter(
                business_id=OuterRef("pk"),
                status=BusinessUser.Status.ACTIVE,
                role=BusinessUser.Role.ADMIN,
            )
        ),
        asset_count=_count(
            accesses.filter(
                business_id=OuterRef("pk"),
                removed_at__isnull=True,
                access_status=AssetAccess.AccessStatus.CONFIRMED,
            )
        ),
        granted_asset_count=_count(
            live_grants.filter(asset__accesses__business_id=OuterRef("pk")),
            "asset_id",
            distinct=True,
        )
        if with_granted_count
        else Value(0, output_field=IntegerField()),
        app_served_by_partner=Exists(
            Business.objects.filter(
                pk=OuterRef("app__owner_business_id"),
                client_relationships__client_id=OuterRef("pk"),
                client_relationships__status="active",
            )
        ),
    )


def home_rows(user, *, offset: int = 0, limit: int | None = None) -> list[HomeRow]:
    """Every business the staff member sees (or one page of them: ``offset``/``limit``), with
    what the morning check needs.

    Queries: the annotated businesses (1), their granted asset counts (1), their latest sync
    runs (1), connection tokens (1), system users (1) — five, whatever the number of clients."""
    since = timezone.now() - timedelta(days=1)
    latest_run = SyncRun.objects.filter(business_id=OuterRef("pk")).order_by("-created_at")
    qs = (
        readiness_annotated(visible_businesses(user), user, with_granted_count=False)
        .select_related("app", "app__owner_business")
        .annotate(
            latest_run_id=Subquery(latest_run.values("pk")[:1]),
            drift_count=_count(
                scope_drift_events(DriftEvent.objects.all(), user).filter(
                    business_id=OuterRef("pk"), detected_at__gte=since
                )
            ),
            failed_grants=_count(
                scope_assets(
                    Grant.objects.filter(push_state=PushState.FAILED), user, "asset"
                ).filter(Q(business_id=OuterRef("pk")) | Q(asset__owner_business_id=OuterRef("pk")))
            ),
        )
        .prefetch_related(
            _connection_tokens(),
            Prefetch("system_users", queryset=SystemUser.objects.order_by("role", "name")),
        )
        .order_by("-is_agency", "name")
    )
    businesses = list(qs[offset : offset + limit] if limit is not None else qs)
    # The correlated COUNT(DISTINCT) per business was most of the page at 100k assets
    # (issue 12): one grouped query instead, replacing the annotation's value.
    granted = granted_asset_counts([b.pk for b in businesses], user)
    for b in businesses:
        b.granted_asset_count = granted.get(b.pk, 0)
    run_ids = [b.latest_run_id for b in businesses if b.latest_run_id]
    runs = SyncRun.objects.in_bulk(run_ids) if run_ids else {}
    return [
        HomeRow(
            business=b,
            run=runs.get(b.latest_run_id),
            token=(b.connection_tokens[0] if b.connection_tokens else None),
            meter=meter_from_rows(b, list(b.system_users.all())),
            readiness=readiness_items(b, b.connection_tokens[0] if b.connection_tokens else None),
        )
        for b in businesses
    ]


@dataclass
class TokenHealth:
    state: str  # ok / warn / bad / none
    text: str


def token_health(token: AccessToken | None) -> TokenHealth:
    if token is None:
        return TokenHealth("none", "no token: connect it")
    if not token.is_valid:
        return TokenHealth("bad", f"invalid {token.masked}: {token.invalid_reason or 'reconnect'}")
    if token.expires_at is None:
        return TokenHealth("ok", f"valid {token.masked}, never expires")
    if token.expires_at <= timezone.now():
        return TokenHealth("bad", f"expired {token.masked}: connect a new one")
    days = token.days_left
    state = "warn" if token.expires_within() else "ok"
    return TokenHealth(
        state, f"valid {token.masked}, expires in {days} day{'s' if days != 1 else ''}"
    )


@dataclass
class HomeRow:
    business: Business
    run: SyncRun | None
    token: AccessToken | None
    meter: CapMeter
    readiness: list[ReadinessItem]

    @property
    def health(self) -> TokenHealth:
        return token_health(self.token)

    @property
    def ready_count(self) -> int:
        return sum(item.ok for item in self.readiness)

    @property
    def missing(self) -> list[ReadinessItem]:
        return [item for item in self.readiness if not item.ok]

    @property
    def paused(self) -> bool:
        until = self.business.sync_paused_until
        return until is not None and until > timezone.now()


# --- readiness (seed 002's "let's summarize what we need") ----------------------------------


@dataclass
class ReadinessItem:
    key: str
    label: str
    ok: bool
    detail: str = ""
    todo: str = ""


def readiness_items(business: Business, token: AccessToken | None) -> list[ReadinessItem]:
    """The checklist from already-annotated data (``readiness_annotated``): no query here."""
    app = business.app
    verified = business.verification_status == Business.VerificationStatus.VERIFIED
    health = token_health(token)
    app_belongs = (
        app is not None
        and app.owner_business_id is not None
        and (app.owner_business_id == business.pk or business.app_served_by_partner)
    )
    return [
        ReadinessItem(
            "verified",
            "A verified Business Manager",
            verified,
            f"Verification: {business.get_verification_status_display()}.",
            "Start business verification in Meta Business Settings → Security Center; "
            "Full access and sensitive data need it.",
        ),
        ReadinessItem(
            "developer",
            "A person with a developer account and a role in the business",
            bool(business.has_developer),
            "A person with a role on the app is in this business or in the agency serving it."
            if business.has_developer
            else ("No admin person recorded." if not business.has_admin else ""),
            "Give a person of this business (or of the agency) a role on the app "
            "(App Dashboard → App roles), then sync.",
        ),
        ReadinessItem(
            "assets",
            "Assets owned by the business or shared by a partner",
            business.asset_count > 0,
            f"{business.asset_count} asset{'s' if business.asset_count != 1 else ''} confirmed.",
            "Share the ad accounts and Pages with the agency (or run onboarding), then sync.",
        ),
        ReadinessItem(
            "access",
            "A person or system user with access to those assets",
            business.granted_asset_count > 0,
            f"{business.granted_asset_count} grant{'s' if business.granted_asset_count != 1 else ''} on its assets.",
            "Assign people or the system user to the assets (a grant with tasks).",
        ),
        ReadinessItem(
            "app",
            "The app belongs to the business (or its agency) and a person has a role on it",
            bool(app_belongs and business.has_app_role),
            f"App: {app.name} ({app.get_access_level_display()})." if app else "No app set.",
            "Connect the app to the agency's Business Manager (Business Settings → Apps) and "
            "give a person a role on it."
            if app
            else "Pick the developer app for this business in the admin.",
        ),
        ReadinessItem(
            "token",
            "A working access token",
            health.state in ("ok", "warn"),
            f"Token: {health.text}.",
            "Connect the business again with a valid token (onboarding or the admin).",
        ),
    ]


def business_for_readiness(user, business_id: int) -> tuple[Business, AccessToken | None]:
    business = (
        readiness_annotated(visible_businesses(user), user)
        .select_related("app", "app__owner_business")
        .prefetch_related(_connection_tokens())
        .get(pk=business_id)
    )
    token = business.connection_tokens[0] if business.connection_tokens else None
    return business, token


# --- "why can't we see this ad account?" (journey 9) ----------------------------------------


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


def _normalise_asset_id(raw: str) -> str:
    value = (raw or "").strip()
    return value


def access_report(
    *, business: Business, token: AccessToken | None, asset_id: str, user
) -> AccessReport:
    """Follow the chain an API call needs for one asset and name the first broken link:
    shared with the agency? a system user assigned? the token's scope? the business verified?

    Only assets the staff member sees are looked up: another client's asset reads exactly like
    one the portal has never heard of."""
    asset_id = _normalise_asset_id(asset_id)
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
                queryset=_live_grants(user),
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
    needed = "ads_management" if asset.kind == "ad_account" else "business_management"
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


# --- search ---------------------------------------------------------------------------------

SEARCH_LIMIT = 50


def _live_grants(user) -> QuerySet[Grant]:
    """Live grants on the assets the staff member sees: a person or system user of a business
    they manage (the agency, say) can hold tasks in clients they do not manage."""
    return (
        scope_assets(Grant.objects.exclude(push_state=PushState.REMOVED), user, "asset")
        .select_related("asset", "business", "person", "system_user", "asset_group")
        .order_by("asset__name")
    )


def search(user, q: str, *, page: int = 1) -> dict[str, list]:
    """Assets by id or name, people by name or email, system users by name or id — each with
    who holds what; ``SEARCH_LIMIT`` of each per page (``more`` says whether a next page has
    any). Five queries whatever the number of hits."""
    q = (q or "").strip()
    if not q:
        return {"assets": [], "people": [], "system_users": []}
    start = (max(page, 1) - 1) * SEARCH_LIMIT
    end = start + SEARCH_LIMIT + 1  # one more than shown: is there a next page?
    ids = [q] + ([f"act_{q}"] if q.isdigit() else [])
    assets = list(
        scope_assets(Asset.objects.all(), user)
        .filter(Q(meta_id__in=ids) | Q(name__icontains=q))
        .select_related("owner_business")
        .prefetch_related(Prefetch("grants", queryset=_live_grants(user), to_attr="live"))
        .order_by("kind", "name")[start:end]
    )
    people = list(
        scoping.scope(BusinessUser.objects.all(), user, "business")
        .filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(meta_id=q))
        .select_related("business")
        .prefetch_related(Prefetch("grants", queryset=_live_grants(user), to_attr="live"))
        .order_by("name")[start:end]
    )
    system_users = list(
        scoping.scope(SystemUser.objects.all(), user, "business")
        .filter(Q(name__icontains=q) | Q(meta_id=q))
        .select_related("business")
        .prefetch_related(Prefetch("grants", queryset=_live_grants(user), to_attr="live"))
        .order_by("name")[start:end]
    )
    more = any(len(rows) > SEARCH_LIMIT for rows in (assets, people, system_users))
    return {
        "assets": assets[:SEARCH_LIMIT],
        "people": people[:SEARCH_LIMIT],
        "system_users": system_users[:SEARCH_LIMIT],
        "more": more,
    }


# --- reports ----------------------------------------------------------------------------------


def access_report_grants(user, business: Business | None) -> QuerySet[Grant]:
    """Who holds what: live grants on the assets the staff member sees (of one client, or all)."""
    qs = scope_assets(
        Grant.objects.exclude(push_state=PushState.REMOVED), user, "asset"
    ).select_related("asset", "person", "system_user")
    if business is not None:
        qs = qs.filter(Q(asset__owner_business=business) | Q(business=business))
    return qs.order_by("asset__kind", "asset__name", "asset_id", "pk")
