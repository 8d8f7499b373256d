"""Acceptance: the production client against the sandbox, over real HTTP on loopback.

The world is built here (not from a scenario) so each test states exactly what Meta holds.
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from graph import (
    CallRecord,
    CapReachedError,
    GraphClient,
    GraphConfig,
    GraphError,
    LastAdminError,
    TokenInvalidError,
    TransientError,
    TwoFactorRequiredError,
)
from graph import operations as ops
from tests.graph.graphfakes import Sleeps

sandbox_server = pytest.importorskip("sandbox.server")
sandbox_world = pytest.importorskip("sandbox.world")
sandbox_faults = pytest.importorskip("sandbox.faults")


@dataclass
class Cast:
    """A small named world: an agency with an app and an admin system user, and a client."""

    world: object
    agency: object
    client: object
    app: object
    admin_su: object
    token: str
    accounts: list
    client_account: object
    ann: object  # an employee of the agency
    bob: object  # the agency's only admin person


def build_world(**config: object) -> Cast:
    world = sandbox_world.World(seed=11, config=sandbox_world.WorldConfig(**config))
    agency = world.add_business("Agency Ltd")
    client_biz = world.add_business("Client Co")
    app = world.add_app(agency.id, "Portal", access_level="standard", require_app_secret=True)
    admin_su = world.add_system_user(agency.id, "Portal Admin", role="ADMIN", app_id=app.id)
    token = world.issue_token(
        admin_su.id, app.id, scopes=["business_management", "ads_management"]
    ).token
    accounts = [world.add_asset("ad_account", agency.id, f"Account {n}") for n in range(7)]
    client_account = world.add_asset("ad_account", client_biz.id, "Client account")
    world.share_asset(client_account.id, agency.id, ["ADVERTISE", "ANALYZE"])
    world.add_partner(agency.id, client_biz.id)
    ann = world.add_business_user(agency.id, "Ann Employee", role="EMPLOYEE")
    bob = world.add_business_user(agency.id, "Bob Admin", role="ADMIN")
    return Cast(world, agency, client_biz, app, admin_su, token, accounts, client_account, ann, bob)


@pytest.fixture
def cast() -> Cast:
    return build_world()


@pytest.fixture
def sb(cast: Cast) -> Iterator[object]:
    with sandbox_server.SandboxServer(
        world=cast.world, faults=sandbox_faults.FaultPlan()
    ) as server:
        yield server


@pytest.fixture
def ledger() -> list[CallRecord]:
    return []


def make(sb, cast: Cast, sleeps: Sleeps, ledger: list[CallRecord], **config) -> GraphClient:
    settings = {"max_retries": 4, "connect_timeout": 2.0, "read_timeout": 5.0, **config}
    return GraphClient(
        GraphConfig(base_url=sb.base_url, version="v25.0", **settings),
        cast.token,
        app_secret=cast.app.secret,
        business_id=cast.agency.id,
        on_call=ledger.append,
        sleep=sleeps,
        rng=random.Random(3),
    )


@pytest.fixture
def graph(sb, cast, sleeps, ledger) -> Iterator[GraphClient]:
    client = make(sb, cast, sleeps, ledger, page_size=3)
    yield client
    client.close()


# --- reads ------------------------------------------------------------------------------------


def test_a_business_is_read_and_parsed(graph, cast):
    node = ops.get_business(graph, cast.agency.id)
    assert node.id == cast.agency.id
    assert node.name == "Agency Ltd"
    assert node.two_factor_type == "none"
    assert node.created_time is not None and node.created_time.tzinfo is not None


def test_owned_assets_are_listed_across_pages_and_every_call_is_signed(graph, cast, sb):
    pages = list(ops.iter_asset_pages(graph, cast.agency.id, "ad_account", "owned"))

    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert [p.is_last for p in pages] == [False, False, True]
    ids = {a.id for p in pages for a in p.items}
    assert ids == {a.id for a in cast.accounts}
    first = pages[0].items[0]
    assert first.kind == "ad_account"
    assert first.owner_business_id == cast.agency.id
    assert first.owner_business_name == "Agency Ltd"
    assert first.extra["currency"] == "USD"
    # The app requires appsecret_proof: the sandbox refused nothing, so every page was signed.
    served = sb.requests.matching("GET", "owned_ad_accounts")
    assert len(served) == 3
    assert all("appsecret_proof" in r["params"] for r in served)


def test_client_assets_carry_the_tasks_the_client_granted(graph, cast):
    assets = list(ops.iter_assets(graph, cast.agency.id, "ad_account", "client"))
    assert [a.id for a in assets] == [cast.client_account.id]
    # client_ad_accounts adds permitted_tasks to each node (reference "Business Client Ad
    # Accounts"); the edge itself says the agency is not the owner.
    assert {"ADVERTISE", "ANALYZE"} <= set(assets[0].permitted_tasks)


def test_people_system_users_and_clients_are_listed(graph, cast):
    people = {u.name: u for u in ops.iter_business_users(graph, cast.agency.id)}
    assert people["Bob Admin"].role == "ADMIN"
    assert people["Ann Employee"].email
    system_users = list(ops.iter_system_users(graph, cast.agency.id))
    assert [(s.name, s.role) for s in system_users] == [("Portal Admin", "ADMIN")]
    assert [c.id for c in ops.iter_clients(graph, cast.agency.id)] == [cast.client.id]


def test_usage_headers_from_the_sandbox_are_tracked(graph, cast):
    ops.get_business(graph, cast.agency.id)
    assert graph.last_usage.seen


def test_the_ledger_gets_one_clean_record_per_call(graph, cast, ledger):
    list(ops.iter_assets(graph, cast.agency.id, "ad_account", "owned"))
    assert [r.path for r in ledger] == [f"/{cast.agency.id}/owned_ad_accounts"] * 3
    assert all(r.status == 200 and r.business_id == cast.agency.id for r in ledger)
    assert all(cast.token not in repr(r) for r in ledger)


# --- writes and read-back ---------------------------------------------------------------------


def test_assigning_a_user_is_read_back_through_batch(graph, cast):
    account = cast.accounts[0]
    ops.assign_user(graph, account.id, cast.ann.id, ["ADVERTISE", "ANALYZE"], cast.agency.id)

    found = ops.read_assigned_users(graph, cast.agency.id, [account.id, cast.accounts[1].id])

    assigned = found[account.id]
    assert not isinstance(assigned, GraphError)
    ann = next(u for u in assigned if u.id == cast.ann.id)
    assert {"ADVERTISE", "ANALYZE"} <= set(ann.tasks)  # Meta may add implied tasks
    assert found[cast.accounts[1].id] == []

    ops.remove_user(graph, account.id, cast.ann.id, cast.agency.id)
    assert ops.read_assigned_users(graph, cast.agency.id, [account.id])[account.id] == []


def test_read_assigned_users_returns_per_asset_errors_instead_of_raising(graph, cast):
    found = ops.read_assigned_users(graph, cast.agency.id, [cast.accounts[0].id, "999"])
    assert isinstance(found["999"], GraphError)
    assert found[cast.accounts[0].id] == []


def test_sharing_with_an_agency_and_revoking_it(graph, cast):
    account = cast.accounts[2]
    ops.share_with_agency(graph, account.id, cast.client.id, ["ANALYZE"])
    shares = ops.read_asset_agencies(graph, [account.id])[account.id]
    assert not isinstance(shares, GraphError)
    assert [s.business_id for s in shares] == [cast.client.id]

    ops.revoke_agency(graph, account.id, cast.client.id)
    assert ops.read_asset_agencies(graph, [account.id])[account.id] == []


def test_system_user_lifecycle_with_caps_tokens_and_debug_token(graph, cast):
    su_id = ops.create_system_user(graph, cast.agency.id, "Sync Bot", "EMPLOYEE")
    with pytest.raises(CapReachedError) as caught:
        ops.create_system_user(graph, cast.agency.id, "Second Bot", "EMPLOYEE")
    assert caught.value.role == "EMPLOYEE"
    with pytest.raises(CapReachedError) as caught:
        ops.create_system_user(graph, cast.agency.id, "Another Admin", "ADMIN")
    assert caught.value.role == "ADMIN"

    ops.install_app(graph, su_id, cast.app.id)
    token = ops.generate_system_user_token(
        graph, su_id, cast.app.id, ["ads_management", "business_management"], expiring=True
    )
    info = ops.debug_token(graph, token, app_id=cast.app.id, app_secret=cast.app.secret)
    assert info.is_valid
    assert info.type == "SYSTEM_USER"
    assert info.user_id == su_id
    assert "ads_management" in info.scopes
    assert info.expires_at is not None
    assert info.expires_at - datetime.now(UTC) <= timedelta(days=61)

    ops.revoke_system_user_tokens(graph, su_id)
    after = ops.debug_token(graph, token, app_id=cast.app.id, app_secret=cast.app.secret)
    assert not after.is_valid
    assert after.error_code == 190


def test_a_never_expiring_token_has_no_expiry(graph, cast):
    info = graph.debug_token(cast.token, app_id=cast.app.id, app_secret=cast.app.secret)
    assert info.is_valid
    assert info.expires_at is None


def test_inviting_a_person_shows_up_as_a_pending_user(graph, cast):
    invite_id = ops.invite_business_user(
        graph, cast.agency.id, "new.person@example.com", "EMPLOYEE"
    )
    pending = list(ops.iter_pending_users(graph, cast.agency.id))
    assert [(p.id, p.email) for p in pending] == [(invite_id, "new.person@example.com")]
    assert pending[0].expiration_time is not None


def test_removing_the_last_admin_is_refused_in_words(graph, cast):
    with pytest.raises(LastAdminError) as caught:
        ops.remove_business_user(graph, cast.bob.id)
    assert "another person an admin" in caught.value.describe()


def test_a_two_factor_protected_business_asks_a_person_to_complete_2fa(graph, cast, sleeps):
    cast.world.set_two_factor_enforced(cast.agency.id)
    with pytest.raises(TwoFactorRequiredError) as caught:
        ops.assign_user(graph, cast.accounts[0].id, cast.ann.id, ["ANALYZE"], cast.agency.id)
    assert "two-factor authentication in Meta" in caught.value.describe()
    assert sleeps.waits == []


def test_an_expired_token_is_a_token_error_that_is_not_retried(graph, cast, sleeps, sb):
    cast.world.expire_token(cast.token)
    with pytest.raises(TokenInvalidError) as caught:
        ops.get_me(graph)
    assert caught.value.subcode == 463
    assert sleeps.waits == []
    assert cast.token not in "".join(traceback.format_exception(caught.value))


# --- Meta on a bad day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["500", "503", "html", "empty", "malformed_json", "truncated_json", "error_200"]
)
def test_a_page_that_fails_transiently_is_retried_and_the_listing_completes(
    graph, cast, sb, sleeps, kind
):
    sb.faults.add(kind, method="GET", path_contains="owned_ad_accounts", page=2)
    ids = [a.id for a in ops.iter_assets(graph, cast.agency.id, "ad_account", "owned")]
    assert len(ids) == 7
    assert len(sleeps.waits) == 1
    assert sb.faults.fired[0][0] == kind


def test_a_throttled_page_waits_for_metas_estimate(graph, cast, sb, sleeps):
    sb.faults.add("throttle", method="GET", path_contains="owned_ad_accounts", regain_minutes=2)
    assets = list(ops.iter_assets(graph, cast.agency.id, "ad_account", "owned"))
    assert len(assets) == 7
    assert max(sleeps.waits) >= 120


def test_batch_items_meta_did_not_process_are_re_sent(graph, cast, sb, sleeps):
    sb.faults.add("batch_null", method="POST", items=[0, 2])
    ids = [a.id for a in cast.accounts[:4]]
    found = ops.read_assigned_users(graph, cast.agency.id, ids)
    assert all(found[i] == [] for i in ids)
    batches = sb.requests.matching("POST")
    assert len(batches) == 2
    assert len(sleeps.waits) == 1


def test_a_write_that_may_have_been_applied_is_not_re_sent(graph, cast, sb, sleeps):
    """applied_then_500: Meta did the write and then failed; re-sending would do it twice."""
    sb.faults.add("applied_then_500", method="POST", path_contains="system_users")
    with pytest.raises(TransientError):
        ops.create_system_user(graph, cast.agency.id, "Sync Bot", "EMPLOYEE")
    assert sleeps.waits == []
    names = [s.name for s in ops.iter_system_users(graph, cast.agency.id)]
    assert names.count("Sync Bot") == 1


def test_a_write_refused_with_503_is_re_sent(graph, cast, sb, sleeps):
    sb.faults.add("503", method="POST", path_contains="system_users")
    su_id = ops.create_system_user(graph, cast.agency.id, "Sync Bot", "EMPLOYEE")
    assert su_id
    assert len(sleeps.waits) == 1


def test_a_slow_sandbox_beyond_the_read_timeout_times_out(sb, cast, sleeps, ledger):
    client = make(sb, cast, sleeps, ledger, read_timeout=0.2, max_retries=0)
    sb.faults.add("slow", method="GET", delay=1.0)
    with pytest.raises(TransientError):
        ops.get_business(client, cast.agency.id)
    assert ledger[-1].status is None


def test_a_page_too_big_for_meta_is_halved_then_the_size_is_restored(sleeps, ledger):
    cast = build_world(too_much_data_by_edge={"owned_ad_accounts": 2})
    with sandbox_server.SandboxServer(world=cast.world) as server:
        client = make(server, cast, sleeps, ledger, page_size=4)
        ids = [a.id for a in ops.iter_assets(client, cast.agency.id, "ad_account", "owned")]
        limits = [int(r["params"]["limit"]) for r in server.requests.matching("GET")]
    assert len(ids) == 7
    assert limits[:3] == [4, 2, 4]
    assert set(limits) == {4, 2}


# --- relationships, groups, pending requests ------------------------------------------------


def test_asset_groups_their_assets_and_their_people_are_listed(graph, cast):
    group = cast.world.add_asset_group(cast.agency.id, "EU accounts", [cast.accounts[0].id])
    cast.world.assign_group(group.id, cast.ann.id, {"adaccount_tasks": ["ANALYZE"]})

    groups = list(ops.iter_asset_groups(graph, cast.agency.id))
    assert [(g.id, g.name, g.owner_business_id) for g in groups] == [
        (group.id, "EU accounts", cast.agency.id)
    ]
    assets = list(ops.iter_group_assets(graph, group.id, "ad_account"))
    assert [(a.id, a.name) for a in assets] == [(cast.accounts[0].id, "Account 0")]
    users = list(ops.iter_group_assigned_users(graph, group.id, cast.agency.id))
    assert [u.id for u in users] == [cast.ann.id]
    # The group's edge says who; the person's side says with which tasks per kind.
    sides = ops.read_assigned_asset_groups(graph, [cast.ann.id])
    assert [(g.group_id, g.tasks_by_kind["adaccount"]) for g in sides[cast.ann.id]] == [
        (group.id, ("ANALYZE",))
    ]


def test_pending_access_requests_are_listed_with_their_asset(graph, cast):
    page = cast.world.add_asset("page", cast.client.id, "Client page")
    cast.world.share_asset(page.id, cast.agency.id, ["ANALYZE"], status="PENDING")
    pending = list(ops.iter_pending_assets(graph, cast.agency.id, "page", "client"))
    assert [(p.kind, p.asset_id, p.asset_name, p.relation) for p in pending] == [
        ("page", page.id, "Client page", "client")
    ]


def test_on_behalf_of_creates_the_relationship_and_a_client_system_user_token(
    sb, cast, sleeps, ledger
):
    world = cast.world
    client_admin = world.add_person("Cleo Client")
    world.add_business_user(cast.client.id, role="ADMIN", person_id=client_admin.id)
    user_token = world.issue_token(client_admin.id, cast.app.id).token
    as_client_admin = GraphClient(
        GraphConfig(base_url=sb.base_url, version="v25.0"),
        user_token,
        app_secret=cast.app.secret,
        sleep=sleeps,
    )
    related = ops.create_managed_business(as_client_admin, cast.agency.id, cast.client.id)
    assert related.id == cast.client.id

    partner = make(sb, cast, sleeps, ledger)
    token = ops.create_client_system_user_token(
        partner, cast.client.id, cast.app.id, ["ads_management"]
    )
    as_client_su = GraphClient(
        GraphConfig(base_url=sb.base_url, version="v25.0"), token, app_secret=cast.app.secret
    )
    su_id, name = ops.get_me(as_client_su)
    assert name == "Client Co SYSTEM USER"
    assert su_id in world.system_users


# --- OAuth helpers ---------------------------------------------------------------------------


def test_a_login_code_is_exchanged_once(sb, cast, sleeps):
    person = cast.world.add_person("Dee Staff")
    code = cast.world.mint_login_code(person.id, cast.app.id, "https://portal.example/cb/")
    anonymous = GraphClient(GraphConfig(base_url=sb.base_url, version="v25.0"), "", sleep=sleeps)

    token = ops.exchange_code(
        anonymous,
        code=code,
        app_id=cast.app.id,
        app_secret=cast.app.secret,
        redirect_uri="https://portal.example/cb/",
    )
    assert token.access_token.startswith("EAA")
    assert token.access_token not in repr(token)
    with pytest.raises(GraphError) as caught:
        ops.exchange_code(
            anonymous,
            code=code,
            app_id=cast.app.id,
            app_secret=cast.app.secret,
            redirect_uri="https://portal.example/cb/",
        )
    assert caught.value.subcode == 36009
    assert code not in str(caught.value)


def test_a_token_is_refreshed_and_the_old_one_revoked(graph, cast):
    fresh = ops.exchange_token(
        graph, cast.token, app_id=cast.app.id, app_secret=cast.app.secret, expiring=True
    )
    assert fresh.access_token != cast.token
    assert fresh.expires_in and fresh.expires_in > 59 * 24 * 3600

    assert ops.revoke_token(
        graph, fresh.access_token, app_id=cast.app.id, app_secret=cast.app.secret
    )
    info = ops.debug_token(
        graph, fresh.access_token, app_id=cast.app.id, app_secret=cast.app.secret
    )
    assert not info.is_valid


def test_custom_conversions_of_many_ad_accounts_are_read_in_one_batch(graph, cast, sb):
    account = cast.accounts[0]
    pixel = cast.world.add_asset("pixel", cast.agency.id, "Site pixel")
    cast.world.add_asset(
        "custom_conversion", cast.agency.id, "Purchases", ad_account_id=account.id,
        pixel_id=pixel.id,
    )  # fmt: skip
    found = ops.read_custom_conversions(graph, [account.id, cast.accounts[1].id])

    conversions = found[account.id]
    assert not isinstance(conversions, GraphError)
    assert [(c.kind, c.name) for c in conversions] == [("custom_conversion", "Purchases")]
    assert conversions[0].extra["pixel"] == {"id": pixel.id}
    assert found[cast.accounts[1].id] == []
    assert len(sb.requests.matching("POST")) == 1
