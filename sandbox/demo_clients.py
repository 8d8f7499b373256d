"""The demo's clients: who they are, the people in each and the assets each owns."""

from __future__ import annotations

from .entities import Asset, Business
from .world import World

CLIENTS = [
    # name, verification, two_factor_type, 2FA enforced, slug
    ("Acme Outdoor Co.", "verified", "none", False, "acme"),
    ("Blue Harbor Foods", "not_verified", "admin_required", False, "blueharbor"),
    ("Cedar & Pine Dental", "verified", "all_required", True, "cedarpine"),
]
PEOPLE = {
    "acme": [
        ("Olivia Park", "ADMIN"),
        ("Marcus Lee", "ADMIN"),
        ("Priya Shah", "EMPLOYEE"),
        ("Tom Becker", "EMPLOYEE"),
    ],
    "blueharbor": [("Hannah Cole", "ADMIN"), ("Diego Ruiz", "EMPLOYEE"), ("Grace Kim", "EMPLOYEE")],
    "cedarpine": [("Samuel Ortiz", "ADMIN"), ("Nora Blake", "EMPLOYEE")],
    "deltaridge": [("Iris Novak", "ADMIN"), ("Leo Grant", "EMPLOYEE")],
    "agency": [
        ("Alice Morgan", "ADMIN"),
        ("Ben Carter", "ADMIN"),
        ("Chloe Diaz", "EMPLOYEE"),
        ("Daniel Wu", "EMPLOYEE"),
        ("Emma Fischer", "EMPLOYEE"),
    ],
}


def demo_people(world: World, business: Business, slug: str, domain: str) -> list[str]:
    ids = []
    for name, role in PEOPLE[slug]:
        email = ".".join(name.lower().split()) + "@" + domain
        ids.append(world.add_business_user(business.id, name, role, email).id)
    return ids


def demo_client_assets(world: World, client: Business, short: str) -> dict[str, list[Asset]]:
    made: dict[str, list[Asset]] = {}
    markets = ["US", "CA", "UK", "DE", "FR", "AU"]
    made["ad_account"] = [
        world.add_asset("ad_account", client.id, f"{short} - {m} Prospecting") for m in markets
    ]
    made["page"] = [
        world.add_asset("page", client.id, f"{short}{suffix}", category=cat)
        for suffix, cat in (
            ("", "Brand"),
            (" Careers", "Company"),
            (" Support", "Company"),
            (" Deals", "Shopping & Retail"),
        )
    ]
    made["pixel"] = [
        world.add_asset("pixel", client.id, f"{short} {site} Pixel")
        for site in ("Website", "Shop", "Blog")
    ]
    made["catalog"] = [
        world.add_asset("catalog", client.id, f"{short} {c} Catalog") for c in ("Main", "Seasonal")
    ]
    made["instagram_account"] = [
        world.add_asset(
            "instagram_account",
            client.id,
            f"{short} IG {i}",
            username=short.lower().replace(" ", "").replace("&", "and") + s,
        )
        for i, s in ((1, ""), (2, "_deals"))
    ]
    # Offline (in-store) events go to a dataset, i.e. a pixel, since the Offline Conversions
    # API was discontinued (SDK v20 dropped Business.offline_conversion_data_sets).
    made["pixel"].append(world.add_asset("pixel", client.id, f"{short} Stores (offline events)"))
    made["app"] = [world.add_app(client.id, f"{short} Shop App", "standard")]
    made["custom_conversion"] = [
        world.add_asset(
            "custom_conversion",
            client.id,
            f"{short} {event.title()}",
            ad_account_id=made["ad_account"][i].id,
            pixel_id=made["pixel"][0].id,
            custom_event_type=event,
        )
        for i, event in enumerate(("PURCHASE", "LEAD", "ADD_TO_CART"))
    ]
    return made
