from __future__ import annotations

from dataclasses import dataclass

import pytest

from businesses.models import Business
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
