"""Many listings in one call: the business node with every edge's first page expanded."""

from __future__ import annotations

import pytest

from graph import GraphClient, GraphConfig
from graph import operations as ops
from sandbox.scenarios import demo
from sandbox.server import SandboxServer


@pytest.fixture
def agency_client():
    with SandboxServer(world=demo()) as sandbox:
        creds = sandbox.credentials
        config = GraphConfig(base_url=sandbox.base_url, version="v25.0", page_size=3)
        with GraphClient(
            config, creds["admin_system_user_token"], app_secret=creds["app_secret"]
        ) as client:
            yield sandbox, client, creds["agency_business_id"]


def test_one_request_brings_the_first_page_of_every_listing(agency_client):
    sandbox, client, business_id = agency_client
    before = len(sandbox.requests)
    node, pages = ops.read_first_pages(client, business_id, ops.business_listings().values())
    assert node.id == business_id
    assert set(pages) == set(ops.business_listings())
    assert len(sandbox.requests) - before == 1


def test_continuing_from_the_first_page_reads_the_same_rows_as_the_plain_listing(agency_client):
    _sandbox, client, business_id = agency_client
    listing = ops.business_listings()["client_ad_accounts"]
    _node, pages = ops.read_first_pages(client, business_id, [listing])
    assert pages["client_ad_accounts"].next_link, "the demo agency has more than one page"
    expanded = [
        a.id
        for page in ops.continue_pages(client, listing, pages["client_ad_accounts"])
        for a in page.items
    ]
    plain = [a.id for a in ops.iter_assets(client, business_id, "ad_account", "client")]
    assert expanded == plain


def test_the_last_continued_page_says_the_listing_is_complete(agency_client):
    _sandbox, client, business_id = agency_client
    listing = ops.business_listings()["business_users"]
    _node, pages = ops.read_first_pages(client, business_id, [listing])
    all_pages = list(ops.continue_pages(client, listing, pages["business_users"]))
    assert [p.is_last for p in all_pages] == [False] * (len(all_pages) - 1) + [True]
