"""Every request the Graph client can compose, checked against Meta's schema.

The schema is ``sandbox/schema/graph_schema.json``, generated from Meta's official SDK
(``python -m sandbox.schema.generate``) plus the hand-kept ``sandbox/schema/additions.py``.
Each public function of the ``graph`` package that takes a ``client`` is found by
introspection and run through the real ``GraphClient`` over a recording transport; every
request it sends (batch items included) must name an edge the object's node type has, with
that method, ask only fields the listed node type has (at every depth of field expansion) and
send only parameters the edge takes. A function without an entry in ``CASES`` fails, so a new
operation is covered the day it is written.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

import graph
import graph.operations as ops
from assets.models import GRANTABLE_KINDS, PER_PERSON_REMOVAL_KINDS, SHAREABLE_KINDS
from sandbox.fields import FieldSpec, parse
from sandbox.schema import GraphSchema, load
from tests.contract.recording import APP_SECRET, Captured, recording_client

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = load()

# The Graph node type of each kind of asset the portal stores (SDK adobjects class names).
# Instagram: the grantable, shareable InstagramBusinessAsset, not the IGUser
# (adobjects/instagrambusinessasset.py, iguser.py).
KIND_NODE = {
    "ad_account": "AdAccount",
    "page": "Page",
    "pixel": "AdsPixel",
    "catalog": "ProductCatalog",
    "app": "Application",
    "instagram_account": "InstagramBusinessAsset",
    "custom_conversion": "CustomConversion",
}

BUSINESS = "1001"
PARTNER = "1002"
GROUP = "5001"
SYSTEM_USER = "6001"
BUSINESS_USER = "6101"
APP_ID = "7001"
ASSET_IDS = {
    "ad_account": "act_2001",
    "page": "2002",
    "pixel": "2003",
    "catalog": "2004",
    "app": APP_ID,
    "instagram_account": "2006",
    "custom_conversion": "2007",
}
NODE_OF_ID = {
    BUSINESS: "Business",
    PARTNER: "Business",
    GROUP: "BusinessAssetGroup",
    SYSTEM_USER: "SystemUser",
    BUSINESS_USER: "BusinessUser",
    "me": "User",
    **{ASSET_IDS[kind]: node for kind, node in KIND_NODE.items()},
}

# Parameters every Graph read takes (paging, field selection, auth: DOMAIN 7.1-7.2, 5.3).
READ_PARAMS = {"access_token", "appsecret_proof", "fields", "limit", "after", "before", "summary"}
AUTH_PARAMS = {"access_token", "appsecret_proof"}
# Root endpoints outside the SDK's node classes, with their documented parameters.
ROOT_ENDPOINTS: dict[tuple[str, str], set[str]] = {
    # reference "Debug Token" (input_token, with an app token).
    ("GET", "debug_token"): {"input_token", "access_token"},
    # "Long-Lived Access Tokens", "Manually Build a Login Flow", "System User Access Tokens".
    ("GET", "oauth/access_token"): {
        "grant_type", "client_id", "client_secret", "fb_exchange_token",
        "set_token_expires_in_60_days", "redirect_uri", "code",
    },
    # DOMAIN 3.5 step 5 (token revocation).
    ("GET", "oauth/revoke"): {"client_id", "client_secret", "revoke_token", *AUTH_PARAMS},
}  # fmt: skip
# Edges whose SDK request has no target node type (target_class=AbstractCrudObject), so
# their fields cannot be checked against a node; each names the reference that lists them.
UNTYPED_EDGES = {
    ("Application", "roles"): "reference 'Application Roles' (app_id, user, role)",
}


def _ids(kinds: Iterable[str]) -> list[str]:
    return [ASSET_IDS[str(k)] for k in sorted(kinds, key=str) if str(k) in ASSET_IDS]


def _login_app() -> dict[str, str]:
    return {"app_id": APP_ID, "app_secret": APP_SECRET, "redirect_uri": "https://portal.test/cb"}


def _next_link(listing: ops.Listing) -> str:
    """The `paging.next` Meta puts in a nested edge's first page: the edge path, its fields."""
    return (
        f"https://graph.facebook.com/v25.0/{BUSINESS}/{listing.edge}"
        f"?access_token=EAAx&fields={listing.fields}&limit=100&after=QVFIcursor"
    )


Case = tuple[str, tuple[Any, ...]]

# Arguments for every function that sends requests: name -> the cases to run it with (all
# kinds / relations / listings the client knows, so every request it can compose is sent).
CASES: dict[str, Callable[[], list[Case]]] = {
    "get_business": lambda: [("", (BUSINESS,))],
    "get_me": lambda: [("", ())],
    "iter_my_businesses": lambda: [("", ())],
    "iter_shareable_assets": lambda: [(k, (BUSINESS, k)) for k in ops.SHAREABLE_EDGES],
    "read_account_activity": lambda: [("", ([ASSET_IDS["ad_account"]],))],
    "iter_asset_pages": lambda: [(f"{k} {r}", (BUSINESS, k, r)) for k, r in ops.ASSET_EDGES],
    "iter_assets": lambda: [(f"{k} {r}", (BUSINESS, k, r)) for k, r in ops.ASSET_EDGES],
    "iter_custom_conversion_pages": lambda: [("", (ASSET_IDS["ad_account"],))],
    "iter_custom_conversions": lambda: [("", (ASSET_IDS["ad_account"],))],
    "iter_pending_asset_pages": lambda: [
        (f"{k} {r}", (BUSINESS, k, r)) for k, r in ops.PENDING_EDGES
    ],
    "iter_pending_assets": lambda: [(f"{k} {r}", (BUSINESS, k, r)) for k, r in ops.PENDING_EDGES],
    "iter_business_user_pages": lambda: [("", (BUSINESS,))],
    "iter_business_users": lambda: [("", (BUSINESS,))],
    "iter_pending_user_pages": lambda: [("", (BUSINESS,))],
    "iter_pending_users": lambda: [("", (BUSINESS,))],
    "iter_system_user_pages": lambda: [("", (BUSINESS,))],
    "iter_system_users": lambda: [("", (BUSINESS,))],
    "iter_client_pages": lambda: [("", (BUSINESS,))],
    "iter_clients": lambda: [("", (BUSINESS,))],
    "iter_agency_pages": lambda: [("", (BUSINESS,))],
    "iter_agencies": lambda: [("", (BUSINESS,))],
    "iter_owned_business_pages": lambda: [("", (BUSINESS,))],
    "iter_owned_businesses": lambda: [("", (BUSINESS,))],
    "iter_asset_group_pages": lambda: [("", (BUSINESS,))],
    "iter_asset_groups": lambda: [("", (BUSINESS,))],
    "iter_group_asset_pages": lambda: [(k, (GROUP, k)) for k in ops.GROUP_EDGES],
    "iter_group_assets": lambda: [(k, (GROUP, k)) for k in ops.GROUP_EDGES],
    "iter_group_assigned_user_pages": lambda: [("", (GROUP, BUSINESS))],
    "iter_group_assigned_users": lambda: [("", (GROUP, BUSINESS))],
    "read_assigned_asset_groups": lambda: [("", ([SYSTEM_USER, BUSINESS_USER],))],
    "read_assigned_users": lambda: [("", (BUSINESS, _ids(GRANTABLE_KINDS)))],
    "read_asset_agencies": lambda: [("", (_ids(SHAREABLE_KINDS),))],
    "read_custom_conversions": lambda: [("", ([ASSET_IDS["ad_account"]],))],
    "assign_user": lambda: [
        (a, (a, SYSTEM_USER, ["ADVERTISE"], BUSINESS)) for a in _ids(GRANTABLE_KINDS)
    ],
    "remove_user": lambda: [
        (a, (a, SYSTEM_USER, BUSINESS)) for a in _ids(PER_PERSON_REMOVAL_KINDS)
    ],
    "share_with_agency": lambda: [(a, (a, PARTNER, ["ADVERTISE"])) for a in _ids(SHAREABLE_KINDS)],
    "revoke_agency": lambda: [(a, (a, PARTNER)) for a in _ids(SHAREABLE_KINDS)],
    "create_system_user": lambda: [("", (BUSINESS, "Reporting bot", "EMPLOYEE"))],
    "install_app": lambda: [("", (SYSTEM_USER, APP_ID))],
    "generate_system_user_token": lambda: [
        ("60 days", (SYSTEM_USER, APP_ID, ["business_management"], True)),
        ("never expiring", (SYSTEM_USER, APP_ID, ["business_management"], False)),
    ],
    "revoke_system_user_tokens": lambda: [("", (SYSTEM_USER,))],
    "invite_business_user": lambda: [("", (BUSINESS, "ana@example.com", "EMPLOYEE"))],
    "remove_business_user": lambda: [("", (BUSINESS_USER,))],
    "create_managed_business": lambda: [("", (PARTNER, BUSINESS))],
    "create_client_system_user_token": lambda: [("", (BUSINESS, APP_ID, ["ads_management"]))],
    "debug_token": lambda: [("", ("EAAother", {"app_id": APP_ID, "app_secret": APP_SECRET}))],
    "exchange_code": lambda: [("", ({"code": "AQcode", **_login_app()},))],
    "exchange_token": lambda: [
        ("", ("EAAold", {"app_id": APP_ID, "app_secret": APP_SECRET, "expiring": True}))
    ],
    "revoke_token": lambda: [("", ("EAAold", {"app_id": APP_ID, "app_secret": APP_SECRET}))],
    "read_first_pages": lambda: [
        ("every listing", (BUSINESS, list(ops.business_listings().values())))
    ],
    "continue_pages": lambda: [
        (x.edge, (x, ops.FirstPage([], _next_link(x)))) for x in ops.business_listings().values()
    ],
    "iter_app_role_pages": lambda: [("", (APP_ID,))],
    "remove_client": lambda: [("", (PARTNER, BUSINESS))],
}


def request_functions() -> dict[str, Callable[..., Any]]:
    """Public functions of every public `graph` module, at any depth (`graph.operations.*`
    included), that take a `client` (they send requests). A function counts once, in the
    module that defines it, not in the packages that re-export it. Private modules
    (`_paging`) hold helpers that send whatever path they are given: the public functions
    calling them are what is checked."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(graph.__path__, prefix="graph."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "client" in inspect.signature(fn).parameters:
                assert name not in found, f"two graph functions are named {name}"
                found[name] = fn
    return found


FUNCTIONS = request_functions()


def run(fn: Callable[..., Any], args: tuple[Any, ...]) -> list[Captured]:
    """Call `fn(client, *args)` (a trailing dict in `args` is keyword arguments), drain what
    it returns if it is lazy, and return the requests it sent."""
    client, session = recording_client()
    kwargs = args[-1] if args and isinstance(args[-1], dict) else {}
    positional = args[:-1] if kwargs else args
    result = fn(client, *positional, **kwargs)
    if isinstance(result, Iterator):
        list(result)
    return session.captured


# --- checking one request --------------------------------------------------------------------


def field_problems(
    schema: GraphSchema, node_type: str, specs: list[FieldSpec], added: set[str], trail: str = ""
) -> list[str]:
    problems: list[str] = []
    own = schema.fields(node_type)
    for spec in specs:
        name = f"{trail}{spec.name}"
        if spec.name in own or spec.name in added:
            child = schema.node_type_of_field(node_type, spec.name)
            if spec.children is not None and child is not None:
                problems += field_problems(schema, child, spec.children, set(), f"{name}.")
            continue
        edge = schema.edge(node_type, spec.name, "GET")
        if edge is None:
            problems.append(f"field '{name}' does not exist on node type {node_type}")
            continue
        unknown = set(spec.modifiers) - READ_PARAMS - edge.params
        if unknown:
            problems.append(f"edge '{name}' of {node_type} takes no param {sorted(unknown)}")
        if spec.children is None:
            continue
        if edge.target is None:
            if (node_type, spec.name) not in UNTYPED_EDGES:
                problems.append(f"edge '{name}' of {node_type} lists no known node type")
            continue
        problems += field_problems(
            schema,
            edge.target,
            spec.children,
            schema.added_fields(node_type, spec.name),
            f"{name}.",
        )
    return problems


def request_problems(schema: GraphSchema, req: Captured) -> list[str]:
    parts, method, params = req.parts, req.method, set(req.params)
    if not parts:
        if method == "POST" and "batch" in params:
            extra = params - {"batch", "include_headers", *AUTH_PARAMS}
            return [f"the batch request sends unknown params {sorted(extra)}"] if extra else []
        return [f"{method} / is not a Graph call the client should make"]
    root = ROOT_ENDPOINTS.get((method, "/".join(parts)))
    if root is not None:
        extra = params - root - AUTH_PARAMS
        return [f"sends params {sorted(extra)} the endpoint does not take"] if extra else []
    node_type = NODE_OF_ID.get(parts[0])
    if node_type is None:
        return [f"object {parts[0]!r} is none of the test's ids (extend NODE_OF_ID)"]
    specs = parse(req.params.get("fields")) or []
    if len(parts) == 1:
        if method not in schema.node_methods(node_type):
            return [f"node type {node_type} has no {method} on the node itself"]
        allowed = READ_PARAMS if method == "GET" else AUTH_PARAMS
        extra = params - allowed - schema.node_params(node_type, method)
        problems = [f"{node_type} {method} takes no params {sorted(extra)}"] if extra else []
        return problems + field_problems(schema, node_type, specs, set())
    if len(parts) > 2:
        return [f"path {req.path} is deeper than node/edge"]
    name = parts[1]
    edge = schema.edge(node_type, name, method)
    if edge is None:
        has = sorted(schema.edge_methods(node_type, name))
        why = f"only {', '.join(has)}" if has else "no such edge"
        return [f"node type {node_type} has no {method} edge '{name}' ({why})"]
    allowed = READ_PARAMS if method == "GET" else AUTH_PARAMS
    extra = params - allowed - edge.params
    problems = [f"edge '{name}' of {node_type} takes no params {sorted(extra)}"] if extra else []
    if method == "GET" and specs:
        if edge.target is None:
            if (node_type, name) not in UNTYPED_EDGES:
                problems.append(f"edge '{name}' of {node_type} lists no known node type")
        else:
            problems += field_problems(
                schema, edge.target, specs, schema.added_fields(node_type, name)
            )
    return problems


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_request_an_operation_sends_exists_in_metas_schema(name: str) -> None:
    assert name in CASES, (
        f"graph function {name}() sends requests but has no argument builder in CASES "
        "(tests/contract/test_graph_contract.py): add one so its requests are checked"
    )
    problems: list[str] = []
    for label, args in CASES[name]():
        captured = run(FUNCTIONS[name], args)
        assert captured, f"{name}({label}) sent no request: its case does not exercise it"
        for req in captured:
            for problem in request_problems(SCHEMA, req):
                problems.append(f"{name}({label}): {req.describe()}: {problem}")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_argument_table_names_only_functions_that_exist() -> None:
    assert sorted(set(CASES) - set(FUNCTIONS)) == []


def test_every_operation_the_package_exports_is_found_where_it_is_defined() -> None:
    """`graph.operations` re-exports its modules' functions: each one that takes a client
    must be the very function the walk found, so none escapes the check above."""
    exported = {
        name: fn
        for name in ops.__all__
        if inspect.isfunction(fn := getattr(ops, name))
        and "client" in inspect.signature(fn).parameters
    }
    assert exported
    assert {n: f for n, f in exported.items() if FUNCTIONS.get(n) is not f} == {}


def _kind_listing_targets() -> list[tuple[str, str, str, str]]:
    rows = [
        ("Business", edge, kind, f"{kind} {rel}") for (kind, rel), edge in ops.ASSET_EDGES.items()
    ]
    rows += [
        ("BusinessAssetGroup", edge, kind, f"group {kind}")
        for kind, edge in ops.GROUP_EDGES.items()
    ]
    rows.append(("AdAccount", "customconversions", "custom_conversion", "custom conversions"))
    return rows


@pytest.mark.parametrize(("node", "edge", "kind", "label"), _kind_listing_targets())
def test_each_asset_listing_lists_the_node_type_the_portal_stores(
    node: str, edge: str, kind: str, label: str
) -> None:
    spec = SCHEMA.edge(node, edge, "GET")
    assert spec is not None, f"{label}: {node} has no GET edge '{edge}'"
    assert spec.target == KIND_NODE[kind], (
        f"{label}: {node}/{edge} lists {spec.target} nodes, the portal stores "
        f"{kind} as {KIND_NODE[kind]}"
    )


def test_the_schema_speaks_the_graph_version_the_portal_pins() -> None:
    pinned = re.search(
        r"^facebook-business==(\S+)$", (ROOT / "requirements-bench.txt").read_text(), re.M
    )
    assert pinned is not None
    assert (SCHEMA.sdk_version, SCHEMA.api_version) == (
        pinned.group(1),
        settings.META_GRAPH_VERSION,
    )


def test_no_product_code_imports_metas_sdk() -> None:
    """Only the generator reads the SDK (as text); the benchmark compares against it."""
    allowed = {ROOT / "sandbox/schema/generate.py", ROOT / "bench/graph_bench.py"}
    importing = [
        str(path.relative_to(ROOT))
        for folder in ("graph", "sandbox", "businesses", "assets", "systemusers", "config")
        for path in (ROOT / folder).rglob("*.py")
        if path not in allowed
        and re.search(r"^\s*(from|import)\s+facebook_business", path.read_text(), re.M)
    ]
    assert importing == []
