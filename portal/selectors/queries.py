"""Query pieces the portal's selectors share."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, IntegerField, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from businesses.models import AccessToken


def count_subquery(qs: QuerySet[Any], field: str = "pk", *, distinct: bool = False) -> Coalesce:
    """A correlated COUNT subquery: several counts on one row without join blow-up."""
    template = (
        "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    )
    counted = qs.order_by().annotate(
        n=Func(F(field), function="COUNT", template=template, output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def connection_tokens() -> Prefetch[Any]:
    """Only a business's active connection tokens, prefetched as its ``tokens`` (read them
    with ``readiness.connection_token``)."""
    return Prefetch(
        "tokens",
        queryset=AccessToken.objects.filter(purpose=AccessToken.Purpose.CONNECTION, is_active=True),
    )
