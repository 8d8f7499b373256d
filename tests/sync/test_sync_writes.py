"""Bulk writes (issue 12): a sync's database queries barely grow with the business's size."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.developer_apps import developer_app_register
from sandbox.faults import FaultPlan
from sandbox.scenarios import generated
from sandbox.server import SandboxServer
from sync.models import SyncRun
from sync.run import business_sync
from sync.writes import in_chunks, write_slices

from .conftest import sync_all


def _first_sync_queries(assets: int, seed: int, settings) -> tuple[int, SyncRun]:
    """Queries of a first sync of the first client of a generated world of ``assets``."""
    world = generated(assets=assets, people=max(20, assets // 40), clients=3, seed=seed)
    world.usage.configure(business_quota=10**9, app_quota=10**9)
    with SandboxServer(world=world, faults=FaultPlan()) as server:
        settings.META_GRAPH_URL = server.base_url
        creds = world.credentials
        app, _ = developer_app_register(
            app_meta_id=creds["app_id"],
            name=f"App {seed}",
            access_level="standard",
            secret=creds["app_secret"],
            actor=Actor.command("test"),
        )
        client = creds["clients"][0]
        business = business_connect(
            business_meta_id=client["business_id"],
            app=app,
            token=client["admin_user_token"],
            actor=Actor.command("test"),
        )
        with CaptureQueriesContext(connection) as queries:
            run = business_sync(business_id=business.pk, sleep=lambda _: None)
    return len(queries), run


def test_ten_times_the_assets_costs_less_than_twice_the_database_queries(db, settings):
    small, small_run = _first_sync_queries(300, seed=11, settings=settings)
    large, large_run = _first_sync_queries(3000, seed=12, settings=settings)

    assert small_run.status == large_run.status == SyncRun.Status.SUCCEEDED
    assert large_run.created_count > 8 * small_run.created_count
    assert large <= 2 * small, (small, large)


def test_grants_changed_in_meta_on_many_assets_are_written_in_the_same_queries_as_on_one(
    cast, sb, no_sleep
):
    sync_all(cast, no_sleep)
    world = sb.world
    acme = cast.acme.meta_id
    member = next(u.id for u in world.users_of(acme))
    accounts = world.owned_assets(acme, "ad_account")
    assert len(accounts) >= 4

    world.assign(accounts[0].id, member, ["ANALYZE"])
    with CaptureQueriesContext(connection) as one:
        first = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)
    for account in accounts[1:]:
        world.assign(account.id, member, ["ANALYZE"])
    with CaptureQueriesContext(connection) as many:
        second = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)

    assert first.updated_count + first.created_count >= 1
    assert second.updated_count + second.created_count >= len(accounts) - 1
    assert len(many) == len(one)


def test_large_in_lists_are_sent_in_chunks():
    assert [len(c) for c in in_chunks(range(12_001), size=5000)] == [5000, 5000, 2001]


def test_listing_pages_are_written_in_slices_of_several_pages():
    pages = [[1] * 500 for _ in range(11)]

    assert [len(s) for s in write_slices(pages, size=2000)] == [2000, 2000, 1500]
