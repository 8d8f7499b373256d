"""Which assets, shares, grants and asset-related rows a staff member may see.

An asset is visible through its owner, or — when the owner is outside the portal — through a
business of the staff member's that has access to it. Business scoping itself is the kernel's
(``businesses/scoping.py``); this adds what only the assets app can know."""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from assets.models import Asset, AssetAccess, Grant
from businesses.scoping import assigned_business_ids, scope, sees_everything


def asset_filter(user, path: str = "") -> Q:
    """Assets are visible through their owner, or — when the owner is outside the portal —
    through a business of the user's that has access to them."""
    if sees_everything(user):
        return Q()
    prefix = f"{path}__" if path else ""
    ids = assigned_business_ids(user)
    return Q(**{f"{prefix}owner_business__in": ids}) | Q(
        **{f"{prefix}owner_business__isnull": True, f"{prefix}accesses__business__in": ids}
    )


def scope_assets(queryset: QuerySet, user, path: str = "") -> QuerySet:
    if sees_everything(user):
        return queryset
    # The access join can repeat an asset; restrict by id to keep one row each.
    visible = Asset.objects.filter(asset_filter(user)).values("id")
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: visible})


def scope_audit_events(queryset: QuerySet, user) -> QuerySet:
    """Audit rows of the staff member's businesses, less those about a grant, asset or share
    they cannot see: the agency's rows record its people's grants in every client."""
    queryset = scope(queryset, user, "business")
    if sees_everything(user):
        return queryset
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
    if sees_everything(user):
        return queryset
    hidden = Asset.objects.exclude(pk__in=scope_assets(Asset.objects.all(), user)).values("meta_id")
    return queryset.alias(drift_asset=KeyTextTransform("asset", "details")).exclude(
        Q(drift_asset__isnull=False) & Q(drift_asset__in=hidden)
    )
