"""Portal fixtures: the shared cast with some data, and a connected agency in a sandbox world."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assets.models import AssetAccess, AssetKind
from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.models import AccessToken, Business, DeveloperApp
from businesses.services import token_store
from core.moves import moved_models_follow
from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from tests.factories import AssetFactory, GrantFactory, PersonFactory, SystemUserFactory


@pytest.fixture
def stocked(cast):
    """Each client of the cast with an ad account, a person with a grant, a system user and a
    connection token."""
    for business in (cast.client_a, cast.client_b):
        asset = AssetFactory(
            owner_business=business, kind=AssetKind.AD_ACCOUNT, name=f"{business.name} - US"
        )
        person = PersonFactory(
            business=business, name=f"Owner of {business.name}", email=f"{business.pk}@x.example"
        )
        GrantFactory(asset=asset, person=person, business=business)
        SystemUserFactory(business=business, slot=1)
        AssetAccess.objects.get_or_create(
            asset=asset,
            business=cast.agency,
            defaults={"access_type": "AGENCY", "permitted_tasks": ["ADVERTISE", "ANALYZE"]},
        )
        token_store(
            token="EAAB" + "y" * 40 + business.meta_id[-4:],
            kind=AccessToken.Kind.SYSTEM_USER,
            business=business,
            scopes=["ads_management", "business_management"],
            actor=Actor.system(),
        )
    return cast


@dataclass
class Connected:
    sandbox: object
    agency: Business
    app: DeveloperApp
    creds: dict


@pytest.fixture
def connected(sandbox, settings, db) -> Connected:  # noqa: F811 (pytest fixture injection)
    """The demo world's agency, registered and connected like on the first day (journey 1)."""
    settings.META_GRAPH_URL = sandbox.base_url
    settings.META_OAUTH_DIALOG_URL = sandbox.base_url  # its stand-in of the Login dialog
    creds = sandbox.credentials
    app = DeveloperApp(meta_id=creds["app_id"], name="Northwind BM Portal")
    app.set_secret(creds["app_secret"])
    app.save()
    agency = business_connect(
        business_meta_id=creds["agency_business_id"],
        app=app,
        token=creds["admin_system_user_token"],
        actor=Actor.system("test"),
        is_agency=True,
        name="Northwind Media",
    )
    app.refresh_from_db()
    return Connected(sandbox=sandbox, agency=agency, app=app, creds=creds)


@pytest.fixture
def staff_groups(transactional_db) -> None:
    """Transactional tests flush the tables between tests, the migrations' data too: make the
    staff groups and the task vocabulary again the way the migrations do (both idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("businesses.migrations.0003_staff_groups").create_groups(apps, None)
    importlib.import_module("businesses.migrations.0005_staff_group_permissions").grant(apps, None)
    # The models that moved to the sync and onboarding apps: the groups' permissions on them.
    for app_label, models in (
        ("sync", ("syncrun", "driftevent")),
        ("onboarding", ("onboarding", "onboardingstep")),
    ):
        moved_models_follow(
            apps,
            from_app="businesses",
            to_app=app_label,
            models=models,
            global_app_config=apps.get_app_config(app_label),
        )
    importlib.import_module("assets.migrations.0003_task_vocabulary").seed(apps, None)
