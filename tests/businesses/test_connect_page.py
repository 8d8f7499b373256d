"""Journey 1 in the admin: connect a Business Manager with a token checked against Meta."""

from __future__ import annotations

import pytest
from django.urls import reverse

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.developer_apps import developer_app_register
from businesses.models import AccessToken, AuditEvent, Business, StaffAssignment
from sandbox.server import SandboxServer
from sync.models import SyncRun
from tests.conftest import ACCOUNT_MANAGER
from tests.factories import StaffFactory


@pytest.fixture
def sandbox(db, settings):
    with SandboxServer() as server:
        settings.META_GRAPH_URL = server.base_url
        yield server


@pytest.fixture
def app(sandbox):
    creds = sandbox.credentials
    registered, _ = developer_app_register(
        app_meta_id=creds["app_id"],
        name="Agency app",
        access_level="standard",
        secret=creds["app_secret"],
        actor=Actor.system(),
    )
    return registered


def _connect(client, **data):
    return client.post(reverse("admin:businesses_business_connect"), data)


def test_connecting_the_agency_stores_the_token_and_queues_the_first_sync(
    client, admin_user, sandbox, app, django_capture_on_commit_callbacks
):
    creds = sandbox.credentials
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _connect(
            client,
            business_meta_id=creds["agency_business_id"],
            app=app.pk,
            token=creds["admin_system_user_token"],
            is_agency="on",
        )
    assert response.status_code == 302
    business = Business.objects.get(meta_id=creds["agency_business_id"])
    assert business.is_agency
    token = AccessToken.objects.get(business=business, is_active=True)
    assert token.reveal() == creds["admin_system_user_token"]
    assert token.never_expires and "business_management" in token.scopes
    assert SyncRun.objects.filter(business=business, status="queued").exists()
    assert len(callbacks) == 1


def test_a_token_meta_rejects_is_refused_on_the_token_field_and_nothing_is_saved(
    client, admin_user, sandbox, app
):
    client.force_login(admin_user)
    response = _connect(
        client,
        business_meta_id=sandbox.credentials["agency_business_id"],
        app=app.pk,
        token="EAAB" + "n" * 60,
    )
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    assert not Business.objects.exists()
    assert "EAAB" + "n" * 60 not in response.content.decode()


def test_a_business_id_with_letters_is_refused_before_meta_is_asked(
    client, admin_user, sandbox, app
):
    client.force_login(admin_user)
    before = len(sandbox.requests)
    response = _connect(client, business_meta_id="12ab", app=app.pk, token="EAAB" + "n" * 60)
    assert "business_meta_id" in response.context["form"].errors
    assert len(sandbox.requests) == before


def test_the_business_page_shows_the_token_masked_and_the_cap_meter(
    client, admin_user, sandbox, app
):
    creds = sandbox.credentials
    business = business_connect(
        business_meta_id=creds["agency_business_id"],
        app=app,
        token=creds["admin_system_user_token"],
        actor=Actor.system(),
    )
    client.force_login(admin_user)
    body = client.get(
        reverse("admin:businesses_business_change", args=[business.pk])
    ).content.decode()
    assert "…" + creds["admin_system_user_token"][-4:] in body
    assert creds["admin_system_user_token"] not in body
    assert "system users 0 of 1, admin 0 of 1 — Limited (formerly Standard) access" in body


def test_a_staff_member_who_connects_a_business_is_assigned_to_it_with_an_audit_row(
    client, sandbox, app
):
    creds = sandbox.credentials
    carol = StaffFactory(username="carol", group=ACCOUNT_MANAGER)
    client.force_login(carol)
    response = _connect(
        client,
        business_meta_id=creds["agency_business_id"],
        app=app.pk,
        token=creds["admin_system_user_token"],
    )
    assert response.status_code == 302
    business = Business.objects.get(meta_id=creds["agency_business_id"])
    assignment = StaffAssignment.objects.get(user=carol, business=business)
    event = AuditEvent.objects.get(action="staffassignment.create")
    assert (event.target_type, event.target_id) == (
        "businesses.staffassignment",
        str(assignment.pk),
    )
    assert (event.business, event.actor) == (business, carol)


def test_a_superuser_who_connects_a_business_is_not_assigned_to_it(
    client, admin_user, sandbox, app
):
    creds = sandbox.credentials
    client.force_login(admin_user)
    _connect(
        client,
        business_meta_id=creds["agency_business_id"],
        app=app.pk,
        token=creds["admin_system_user_token"],
    )
    assert Business.objects.filter(meta_id=creds["agency_business_id"]).exists()
    assert not StaffAssignment.objects.exists()
    assert not AuditEvent.objects.filter(action="staffassignment.create").exists()


def test_reconnecting_keeps_the_one_assignment_and_audits_it_once(sandbox, app):
    creds = sandbox.credentials
    carol = StaffFactory(username="carol", group=ACCOUNT_MANAGER)
    for _ in range(2):
        business_connect(
            business_meta_id=creds["agency_business_id"],
            app=app,
            token=creds["admin_system_user_token"],
            actor=Actor.staff(carol),
            staff=carol,
        )
    assert StaffAssignment.objects.filter(user=carol).count() == 1
    assert AuditEvent.objects.filter(action="staffassignment.create").count() == 1
