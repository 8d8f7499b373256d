from __future__ import annotations

from dataclasses import dataclass

import pytest

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.developer_apps import developer_app_register
from businesses.models import Business
from sandbox.server import SandboxServer
from sync.run import business_sync
from tests.factories import BusinessFactory, DeveloperAppFactory, StaffFactory

ACCOUNT_MANAGER = "Account manager"


@dataclass
class Cast:
    """The small named cast most tests share: an agency, two clients, two staff members, each
    assigned to one client (healthchecks' alice/bob habit)."""

    agency: Business
    client_a: Business
    client_b: Business
    alice: object  # account manager on client A
    bob: object  # account manager on client B


@pytest.fixture
def cast(db) -> Cast:
    app = DeveloperAppFactory(name="Northwind app")
    agency = BusinessFactory(name="Northwind Media", is_agency=True, app=app)
    app.owner_business = agency
    app.save()
    client_a = BusinessFactory(name="Acme Outdoor", app=app)
    client_b = BusinessFactory(name="Birch Bakery", app=app)
    alice = StaffFactory(username="alice", group=ACCOUNT_MANAGER, businesses=[client_a])
    bob = StaffFactory(username="bob", group=ACCOUNT_MANAGER, businesses=[client_b])
    return Cast(agency=agency, client_a=client_a, client_b=client_b, alice=alice, bob=bob)


@pytest.fixture
def acme_synced(db, settings):
    """Acme Outdoor (the demo world's first client) connected with its admin's user token and
    synced once, in a sandbox of its own: (sandbox server, business)."""
    with SandboxServer() as server:
        settings.META_GRAPH_URL = server.base_url
        creds = server.credentials
        app, _ = developer_app_register(
            app_meta_id=creds["app_id"],
            name="Agency app",
            access_level="standard",
            secret=creds["app_secret"],
            actor=Actor.system(),
        )
        business = business_connect(
            business_meta_id=creds["clients"][0]["business_id"],
            app=app,
            token=creds["clients"][0]["admin_user_token"],
            actor=Actor.system(),
        )
        business_sync(business_id=business.pk, actor=Actor.system())
        yield server, business
