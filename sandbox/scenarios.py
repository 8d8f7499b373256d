"""Ready-made worlds: ``demo()`` for people and end-to-end tests, ``generated()`` for scale.

Both are deterministic from their seed (ids, secrets and tokens included), so
``run_sandbox --print-credentials`` in one process matches the server in another.

``world.credentials`` (JSON-serialisable) for both:
    graph_version, app_id, app_secret, app_access_token,
    agency_business_id, admin_system_user_id, admin_system_user_token,
    employee_system_user_id, employee_system_user_token,
    agency: {business_id, name, app_id, app_secret, admin_system_user_id,
             admin_system_user_token, employee_system_user_id, employee_system_user_token,
             admin_person_id, admin_user_id, admin_user_token},
    clients: [{business_id, name, connected, verification_status, two_factor_enforced,
               admin_person_id, admin_user_id, admin_user_token, admin_name, admin_email}, ...],
    unconnected_client: {same keys, connected: false}   (demo only)
"""

from __future__ import annotations

import random
from typing import Any

from .demo_clients import CLIENTS, demo_client_assets, demo_people
from .entities import Asset, Business
from .routes import insights
from .world import World

DEMO_APP_SECRET = "6e6f72746877696e642d64656d6f2121"
SU_SCOPES = [
    "business_management",
    "ads_management",
    "ads_read",
    "catalog_management",
    "pages_show_list",
    "pages_read_engagement",
]

AD_ACCOUNT_TASKS = [["MANAGE"], ["ADVERTISE"], ["ANALYZE"], ["ADVERTISE", "DRAFT"]]
PAGE_TASKS = [["MANAGE"], ["CREATE_CONTENT"], ["ADVERTISE"], ["ANALYZE"], ["MODERATE"]]
PIXEL_TASKS = [["ANALYZE"], ["ADVERTISE"], ["UPLOAD", "ANALYZE"], ["EDIT"]]
CATALOG_TASKS = [["MANAGE"], ["ADVERTISE"], ["AA_ANALYZE"]]
IG_TASKS = [["ADVERTISE"], ["ANALYZE"], ["CONTENT", "COMMUNITY_ACTIVITY"], ["MESSAGES"]]
TASKS_BY_KIND = {
    "ad_account": AD_ACCOUNT_TASKS,
    "page": PAGE_TASKS,
    "pixel": PIXEL_TASKS,
    "catalog": CATALOG_TASKS,
    "instagram_account": IG_TASKS,
}
# What a client grants its agency on each kind (within the SDK's PermittedTasks).
AGENCY_GRANTS = {
    "ad_account": ["MANAGE", "ADVERTISE", "ANALYZE"],
    "page": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MODERATE", "MESSAGING"],
    "pixel": ["ADVERTISE", "ANALYZE", "UPLOAD"],
    "catalog": ["ADVERTISE", "MANAGE"],
    "instagram_account": ["ADVERTISE", "ANALYZE", "CONTENT"],
    "app": [],  # apps carry no agency tasks; sharing makes them show in client_apps
}


def _agency(world: World, name: str, app_secret: str | None) -> dict[str, Any]:
    """Agency business with its developer app, two system users and an admin person."""
    agency = world.add_business(
        name, verification_status="verified", two_factor_type="admin_required"
    )
    app = world.add_app(agency.id, f"{name} BM Portal", "standard", secret=app_secret)
    admin_su = world.add_system_user(agency.id, f"{name} Portal Admin", "ADMIN", app_id=app.id)
    employee_su = world.add_system_user(agency.id, f"{name} Reporting", "EMPLOYEE", app_id=app.id)
    admin_token = world.issue_token(admin_su.id, app.id, SU_SCOPES, "SYSTEM_USER")
    employee_token = world.issue_token(employee_su.id, app.id, SU_SCOPES, "SYSTEM_USER")
    return {
        "business": agency,
        "app": app,
        "admin_su": admin_su,
        "employee_su": employee_su,
        "creds": {
            "business_id": agency.id,
            "name": agency.name,
            "app_id": app.id,
            "app_secret": app.secret,
            "admin_system_user_id": admin_su.id,
            "admin_system_user_token": admin_token.token,
            "employee_system_user_id": employee_su.id,
            "employee_system_user_token": employee_token.token,
        },
    }


def _client_creds(
    world: World, client: Business, app: Asset, admin_user_id: str, connected: bool
) -> dict[str, Any]:
    admin = world.business_users[admin_user_id]
    # Long-lived (60-day) user token of a client admin, as Facebook Login would give the portal.
    token = world.issue_token(admin.person_id, app.id, None, "USER", expires_in=60 * 24 * 3600)
    return {
        "business_id": client.id,
        "name": client.name,
        "connected": connected,
        "verification_status": client.verification_status,
        "two_factor_enforced": client.two_factor_enforced,
        "admin_person_id": admin.person_id,
        "admin_user_id": admin.id,
        "admin_user_token": token.token,
        # Who to be in the Login dialog's stand-in (a person would know their own login).
        "admin_name": admin.name,
        "admin_email": admin.email,
    }


def _flat(credentials: dict[str, Any]) -> dict[str, Any]:
    agency = credentials["agency"]
    credentials.update(
        graph_version="v25.0",
        app_id=agency["app_id"],
        app_secret=agency["app_secret"],
        app_access_token=f"{agency['app_id']}|{agency['app_secret']}",
        agency_business_id=agency["business_id"],
        admin_system_user_id=agency["admin_system_user_id"],
        admin_system_user_token=agency["admin_system_user_token"],
        employee_system_user_id=agency["employee_system_user_id"],
        employee_system_user_token=agency["employee_system_user_token"],
    )
    return credentials


# --- demo ------------------------------------------------------------------------------------


def demo(seed: int = 20260101) -> World:
    """Northwind Media (agency) with three connected clients and one not yet connected."""
    world = World(seed=seed)
    rng = random.Random(seed)
    ag = _agency(world, "Northwind Media", DEMO_APP_SECRET)
    agency: Business = ag["business"]
    app: Asset = ag["app"]
    agency_people = demo_people(world, agency, "agency", "northwindmedia.example")
    world.invite(agency.id, "frank.hughes@northwindmedia.example", "EMPLOYEE")
    admin_user_id = agency_people[0]
    admin_person = world.business_users[admin_user_id].person_id
    admin_token = world.issue_token(admin_person, app.id, None, "USER", 60 * 24 * 3600)
    ag["creds"].update(
        admin_person_id=admin_person,
        admin_user_id=admin_user_id,
        admin_user_token=admin_token.token,
    )
    agency_assignees = [ag["admin_su"].id, ag["employee_su"].id, *agency_people[2:]]
    # Roles on the agency's app (seed 002: administrator, developer, tester, analyst).
    for user_id, role in zip(
        agency_people, ("administrators", "developers", "insights users"), strict=False
    ):
        world.add_app_role(app.id, world.business_users[user_id].person_id, role)

    # The agency's own assets.
    own = [
        world.add_asset("ad_account", agency.id, "Northwind - Internal Brand"),
        world.add_asset("ad_account", agency.id, "Northwind - New Business Tests"),
        world.add_asset("page", agency.id, "Northwind Media"),
        world.add_asset("pixel", agency.id, "northwindmedia.example Pixel"),
        world.add_asset("catalog", agency.id, "Northwind Showcase Catalog"),
    ]
    for asset in own:
        world.assign(asset.id, ag["admin_su"].id, TASKS_BY_KIND[asset.kind][0])
        world.assign(asset.id, agency_people[2], TASKS_BY_KIND[asset.kind][-1])
    world.add_asset_group(agency.id, "Northwind Internal", [a.id for a in own[:3]])

    clients = []
    for index, (name, verification, two_factor, enforced, slug) in enumerate(CLIENTS):
        client = world.add_business(
            name,
            verification_status=verification,
            two_factor_type=two_factor,
            vertical=["RETAIL", "RESTAURANT", "HEALTH"][index],
        )
        people = demo_people(world, client, slug, f"{slug}.example")
        su = world.add_system_user(client.id, f"{name.split()[0]} Automation", "ADMIN")
        made = demo_client_assets(world, client, name.replace(" Co.", ""))
        world.add_partner(agency.id, client.id)
        for kind, assets in made.items():
            for pos, asset in enumerate(assets):
                # Client-side grants: admins manage, employees get a lighter task set.
                if kind in TASKS_BY_KIND:
                    world.assign(asset.id, people[0], TASKS_BY_KIND[kind][0])
                    world.assign(asset.id, rng.choice(people[1:]), rng.choice(TASKS_BY_KIND[kind]))
                    if pos == 0:
                        world.assign(asset.id, su.id, TASKS_BY_KIND[kind][0])
                if kind not in AGENCY_GRANTS:
                    continue
                # Most assets are shared with the agency; the last of each kind is still pending.
                pending = pos == len(assets) - 1 and len(assets) > 1
                world.share_asset(
                    asset.id,
                    agency.id,
                    AGENCY_GRANTS[kind],
                    status="PENDING" if pending else "CONFIRMED",
                )
                if not pending and kind in TASKS_BY_KIND:
                    world.assign(asset.id, rng.choice(agency_assignees), _agency_tasks(kind, rng))
        group = world.add_asset_group(
            client.id,
            f"{name} - Paid Social",
            [
                made["ad_account"][0].id,
                made["ad_account"][1].id,
                made["page"][0].id,
                made["pixel"][0].id,
                made["catalog"][0].id,
            ],
        )
        world.assign_group(
            group.id,
            people[1],
            {
                "adaccount_tasks": ["ADVERTISE"],
                "page_tasks": ["ADVERTISE"],
                "pixel_tasks": ["ANALYZE"],
            },
        )
        if enforced:
            world.set_two_factor_enforced(client.id, True)
        # The first market runs ads (live); the others are paused.
        insights.set_activity(
            world, made["ad_account"][0].id, active=3, paused=1, spend_7d="1843.27"
        )
        for paused in made["ad_account"][1:]:
            insights.set_activity(world, paused.id, paused=2)
        clients.append(_client_creds(world, client, app, people[0], connected=True))
    # One more invitation pending on a client.
    world.invite(clients[0]["business_id"], "new.hire@acme.example", "EMPLOYEE")

    # A business that exists in Meta but has no relationship with the agency yet.
    delta = world.add_business(
        "Delta Ridge Fitness", verification_status="verified", vertical="HEALTH"
    )
    delta_people = demo_people(world, delta, "deltaridge", "deltaridge.example")
    made = demo_client_assets(world, delta, "Delta Ridge")
    for assets in made.values():
        for asset in assets:
            if asset.kind in TASKS_BY_KIND:
                world.assign(asset.id, delta_people[0], TASKS_BY_KIND[asset.kind][0])
    unconnected = _client_creds(world, delta, app, delta_people[0], connected=False)

    world.credentials = _flat(
        {"agency": ag["creds"], "clients": clients, "unconnected_client": unconnected}
    )
    return world


def _agency_tasks(kind: str, rng: random.Random) -> list[str]:
    granted = set(AGENCY_GRANTS[kind])
    options = [t for t in TASKS_BY_KIND[kind] if set(t) <= granted]
    return rng.choice(options)


# --- generated ---------------------------------------------------------------------------------

KIND_WEIGHTS = [
    ("ad_account", 30),
    ("page", 20),
    ("pixel", 17),  # incl. datasets for offline events
    ("instagram_account", 10),
    ("custom_conversion", 10),
    ("catalog", 8),
    ("app", 5),
]


def generated(assets: int = 500, people: int = 50, clients: int = 3, seed: int = 1) -> World:
    """An agency plus ``clients`` clients with ``assets`` assets and ``people`` business users
    in total (the agency's developer app counts as one asset)."""
    world = World(seed=seed)
    rng = random.Random(seed)
    ag = _agency(world, "Northwind Media", None)
    agency: Business = ag["business"]
    app: Asset = ag["app"]
    client_list = [
        world.add_business(
            f"Client {i + 1:03d} Holdings",
            verification_status=rng.choice(["verified", "not_verified", "pending"]),
            vertical="RETAIL",
        )
        for i in range(clients)
    ]
    for client in client_list:
        world.add_partner(agency.id, client.id)
    owners = [agency, *client_list]

    # People: at least one admin per business, the rest spread round-robin.
    members: dict[str, list[str]] = {b.id: [] for b in owners}
    for i in range(people):
        biz = owners[i % len(owners)]
        role = "ADMIN" if not members[biz.id] else rng.choice(["ADMIN", "EMPLOYEE", "EMPLOYEE"])
        user = world.add_business_user(
            biz.id, f"Person {i + 1:04d}", role, f"person{i + 1:04d}@{biz.id}.example"
        )
        members[biz.id].append(user.id)
    members[agency.id] += [ag["admin_su"].id, ag["employee_su"].id]

    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    ad_accounts: dict[str, list[Asset]] = {b.id: [] for b in owners}
    pixels: dict[str, list[Asset]] = {b.id: [] for b in owners}
    for i in range(max(0, assets - 1)):
        owner = agency if rng.random() < 0.1 or not client_list else rng.choice(client_list)
        kind = rng.choices(kinds, weights)[0]
        if kind == "custom_conversion" and not ad_accounts[owner.id]:
            kind = "ad_account"
        name = f"{owner.name.split()[0]} {owner.name.split()[1]} {kind} {i + 1:05d}"
        if kind == "app":
            asset = world.add_app(owner.id, name, rng.choice(["standard", "advanced"]))
        elif kind == "custom_conversion":
            asset = world.add_asset(
                kind,
                owner.id,
                name,
                ad_account_id=rng.choice(ad_accounts[owner.id]).id,
                pixel_id=rng.choice(pixels[owner.id]).id if pixels[owner.id] else None,
            )
        else:
            asset = world.add_asset(kind, owner.id, name)
        if kind == "ad_account":
            ad_accounts[owner.id].append(asset)
        if kind == "pixel":
            pixels[owner.id].append(asset)
        shared = owner.id != agency.id and kind in AGENCY_GRANTS and rng.random() < 0.8
        if shared:
            status = "CONFIRMED" if rng.random() < 0.9 else "PENDING"
            world.share_asset(asset.id, agency.id, AGENCY_GRANTS[kind], status=status)
        if kind in TASKS_BY_KIND:
            pool = members[owner.id]
            for user_id in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                world.assign(asset.id, user_id, rng.choice(TASKS_BY_KIND[kind]))
            if shared and status == "CONFIRMED":
                world.assign(asset.id, rng.choice(members[agency.id]), _agency_tasks(kind, rng))

    client_creds = []
    for client in client_list:
        admin_id = (
            members[client.id][0]
            if members[client.id]
            else world.add_business_user(client.id, f"{client.name} Admin", "ADMIN").id
        )
        client_creds.append(_client_creds(world, client, app, admin_id, connected=True))
    agency_admin = members[agency.id][0]
    if agency_admin in world.business_users:
        person = world.business_users[agency_admin].person_id
        token = world.issue_token(person, app.id, None, "USER", 60 * 24 * 3600)
        ag["creds"].update(
            admin_person_id=person, admin_user_id=agency_admin, admin_user_token=token.token
        )
    world.credentials = _flat({"agency": ag["creds"], "clients": client_creds})
    return world
