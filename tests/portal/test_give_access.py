"""Journey 4: a new media buyer gets "media buyer" on three ad accounts and two pages of one
client; the portal pushes it, reads it back, and shows it applied."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Asset, Grant, PushState
from businesses.actors import Actor
from businesses.apps_service import developer_app_register
from businesses.connect import business_connect
from businesses.models import BusinessUser, StaffAssignment
from businesses.sync import business_sync
from sandbox.server import SandboxServer


@pytest.fixture
def acme(db, settings, admin_user):
    with SandboxServer() as sandbox:
        settings.META_GRAPH_URL = sandbox.base_url
        creds = sandbox.credentials
        app, _ = developer_app_register(
            app_meta_id=creds["app_id"],
            name="Agency app",
            access_level="standard",
            secret=creds["app_secret"],
            actor=Actor.system(),
        )
        client = creds["clients"][0]
        business = business_connect(
            business_meta_id=client["business_id"],
            app=app,
            token=client["admin_user_token"],
            actor=Actor.system(),
        )
        business_sync(business_id=business.pk, actor=Actor.system())
        yield sandbox, business


def _choices(business):
    employee = BusinessUser.objects.filter(
        business=business, role="EMPLOYEE", status="active"
    ).first()
    ad_accounts = list(
        Asset.objects.filter(owner_business=business, kind="ad_account").order_by("pk")[:3]
    )
    pages = list(Asset.objects.filter(owner_business=business, kind="page").order_by("pk")[:2])
    return employee, ad_accounts + pages


def test_giving_media_buyer_on_five_assets_pushes_and_reads_back_each(
    client, admin_user, acme, django_capture_on_commit_callbacks
):
    sandbox, business = acme
    employee, assets = _choices(business)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:give_access", args=[business.pk]),
            {
                "holder": f"p{employee.pk}",
                "preset": "media_buyer",
                "assets": [a.pk for a in assets],
            },
        )
    assert response.status_code == 302
    grants = Grant.objects.filter(person=employee, asset__in=assets, asset_group__isnull=True)
    assert grants.count() == 5
    assert {g.push_state for g in grants} == {PushState.IN_SYNC}
    for grant in grants:
        assert {"ADVERTISE", "ANALYZE"} <= set(grant.applied_tasks)
        in_meta = sandbox.world.assets[grant.asset.meta_id].assigned[employee.meta_id]
        assert {"ADVERTISE", "ANALYZE"} <= set(in_meta)
    result = client.get(response.url).content.decode()
    assert result.count("Applied") >= 5


def test_choosing_no_asset_is_refused_by_field_and_nothing_is_saved(client, admin_user, acme):
    _sandbox, business = acme
    employee, _assets = _choices(business)
    client.force_login(admin_user)
    before = Grant.objects.count()
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {"holder": f"p{employee.pk}", "preset": "media_buyer"},
    )
    assert response.status_code == 200
    assert "Assets: choose at least one." in response.content.decode()
    assert Grant.objects.count() == before


def test_a_holder_from_another_business_is_refused(client, admin_user, acme):
    _sandbox, business = acme
    _employee, assets = _choices(business)
    stranger = BusinessUser.objects.exclude(business=business).filter(meta_id__isnull=False).first()
    client.force_login(admin_user)
    holder = f"p{stranger.pk}" if stranger else "p999999"
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {"holder": holder, "preset": "media_buyer", "assets": [assets[0].pk]},
    )
    assert response.status_code == 200
    assert "Who" in response.content.decode()


def test_staff_not_assigned_to_the_client_get_a_404(client, acme, django_user_model):
    _sandbox, business = acme
    outsider = django_user_model.objects.create_user("outsider", password="x", is_staff=True)
    outsider.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="add_grant")
    )
    client.force_login(outsider)
    assert client.get(reverse("portal:give_access", args=[business.pk])).status_code == 404
    StaffAssignment.objects.create(user=outsider, business=business)
    assert client.get(reverse("portal:give_access", args=[business.pk])).status_code == 200
