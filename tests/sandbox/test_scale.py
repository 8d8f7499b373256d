"""The sandbox's indexes (issue 12): a page or a conversion read does not scan the world."""

from __future__ import annotations

import pytest
import requests

from sandbox.scenarios import generated
from sandbox.server import SandboxServer
from sandbox.world import World

from .helpers import Graph


@pytest.fixture(scope="module")
def big_world() -> World:
    world = generated(assets=3000, people=60, clients=3, seed=7)
    world.usage.configure(business_quota=10**9, app_quota=10**9)
    return world


@pytest.fixture(scope="module")
def big(big_world):
    with SandboxServer(world=big_world) as server:
        yield server


@pytest.fixture
def rows_built(monkeypatch) -> list[str]:
    """Ids of the asset rows the sandbox renders (a spy on its row builder)."""
    import sandbox.routes.common as common

    built: list[str] = []
    real = common.asset_row

    def spy(world, asset, viewer_id=None):
        built.append(asset.id)
        return real(world, asset, viewer_id)

    monkeypatch.setattr(common, "asset_row", spy)
    return built


def _agency(world: World) -> tuple[str, str]:
    creds = world.credentials
    return creds["agency_business_id"], creds["admin_system_user_token"]


def test_a_listing_page_renders_only_the_rows_of_that_page(big, big_world, rows_built):
    agency_id, token = _agency(big_world)
    client_accounts = big_world.shared_assets(agency_id, "ad_account")
    assert len(client_accounts) > 300
    graph = Graph(big, token)

    body = graph.get(f"{agency_id}/client_ad_accounts", limit=50).json()
    second = requests.get(body["paging"]["next"], timeout=10).json()

    assert len(body["data"]) == len(second["data"]) == 50
    assert len(rows_built) == 100


def test_paging_an_indexed_listing_reads_every_item_once_in_creation_order(big, big_world):
    agency_id, token = _agency(big_world)
    graph = Graph(big, token)
    seen: list[str] = []
    body = graph.get(f"{agency_id}/client_pages", limit=100).json()
    seen += [row["id"] for row in body["data"]]
    while "next" in body.get("paging", {}):
        body = requests.get(body["paging"]["next"], timeout=10).json()
        seen += [row["id"] for row in body["data"]]

    in_world_order = [
        a.id
        for a in big_world.assets.values()
        if a.kind == "page"
        and agency_id in a.access
        and a.access[agency_id].status == "CONFIRMED"
        and a.access[agency_id].access_type == "AGENCY"
    ]
    assert seen == in_world_order


def test_an_ad_accounts_custom_conversions_are_read_from_its_own_index(big, big_world, rows_built):
    client = big_world.credentials["clients"][0]
    account = big_world.owned_assets(client["business_id"], "ad_account")[0]
    expected = [
        a.id
        for a in big_world.assets.values()
        if a.kind == "custom_conversion" and a.fields.get("ad_account_id") == account.id
    ]
    graph = Graph(big, client["admin_user_token"])

    body = graph.get(f"{account.id}/customconversions", limit=500).json()

    assert [row["id"] for row in body["data"]] == expected
    assert sorted(rows_built) == sorted(expected)


def test_an_older_asset_shared_later_is_listed_in_creation_order():
    world = World(seed=3)
    owner = world.add_business("Owner")
    agency = world.add_business("Agency")
    older = world.add_asset("page", owner.id, "Older page")
    newer = world.add_asset("page", owner.id, "Newer page")
    world.share_asset(newer.id, agency.id, ["ADVERTISE"])

    world.share_asset(older.id, agency.id, ["ADVERTISE"])

    assert [a.id for a in world.shared_assets(agency.id, "page")] == [older.id, newer.id]


def test_an_asset_whose_owner_changes_is_listed_under_its_new_owner_only():
    world = World(seed=4)
    first = world.add_business("First")
    second = world.add_business("Second")
    account = world.add_asset("ad_account", first.id, "Moving account")

    account.owner_id = second.id
    world.index_asset(account)

    assert world.owned_assets(first.id, "ad_account") == []
    assert world.owned_assets(second.id, "ad_account") == [account]


def test_a_revoked_share_and_a_deleted_asset_leave_the_listings():
    world = World(seed=5)
    owner = world.add_business("Owner")
    agency = world.add_business("Agency")
    kept, revoked, deleted = (world.add_asset("page", owner.id, f"Page {i}") for i in range(3))
    for page in (kept, revoked, deleted):
        world.share_asset(page.id, agency.id, ["ADVERTISE"])

    revoked.access.pop(agency.id)
    del world.assets[deleted.id]

    assert world.shared_assets(agency.id, "page") == [kept]
    assert world.owned_assets(owner.id, "page") == [kept, revoked]


def test_a_removed_business_user_no_longer_makes_its_person_a_member():
    world = World(seed=6)
    biz = world.add_business("Biz")
    user = world.add_business_user(biz.id, "Pat Doe", "ADMIN")

    world.business_users.pop(user.id)

    assert world.principal_businesses(user.person_id) == set()
    assert not world.is_admin(user.person_id, biz.id)
