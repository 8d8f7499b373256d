"""Which accounts are live: the sandbox's ads and insights edges, the batched read with the
client's token within the quota, and where staff see it (home, security review, offboarding)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assets.models import Asset, AssetKind
from businesses.graph_access import business_client
from businesses.models import BusinessUser, GraphCall
from graph import GraphError
from graph.insights import read_account_activity
from liveaccounts.models import AccountActivity
from liveaccounts.refresh import account_activity_refresh
from security.review import security_review
from sync.run import business_sync
from tests.factories import GrantFactory, PersonFactory, StaffFactory


@pytest.fixture
def acme(cast, no_sleep):
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    return cast.acme


def _accounts(business):
    return list(
        Asset.objects.filter(owner_business=business, kind=AssetKind.AD_ACCOUNT).order_by("name")
    )


def _live_account(business):
    return Asset.objects.get(owner_business=business, name__endswith="US Prospecting")


def test_the_sandbox_reports_active_ads_and_seven_day_spend_of_a_live_account(acme):
    live = _live_account(acme)
    paused = next(a for a in _accounts(acme) if a.pk != live.pk)

    with business_client(acme) as (client, _ledger):
        readings = read_account_activity(client, [live.meta_id, paused.meta_id])

    assert readings[live.meta_id].active_ads == 3
    assert readings[live.meta_id].spend_7d == Decimal("1843.27")
    assert readings[live.meta_id].currency == "USD" and readings[live.meta_id].is_live
    assert readings[paused.meta_id].active_ads == 0 and not readings[paused.meta_id].is_live


def test_the_sandbox_refuses_an_effective_status_meta_does_not_have(acme):
    account = _live_account(acme)
    with business_client(acme) as (client, _ledger), pytest.raises(GraphError) as exc:
        client.get(f"/{account.meta_id}/ads", {"effective_status": '["RUNNING"]'})
    assert exc.value.code == 100


def test_a_refresh_records_each_account_in_batches(acme, settings):
    settings.LIVE_ACCOUNTS_BATCH = 2
    accounts = _accounts(acme)
    before = GraphCall.objects.count()

    result = account_activity_refresh(business=acme)

    assert (result.read, result.failed, result.stopped_for_quota) == (len(accounts), 0, False)
    live = AccountActivity.objects.filter(is_live=True).values_list("asset__name", flat=True)
    assert list(live) == [_live_account(acme).name]
    # Two calls per account (ads, insights), each recorded in the ledger.
    calls = GraphCall.objects.order_by("pk")[before:]
    assert len(calls) == 2 * len(accounts)
    assert {c.path.rsplit("/", 1)[-1] for c in calls} == {"ads", "insights"}


def test_a_refresh_stops_once_usage_reaches_the_budget(acme, settings, sb):
    settings.LIVE_ACCOUNTS_BATCH = 1
    settings.LIVE_ACCOUNTS_MAX_USAGE_PCT = 75
    sb.world.usage.override(acme.meta_id, call_count=80)

    result = account_activity_refresh(business=acme)

    assert result.stopped_for_quota and result.read == 1
    assert result.skipped == len(_accounts(acme)) - 1


def test_a_refresh_makes_no_call_when_the_last_reading_is_over_the_budget(acme, settings, sb):
    settings.LIVE_ACCOUNTS_MAX_USAGE_PCT = 75
    settings.META_USAGE_SLOWDOWN_PCT = 101  # no pacing: the reading is high on purpose
    sb.world.usage.override(acme.meta_id, call_count=80)
    business_sync(business_id=acme.pk)  # Meta says 80 % on every answer
    before = GraphCall.objects.count()

    result = account_activity_refresh(business=acme)

    assert result.stopped_for_quota and result.read == 0
    assert result.skipped == len(_accounts(acme))
    assert GraphCall.objects.count() == before


def test_a_throttled_client_is_not_read(acme):
    from datetime import timedelta

    from django.utils import timezone

    acme.sync_paused_until = timezone.now() + timedelta(minutes=30)
    acme.save()

    result = account_activity_refresh(business=acme)

    assert result.read == 0 and result.skipped == len(_accounts(acme))
    assert not AccountActivity.objects.exists()


def test_home_shows_how_many_accounts_are_live(acme, client):
    account_activity_refresh(business=acme)
    staff = StaffFactory(username="lia", group="Account manager", businesses=[acme])
    client.force_login(staff)

    page = client.get(reverse("portal:home")).content.decode()

    assert "1 live" in page and f"of {len(_accounts(acme))} ad accounts" in page


def test_offboarding_warns_before_removing_the_last_manager_of_a_live_account(acme, client):
    account_activity_refresh(business=acme)
    live = _live_account(acme)
    for grant in live.grants.all():
        grant.delete()
    person = PersonFactory(
        business=acme, email="last@acme.example", role=BusinessUser.Role.EMPLOYEE
    )
    GrantFactory(
        asset=live, person=person, business=acme, tasks=["MANAGE"], applied_tasks=["MANAGE"]
    )
    staff = StaffFactory(username="lia", group="Account manager", businesses=[acme])
    client.force_login(staff)

    page = client.get(reverse("portal:offboarding") + "?email=last@acme.example").content.decode()

    assert 'id="live-warning"' in page and live.name in page
    assert "live spend" in page


def test_offboarding_does_not_warn_when_someone_else_still_manages_it(acme, client):
    account_activity_refresh(business=acme)
    live = _live_account(acme)
    person = PersonFactory(business=acme, email="one@acme.example")
    GrantFactory(
        asset=live, person=person, business=acme, tasks=["MANAGE"], applied_tasks=["MANAGE"]
    )
    GrantFactory(asset=live, business=acme, tasks=["MANAGE"], applied_tasks=["MANAGE"])
    staff = StaffFactory(username="lia", group="Account manager", businesses=[acme])
    client.force_login(staff)

    page = client.get(reverse("portal:offboarding") + "?email=one@acme.example").content.decode()

    assert 'id="live-warning"' not in page


def test_the_security_review_flags_findings_on_live_accounts(acme):
    account_activity_refresh(business=acme)
    live = _live_account(acme)
    GrantFactory(asset=live, business=acme, tasks=["MANAGE"], applied_tasks=["MANAGE"])

    findings = [f for f in security_review(None, business=acme).findings if live.pk in f.asset_ids]

    assert findings and all(f.live for f in findings)


def test_the_command_reads_every_connected_client(acme):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_live_accounts", acme.meta_id, stdout=out)

    assert f"{acme.name}: {len(_accounts(acme))} read, 0 failed" in out.getvalue()
    assert AccountActivity.objects.filter(is_live=True).count() == 1
