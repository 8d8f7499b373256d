"""Which rows a staff member may see: only those of the businesses they are assigned to.

Superusers see everything. Every admin surface and staff page filters through here, so a
row outside a member's businesses is simply not found (404), never "forbidden"."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from businesses.models import Business


def _sees_everything(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


def assigned_business_ids(user) -> QuerySet:
    return Business.objects.filter(staff_assignments__user=user).values("id")


def business_filter(user, path: str) -> Q:
    """A Q restricting rows whose business is reached through ``path`` (``""`` = the row is a
    Business) to the user's assigned businesses."""
    if _sees_everything(user):
        return Q()
    if not (user and user.is_active and user.is_staff):
        return Q(pk__in=[])
    lookup = f"{path}__in" if path else "pk__in"
    return Q(**{lookup: assigned_business_ids(user)})


def asset_filter(user, path: str = "") -> Q:
    """Assets are visible through their owner, or — when the owner is outside the portal —
    through a business of the user's that has access to them."""
    if _sees_everything(user):
        return Q()
    prefix = f"{path}__" if path else ""
    ids = assigned_business_ids(user)
    return Q(**{f"{prefix}owner_business__in": ids}) | Q(
        **{f"{prefix}owner_business__isnull": True, f"{prefix}accesses__business__in": ids}
    )


def scope(queryset: QuerySet, user, path: str) -> QuerySet:
    return queryset.filter(business_filter(user, path))


def scope_assets(queryset: QuerySet, user, path: str = "") -> QuerySet:
    if _sees_everything(user):
        return queryset
    # The access join can repeat an asset; restrict by id to keep one row each.
    from assets.models import Asset

    visible = Asset.objects.filter(asset_filter(user)).values("id")
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: visible})


def can_see_business(user, business: Business) -> bool:
    return scope(Business.objects.filter(pk=business.pk), user, "").exists()


def scope_audit_events(queryset: QuerySet, user) -> QuerySet:
    """Audit rows of the staff member's businesses, less those about a grant, asset or share
    they cannot see: the agency's rows record its people's grants in every client."""
    queryset = scope(queryset, user, "business")
    if _sees_everything(user):
        return queryset
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from assets.models import Asset, AssetAccess, Grant

    for model, path in ((Grant, "asset"), (AssetAccess, "asset"), (Asset, "")):
        hidden = model.objects.exclude(pk__in=scope_assets(model.objects.all(), user, path))
        queryset = queryset.exclude(
            target_type=model._meta.label_lower,
            target_id__in=hidden.annotate(ref=Cast("pk", CharField())).values("ref"),
        )
    return queryset


def scope_drift_events(queryset: QuerySet, user) -> QuerySet:
    """Drift of the staff member's businesses, less what the agency's sync noted about an asset
    of a client they do not manage (the asset's Meta id is in ``details["asset"]``)."""
    queryset = scope(queryset, user, "business")
    if _sees_everything(user):
        return queryset
    from django.db.models.fields.json import KeyTextTransform

    from assets.models import Asset

    hidden = Asset.objects.exclude(pk__in=scope_assets(Asset.objects.all(), user)).values("meta_id")
    return queryset.alias(drift_asset=KeyTextTransform("asset", "details")).exclude(
        Q(drift_asset__isnull=False) & Q(drift_asset__in=hidden)
    )


def scope_apps(queryset: QuerySet, user) -> QuerySet:
    """The agency's apps (and apps not tied to a business yet) for every staff member; an app a
    client owns only for those who manage that client."""
    return queryset.filter(
        Q(owner_business__isnull=True)
        | Q(owner_business__is_agency=True)
        | business_filter(user, "owner_business")
    )
