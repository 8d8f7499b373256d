"""Ending a partnership in Meta from the agency's side, and what it takes away."""

from __future__ import annotations

from assets.models import AssetAccess
from assets.partnerships import partnership_end
from businesses.actors import Actor
from businesses.models import PartnerRelationship
from sync.run import business_sync
from tests.sync.conftest import sync_all


def test_ending_a_partnership_dissociates_the_client_in_meta_and_drops_its_shared_assets(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    relationship = PartnerRelationship.objects.get(agency=cast.agency, client=cast.acme)
    assert AssetAccess.objects.filter(
        business=cast.agency, asset__owner_business=cast.acme, removed_at__isnull=True
    ).exists()

    partnership_end(relationship=relationship, actor=Actor.system("test"))

    assert (cast.agency.meta_id, cast.acme.meta_id) not in sb.world.partners
    relationship.refresh_from_db()
    assert relationship.status == PartnerRelationship.Status.REMOVED
    assert not AssetAccess.objects.filter(
        business=cast.agency, asset__owner_business=cast.acme, removed_at__isnull=True
    ).exists()


def test_the_next_agency_sync_agrees_with_the_ended_partnership(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    relationship = PartnerRelationship.objects.get(agency=cast.agency, client=cast.acme)
    partnership_end(relationship=relationship, actor=Actor.system("test"))

    run = business_sync(business_id=cast.agency.pk, sleep=no_sleep)

    assert run.status == "succeeded", run.error
    assert not AssetAccess.objects.filter(
        business=cast.agency, asset__owner_business=cast.acme, removed_at__isnull=True
    ).exists()


def test_the_admin_asks_before_ending_a_partnership_and_then_ends_it(
    client, admin_user, cast, sb, no_sleep
):
    from django.urls import reverse

    sync_all(cast, no_sleep)
    relationship = PartnerRelationship.objects.get(agency=cast.agency, client=cast.acme)
    client.force_login(admin_user)
    url = reverse("admin:businesses_partnerrelationship_changelist")
    data = {"action": "end_in_meta", "_selected_action": [relationship.pk]}

    asked = client.post(url, data)
    assert "End these partnerships?" in asked.content.decode()
    relationship.refresh_from_db()
    assert relationship.status != PartnerRelationship.Status.REMOVED

    client.post(url, {**data, "confirmed": "yes"})
    relationship.refresh_from_db()
    assert relationship.status == PartnerRelationship.Status.REMOVED
    assert (cast.agency.meta_id, cast.acme.meta_id) not in sb.world.partners


def test_a_share_withdrawn_in_meta_is_marked_removed_by_the_owners_sync(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    share = (
        AssetAccess.objects.filter(
            business=cast.agency,
            asset__owner_business=cast.acme,
            removed_at__isnull=True,
            asset__kind__in=["ad_account", "page"],
        )
        .select_related("asset")
        .first()
    )
    sb.world.assets[share.asset.meta_id].access.pop(cast.agency.meta_id)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == "succeeded", run.error
    share.refresh_from_db()
    assert share.removed_at is not None
    assert run.removed_count >= 1


def _client_ends_it_in_meta(sb, agency, client) -> None:
    """What the client's admin does in Business Settings: remove the agency as a partner."""
    with sb.world.lock:
        sb.world.partners.pop((agency.meta_id, client.meta_id))


def test_a_partnership_the_client_ended_in_meta_is_marked_removed_by_the_agencys_next_sync(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    _client_ends_it_in_meta(sb, cast.agency, cast.acme)

    run = business_sync(business_id=cast.agency.pk, sleep=no_sleep)

    assert run.status == "succeeded", run.error
    ended = PartnerRelationship.objects.get(agency=cast.agency, client=cast.acme)
    assert ended.status == PartnerRelationship.Status.REMOVED
    still = PartnerRelationship.objects.get(agency=cast.agency, client=cast.blue_harbor)
    assert still.status == PartnerRelationship.Status.ACTIVE


def test_an_on_behalf_of_partnership_missing_from_the_listing_is_left_active(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    PartnerRelationship.objects.filter(agency=cast.agency, client=cast.acme).update(
        origin=PartnerRelationship.Origin.ON_BEHALF_OF
    )
    _client_ends_it_in_meta(sb, cast.agency, cast.acme)

    business_sync(business_id=cast.agency.pk, sleep=no_sleep)

    kept = PartnerRelationship.objects.get(agency=cast.agency, client=cast.acme)
    assert kept.status == PartnerRelationship.Status.ACTIVE
