from __future__ import annotations

import pytest

from graph import MalformedResponseError, PermissionMissingError, ReduceDataError
from graph.encoding import appsecret_proof
from tests.graph.graphfakes import APP_SECRET, USER_TOKEN, Reply, Seen, graph_error, ok

PROOF = appsecret_proof(APP_SECRET, USER_TOKEN)
STALE = "EAAJstaleTokenFromTheNextLink0123456789"


def paged_edge(pages: list[list[dict]], *, host: str = "https://graph.facebook.com"):
    """An edge whose next links point at Meta's host and carry a stale token, as Meta's do."""

    def handler(seen: Seen) -> Reply:
        index = int(seen.query.get("after", "0"))
        body: dict = {"data": pages[index], "paging": {"cursors": {"after": str(index + 1)}}}
        if index + 1 < len(pages):
            body["paging"]["next"] = (
                f"{host}/v25.0/1001/owned_pages?fields={seen.query.get('fields', '')}"
                f"&limit={seen.query['limit']}&after={index + 1}"
                f"&access_token={STALE}&appsecret_proof=stale"
            )
        return ok(body)

    return handler


def test_iter_edge_follows_next_links_across_many_pages(fake, client):
    pages = [[{"id": str(p * 10 + i)} for i in range(3)] for p in range(6)]
    pages[2] = []  # an empty page that still has a next link is not the end
    fake.on("GET", "/1001/owned_pages", paged_edge(pages))

    items = list(client.iter_edge("/1001/owned_pages", fields=["id", "name"]))

    assert [i["id"] for i in items] == [x["id"] for page in pages for x in page]
    assert len(fake.requests) == 6


def test_iter_pages_says_which_page_is_the_last(fake, client):
    fake.on("GET", "/1001/owned_pages", paged_edge([[{"id": "1"}], [], [{"id": "2"}]]))
    pages = list(client.iter_pages("/1001/owned_pages"))
    assert [(p.number, p.is_last, len(p.items)) for p in pages] == [
        (1, False, 1),
        (2, False, 0),
        (3, True, 1),
    ]


def test_next_links_are_signed_again_and_sent_to_our_own_host(fake, client):
    fake.on("GET", "/1001/owned_pages", paged_edge([[{"id": "1"}]] * 4))
    list(client.iter_edge("/1001/owned_pages", fields="id,name", page_size=25))

    assert len(fake.requests) == 4  # the links' graph.facebook.com host was never contacted
    for seen in fake.requests:
        assert seen.query["access_token"] == USER_TOKEN
        assert seen.query["appsecret_proof"] == PROOF
        assert seen.query["limit"] == "25"
        assert seen.query["fields"] == "id,name"
        assert seen.version == "v25.0"
    assert [s.query.get("after") for s in fake.requests] == [None, "1", "2", "3"]


def test_the_page_size_is_always_asked_for_explicitly(fake, make_client):
    fake.on("GET", "/1001/owned_pages", ok({"data": []}))
    list(make_client(page_size=77).iter_edge("/1001/owned_pages"))
    assert fake.requests[0].query["limit"] == "77"


def test_a_page_that_is_too_big_is_asked_again_at_half_size_then_size_is_restored(fake, client):
    def handler(seen: Seen) -> Reply:
        if int(seen.query["limit"]) > 25:
            return graph_error(1, "Please reduce the amount of data", status=500)
        return paged_edge([[{"id": "a"}], [{"id": "b"}]])(seen)

    fake.on("GET", "/1001/owned_pages", handler)
    items = list(client.iter_edge("/1001/owned_pages", page_size=100))

    assert [i["id"] for i in items] == ["a", "b"]
    limits = [int(s.query["limit"]) for s in fake.requests]
    assert limits == [100, 50, 25, 100, 50, 25]


def test_a_page_still_too_big_at_one_item_raises(fake, client):
    fake.on("GET", "/x/edge", graph_error(1, "reduce the amount of data"))
    with pytest.raises(ReduceDataError):
        list(client.iter_edge("/x/edge", page_size=4))
    assert [s.query["limit"] for s in fake.requests] == ["4", "2", "1"]


def test_a_next_link_that_repeats_stops_the_listing_instead_of_looping(fake, client):
    loop = {"data": [{"id": "1"}], "paging": {"next": f"{fake.base_url}/v25.0/x/edge?after=A"}}
    fake.on("GET", "/x/edge", ok(loop))
    with pytest.raises(MalformedResponseError):
        list(client.iter_edge("/x/edge"))
    assert len(fake.requests) == 2


def test_a_listing_answer_without_data_is_malformed(fake, client):
    fake.on("GET", "/x/edge", ok({"id": "x"}))
    with pytest.raises(MalformedResponseError):
        list(client.iter_edge("/x/edge"))


def test_a_failing_page_leaves_the_listing_visibly_incomplete(fake, client):
    def handler(seen: Seen) -> Reply:
        if seen.query.get("after"):
            return graph_error(200, "Permissions error")
        return paged_edge([[{"id": "1"}], [{"id": "2"}]])(seen)

    fake.on("GET", "/1001/owned_pages", handler)
    seen_pages = []
    with pytest.raises(PermissionMissingError):
        for page in client.iter_pages("/1001/owned_pages"):
            seen_pages.append(page)
    assert [p.is_last for p in seen_pages] == [False]


def test_get_ids_reads_many_objects_fifty_at_a_time(fake, client):
    def handler(seen: Seen) -> Reply:
        return ok({i: {"id": i, "name": f"n{i}"} for i in seen.query["ids"].split(",")})

    fake.on("GET", "/", handler)
    ids = [str(n) for n in range(120)]
    found = client.get_ids(ids, ["id", "name"])

    assert set(found) == set(ids)
    assert [len(s.query["ids"].split(",")) for s in fake.requests] == [50, 50, 20]
    assert all(s.query["fields"] == "id,name" for s in fake.requests)
