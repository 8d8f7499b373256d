"""The readiness checklist (seed 002's "let's summarize what we need") and the counts behind it,
for the readiness page and the home page's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from assets.models import AssetAccess, Grant
from assets.scoping import scope_assets
from assets.selectors import live_grants
from businesses.models import AccessToken, AppRole, Business, BusinessUser, PartnerRelationship
from businesses.selectors import visible_businesses
from portal.selectors.queries import connection_tokens, count_subquery

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReadinessCounts(TypedDict):
    """What ``readiness_annotated`` adds to each business."""

    has_developer: bool
    has_app_role: bool
    has_admin: bool
    asset_count: int
    granted_asset_count: int
    app_served_by_partner: bool


if TYPE_CHECKING:
    ReadyBusiness = WithAnnotations[Business, ReadinessCounts]


def _granted_grants(user: Any) -> QuerySet[Grant]:
    """Live grants Meta still reports, on the assets the staff member sees."""
    return scope_assets(live_grants().filter(removed_at__isnull=True), user, "asset")


def granted_asset_counts(business_ids: list[int], user: Any) -> dict[int, int]:
    """Per business: the distinct assets it holds access to that carry a live grant the staff
    member may see — the ``granted_asset_count`` of ``readiness_annotated`` for many
    businesses in one grouped query (a hash aggregate) instead of one correlated count per
    business."""
    if not business_ids:
        return {}
    rows = (
        _granted_grants(user)
        .filter(asset__accesses__business_id__in=business_ids)
        .order_by()
        .values("asset__accesses__business_id")
        .annotate(n=Count("asset_id", distinct=True))
        .values_list("asset__accesses__business_id", "n")
    )
    return dict(rows)


def readiness_annotated(
    qs: QuerySet[Business], user: Any, *, with_granted_count: bool = True
) -> QuerySet[ReadyBusiness]:
    """Annotate each business with what the readiness checklist needs (one query). Counts go
    through the staff member's scope: the agency's shares and grants reach every client.
    ``with_granted_count=False`` leaves out the granted asset count (see
    ``granted_asset_counts``)."""
    accesses = scope_assets(AssetAccess.objects.all(), user, "asset")
    return qs.annotate(
        # Meta's app roles carry app-scoped user ids, which never match the business-scoped
        # ids of people: a role linked to a person (by staff) counts, and so does any role on
        # the app when the business has an active person.
        has_developer=Exists(
            AppRole.objects.filter(
                app_id=OuterRef("app_id"), person__status=BusinessUser.Status.ACTIVE
            ).filter(
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
        asset_count=count_subquery(
            accesses.filter(
                business_id=OuterRef("pk"),
                removed_at__isnull=True,
                access_status=AssetAccess.AccessStatus.CONFIRMED,
            )
        ),
        granted_asset_count=count_subquery(
            _granted_grants(user).filter(asset__accesses__business_id=OuterRef("pk")),
            "asset_id",
            distinct=True,
        )
        if with_granted_count
        else Value(0, output_field=IntegerField()),
        app_served_by_partner=Exists(
            Business.objects.filter(
                pk=OuterRef("app__owner_business_id"),
                client_relationships__client_id=OuterRef("pk"),
                client_relationships__status=PartnerRelationship.Status.ACTIVE,
            )
        ),
    )


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
class ReadinessItem:
    key: str
    label: str
    ok: bool
    detail: str = ""
    todo: str = ""


def readiness_items(business: ReadyBusiness, token: AccessToken | None) -> list[ReadinessItem]:
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


def connection_token(business: Business) -> AccessToken | None:
    """The business's active connection token, from its prefetched tokens
    (``queries.connection_tokens``): no query."""
    return next(
        (
            t
            for t in business.tokens.all()
            if t.purpose == AccessToken.Purpose.CONNECTION and t.is_active
        ),
        None,
    )


def business_for_readiness(user: Any, business_id: int) -> tuple[ReadyBusiness, AccessToken | None]:
    business = (
        readiness_annotated(visible_businesses(user), user)
        .select_related("app", "app__owner_business")
        .prefetch_related(connection_tokens())
        .get(pk=business_id)
    )
    return business, connection_token(business)
