"""Template tags so kernel pages show live accounts without their views knowing this app."""

from __future__ import annotations

from django import template

from liveaccounts.selectors import live_accounts_left_unmanaged, live_asset_ids, live_summary

register = template.Library()


@register.simple_tag
def live_summaries(rows) -> dict:
    """One query for every row of the home page (its query count must not grow per client)."""
    return live_summary([row.business.pk for row in rows])


@register.filter
def live_for(summaries: dict, business):
    return summaries.get(business.pk)


@register.simple_tag
def live_ids(preview) -> set[int]:
    return live_asset_ids(g.asset_id for item in preview for g in item.grants)


@register.inclusion_tag("liveaccounts/_offboarding_warning.html")
def offboarding_live_warning(preview):
    grants = [g for item in preview for g in item.grants]
    return {"accounts": live_accounts_left_unmanaged(grants, [i.person.pk for i in preview])}
