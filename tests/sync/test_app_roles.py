"""The roles people hold on the agency's developer app are read from Meta with the app token."""

from __future__ import annotations

from businesses.models import AppRole
from sync.run import business_sync


def meta_roles(sb, app_id: str) -> set[tuple[str, str]]:
    return set(sb.world.assets[app_id].roles.items())


def portal_roles(app) -> set[tuple[str, str]]:
    return set(AppRole.objects.filter(app=app).values_list("user_meta_id", "role"))


def test_the_agency_sync_keeps_the_app_roles_meta_reports(cast, sb, app, no_sleep):
    run = business_sync(business_id=cast.agency.pk, sleep=no_sleep)
    assert run.status == "succeeded", run.error
    assert portal_roles(app) == meta_roles(sb, app.meta_id)
    assert {role for _, role in portal_roles(app)} >= {"administrators", "developers"}


def test_a_role_removed_in_meta_is_removed_and_a_changed_one_updated(cast, sb, app, no_sleep):
    business_sync(business_id=cast.agency.pk, sleep=no_sleep)
    roles = sb.world.assets[app.meta_id].roles
    removed, changed = sorted(roles)[:2]
    del roles[removed]
    roles[changed] = "testers"
    business_sync(business_id=cast.agency.pk, sleep=no_sleep)
    assert portal_roles(app) == meta_roles(sb, app.meta_id)


def test_the_app_roles_are_read_with_the_app_token_not_the_business_token(cast, sb, app, no_sleep):
    business_sync(business_id=cast.agency.pk, sleep=no_sleep)
    reads = sb.requests.matching("GET", f"/{app.meta_id}/roles")
    assert reads, "the sync read the app's roles"
    assert all("appsecret_proof" not in r["params"] for r in reads)
