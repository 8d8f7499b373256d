"""Which rows a staff member may see: only those of the businesses they are assigned to.

Superusers see everything. Every admin surface and staff page filters through here, so a
row outside a member's businesses is simply not found (404), never "forbidden". Assets, shares
and grants are scoped by the assets app (``assets/scoping.py``), which builds on this."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from businesses.models import Business


def sees_everything(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


def assigned_business_ids(user) -> QuerySet:
    return Business.objects.filter(staff_assignments__user=user).values("id")


def business_filter(user, path: str) -> Q:
    """A Q restricting rows whose business is reached through ``path`` (``""`` = the row is a
    Business) to the user's assigned businesses."""
    if sees_everything(user):
        return Q()
    if not (user and user.is_active and user.is_staff):
        return Q(pk__in=[])
    lookup = f"{path}__in" if path else "pk__in"
    return Q(**{lookup: assigned_business_ids(user)})


def scope(queryset: QuerySet, user, path: str) -> QuerySet:
    return queryset.filter(business_filter(user, path))


def can_see_business(user, business: Business) -> bool:
    return scope(Business.objects.filter(pk=business.pk), user, "").exists()


def scope_apps(queryset: QuerySet, user) -> QuerySet:
    """The agency's apps (and apps not tied to a business yet) for every staff member; an app a
    client owns only for those who manage that client."""
    return queryset.filter(
        Q(owner_business__isnull=True)
        | Q(owner_business__is_agency=True)
        | business_filter(user, "owner_business")
    )
