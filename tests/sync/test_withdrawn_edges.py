"""A sync survives an edge Meta withdraws (issue 8, item 5): the combined first-page read is
asked again without the refused listing, everything else is read exactly, the refused listing's
rows are kept, and the run ends "succeeded with warnings"."""

from __future__ import annotations

from assets.models import AssetAccess
from sync.models import SyncRun
from sync.run import business_sync

from . import truth
from .conftest import sync_all

WARNING = "not read: Meta no longer serves `owned_pixels` under v25.0"


def owned_pixel_rows(business) -> set[tuple[str, object]]:
    return set(
        AssetAccess.objects.filter(
            business=business,
            asset__kind="pixel",
            access_type=AssetAccess.AccessType.OWNER,
        ).values_list("asset__meta_id", "removed_at")
    )


def without_owned_pixels(
    picture: dict, business_id: str, pixel_ids: set[str], accounts: set[str]
) -> dict:
    """The business's picture minus what only the withdrawn listing tells (its own pixels and
    the grants read on them); custom conversions of its own ad accounts."""
    out = dict(picture)
    out["custom_conversions"] = {row for row in picture["custom_conversions"] if row[1] in accounts}
    out["accesses"] = {
        row for row in picture["accesses"] if not (row[0] == business_id and row[2] in pixel_ids)
    }
    out["grants"] = {
        row for row in picture["grants"] if not (row[0] == business_id and row[1] in pixel_ids)
    }
    return out


def withdraw_owned_pixels_and_change_meta(sb, business_id: str) -> tuple[str, str]:
    """Meta withdraws owned_pixels; meanwhile one pixel is deleted and an ad account added."""
    world = sb.world
    gone = world.owned_assets(business_id, "pixel")[0].id
    with world.lock:
        del world.assets[gone]
    added = world.add_asset("ad_account", business_id, "Acme - Added While Withdrawn").id
    world.withdraw_edge("business", "owned_pixels")
    return gone, added


def test_a_listing_meta_withdraws_between_two_syncs_ends_succeeded_with_warnings(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    withdraw_owned_pixels_and_change_meta(sb, cast.acme.meta_id)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED_WITH_WARNINGS, run.error
    assert run.warning_lines == [WARNING]
    assert run.error == ""
    cast.acme.refresh_from_db()
    assert cast.acme.last_synced_at is not None


def test_every_row_of_the_withdrawn_listing_is_kept_and_every_other_listing_is_exact(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    kept = owned_pixel_rows(cast.acme)
    pixel_ids = {meta_id for meta_id, _ in kept}
    gone, added = withdraw_owned_pixels_and_change_meta(sb, cast.acme.meta_id)

    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    # Nothing swept: even the pixel deleted in Meta keeps its live row.
    assert owned_pixel_rows(cast.acme) == kept
    assert (gone, None) in kept
    accounts = {a.id for a in sb.world.owned_assets(cast.acme.meta_id, "ad_account")}
    portal = truth.portal([cast.acme])
    meta = truth.meta(sb.world, [cast.acme])
    portal = without_owned_pixels(portal, cast.acme.meta_id, pixel_ids, accounts)
    meta = without_owned_pixels(meta, cast.acme.meta_id, pixel_ids, accounts)
    assert truth.differences(portal, meta) == {}
    assert any(row[2] == added for row in portal["accesses"])


def test_the_combined_read_is_asked_again_without_the_listing_and_the_listing_never_alone(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    withdraw_owned_pixels_and_change_meta(sb, cast.acme.meta_id)
    sb.requests.clear()

    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    combined = [
        r
        for r in sb.requests.matching("GET", cast.acme.meta_id)
        if r["path"].rstrip("/").endswith(cast.acme.meta_id) and "owned_pages" in str(r["params"])
    ]
    assert len(combined) == 2
    assert "owned_pixels" in str(combined[0]["params"])
    assert "owned_pixels" not in str(combined[1]["params"])
    assert sb.requests.matching("GET", "/owned_pixels") == []


def test_a_refused_business_node_still_fails_the_run(cast, sb, no_sleep):
    sb.world.withdraw_edge("business", "owned_pixels")
    with sb.world.lock:
        business = sb.world.businesses.pop(cast.acme.meta_id)
    try:
        run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    finally:
        with sb.world.lock:
            sb.world.businesses[business.id] = business

    assert run.status == SyncRun.Status.FAILED
    assert run.error


def test_a_field_meta_withdraws_leaves_out_only_the_listings_that_ask_for_it(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    kept = owned_pixel_rows(cast.acme)
    sb.world.withdraw_edge("pixel", "last_fired_time")  # a field of AdsPixel

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED_WITH_WARNINGS, run.error
    assert run.warning_lines == [
        "not read: Meta no longer serves `owned_pixels` under v25.0",
        "not read: Meta no longer serves `client_pixels` under v25.0",
    ]
    assert owned_pixel_rows(cast.acme) == kept


def catalog_shares(owner) -> set[tuple[int, int, tuple[str, ...]]]:
    rows = AssetAccess.objects.filter(
        asset__kind="catalog", asset__owner_business=owner, removed_at__isnull=True
    ).values_list("pk", "business_id", "permitted_tasks")
    return {(pk, business, tuple(tasks)) for pk, business, tasks in rows}


def test_a_per_asset_edge_meta_withdraws_keeps_what_it_told_before(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    shares = catalog_shares(cast.acme)
    sb.world.withdraw_edge("catalog", "agencies")

    # A full re-read asks every catalog for `agencies` (an incremental one only those due).
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)

    assert run.status == SyncRun.Status.SUCCEEDED_WITH_WARNINGS, run.error
    assert run.warning_lines == ["not read: Meta no longer serves `agencies` under v25.0"]
    assert len(shares) > 1
    assert catalog_shares(cast.acme) == shares
