"""The home page's morning check and the readiness checklist, ticked from real rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import PushState
from businesses.actors import Actor
from businesses.models import AccessToken, AppRole, Business, PartnerRelationship
from businesses.services import token_store
from portal.selectors.readiness import business_for_readiness, readiness_items
from sync.models import DriftEvent, SyncRun
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)


def _client_with_everything(agency, app, n):
    business = BusinessFactory(name=f"Client {n}", app=app)
    asset = AssetFactory(owner_business=business)
    GrantFactory(asset=asset, push_state=PushState.FAILED)
    SystemUserFactory(business=business, slot=1)
    SyncRun.objects.create(
        business=business, status=SyncRun.Status.RUNNING, progress_done=3, progress_total=4
    )
    DriftEvent.objects.create(business=business, kind="person_added", summary="Someone joined")
    token_store(
        token=f"EAAB{'z' * 30}{n:06d}",
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        expires_at=timezone.now() + timedelta(days=5),
        actor=Actor.system(),
    )
    PartnerRelationship.objects.create(agency=agency, client=business, status="active")
    return business


def test_home_costs_the_same_queries_for_two_clients_or_twelve(
    client, cast, django_assert_max_num_queries
):
    admin = StaffFactory(username="root", is_superuser=True)
    client.force_login(admin)
    for n in range(2):
        _client_with_everything(cast.agency, cast.agency.app, n)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("portal:home"))
    for n in range(2, 12):
        _client_with_everything(cast.agency, cast.agency.app, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:home")).content.decode()
    assert "Client 11" in page


def test_home_shows_progress_expiry_drift_and_failed_grants(client, cast):
    business = _client_with_everything(cast.agency, cast.agency.app, 1)
    alice = StaffFactory(username="alice2", group="Account manager", businesses=[business])
    client.force_login(alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert "75%" in page  # 3 of 4
    assert "expires in 4 days" in page or "expires in 5 days" in page
    assert "1 change outside the portal" in page
    assert "1 failed grant" in page
    assert "system users 1 of 1, admin 0 of 1 — Limited (formerly Standard) access" in page


def test_home_shows_a_paused_sync_and_until_when(client, cast):
    cast.client_a.sync_paused_until = timezone.now() + timedelta(hours=2)
    cast.client_a.save()
    client.force_login(cast.alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert "paused" in page
    assert "Meta throttled it" in page


def test_home_shows_a_failed_sync_and_when_it_is_tried_again(client, cast):
    retry_at = timezone.now().replace(hour=14, minute=5) + timedelta(days=1)
    SyncRun.objects.create(
        business=cast.client_a, status=SyncRun.Status.FAILED, error="Meta unreachable."
    )
    Business.objects.filter(pk=cast.client_a.pk).update(
        sync_retry_at=retry_at, sync_failures_in_a_row=1
    )
    client.force_login(cast.alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert "failed" in page
    assert "next try at 14:05 UTC" in page


def _items(user, business):
    b, token = business_for_readiness(user, business.pk)
    return {item.key: item for item in readiness_items(b, token)}


def test_a_bare_client_ticks_nothing_and_says_what_to_do(cast):
    items = _items(cast.alice, cast.client_a)
    assert not any(item.ok for item in items.values())
    assert "Security Center" in items["verified"].todo
    assert "connect" in items["token"].detail.lower()


def test_each_readiness_item_ticks_from_real_data(cast):
    business = cast.client_a
    business.verification_status = Business.VerificationStatus.VERIFIED
    business.save()
    dev = PersonFactory(business=cast.agency, role="ADMIN")
    AppRole.objects.create(
        app=cast.agency.app, person=dev, user_meta_id=dev.meta_id, role="developers"
    )
    PartnerRelationship.objects.create(agency=cast.agency, client=business, status="active")
    asset = AssetFactory(owner_business=business)
    GrantFactory(asset=asset)
    token_store(
        token="EAAB" + "q" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        actor=Actor.system(),
    )
    items = _items(cast.alice, business)
    assert all(item.ok for item in items.values()), {k: i.ok for k, i in items.items()}


def test_an_expired_token_unticks_the_token_item(cast):
    token_store(
        token="EAAB" + "e" * 40,
        kind=AccessToken.Kind.USER,
        business=cast.client_a,
        expires_at=timezone.now() - timedelta(days=1),
        actor=Actor.system(),
    )
    items = _items(cast.alice, cast.client_a)
    assert not items["token"].ok
    assert "expired" in items["token"].detail


def test_access_report_names_the_missing_link(client, cast):
    client.force_login(cast.alice)
    url = reverse("portal:readiness", args=[cast.client_a.pk])
    page = client.get(url, {"asset_id": "act_424242"}).content.decode()
    assert "Never shared (or not synced yet)" in page
    asset = AssetFactory(owner_business=cast.client_a)
    page = client.get(url, {"asset_id": asset.meta_id}).content.decode()
    assert "Missing link: System user never assigned" in page
    su = SystemUserFactory(business=cast.client_a)
    GrantFactory(asset=asset, person=None, system_user=su, business=cast.client_a)
    token_store(
        token="EAAB" + "s" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=cast.client_a,
        scopes=["ads_read"],
        actor=Actor.system(),
    )
    page = client.get(url, {"asset_id": asset.meta_id}).content.decode()
    assert "Missing link: Token lacks a scope" in page
    AccessToken.objects.filter(business=cast.client_a).update(scopes=["ads_management"])
    page = client.get(url, {"asset_id": asset.meta_id}).content.decode()
    assert "Missing link: Business unverified" in page


def test_access_report_refuses_a_malformed_id(client, cast):
    client.force_login(cast.alice)
    url = reverse("portal:readiness", args=[cast.client_a.pk])
    page = client.get(url, {"asset_id": "act_x"}).content.decode()
    assert "Asset id: digits, or &#x27;act_&#x27; and digits for an ad account." in page


@pytest.mark.parametrize("name", ["portal:home", "portal:search"])
def test_bob_does_not_see_alices_client_anywhere(client, stocked, name):
    client.force_login(stocked.bob)
    page = client.get(reverse(name), {"q": "Acme"}).content.decode()
    assert "Acme Outdoor" not in page


WITHDRAWN = "not read: Meta no longer serves `owned_pixels` under v25.0"


def test_home_shows_a_sync_that_succeeded_with_warnings_and_what_was_not_read(client, cast):
    SyncRun.objects.create(
        business=cast.client_a,
        status=SyncRun.Status.SUCCEEDED_WITH_WARNINGS,
        finished_at=timezone.now(),
        warnings=WITHDRAWN,
    )
    client.force_login(cast.alice)

    page = client.get(reverse("portal:home")).content.decode()

    assert "succeeded with warnings" in page
    assert WITHDRAWN in page


def test_the_sync_run_admin_shows_its_warnings(admin_client, cast):
    run = SyncRun.objects.create(
        business=cast.client_a, status=SyncRun.Status.SUCCEEDED_WITH_WARNINGS, warnings=WITHDRAWN
    )

    page = admin_client.get(reverse("admin:sync_syncrun_change", args=[run.pk]))

    assert page.status_code == 200
    assert WITHDRAWN in page.content.decode()
    listed = admin_client.get(reverse("admin:sync_syncrun_changelist"), {"q": "owned_pixels"})
    assert "Succeeded with warnings" in listed.content.decode()


def test_the_asset_admin_shows_an_offline_event_set_as_legacy_and_where_offline_events_went(
    admin_client, cast
):
    legacy = AssetFactory(owner_business=cast.client_a, kind="offline_event_set")

    page = admin_client.get(reverse("admin:assets_asset_change", args=[legacy.pk])).content
    html = page.decode()

    assert "Offline event set (legacy)" in html
    assert "datasets (pixels) through the Conversions API" in html
