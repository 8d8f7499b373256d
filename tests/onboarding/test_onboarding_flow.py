"""Onboarding against the sandbox: both methods end to end through the wizard's pages, the
status page, resuming without repeating anything, and the cap checked before Meta."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assets.models import Grant
from businesses.models import AccessToken, Business, PartnerRelationship, StaffAssignment
from onboarding.models import Onboarding, OnboardingStep
from systemusers.models import SystemUser
from tests.factories import StaffFactory, SystemUserFactory

# Real commits: the run is queued with on_commit and runs eagerly. The migrations' data
# (groups, task presets) is made again by the staff_groups fixture.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def manager(connected, staff_groups):
    return StaffFactory(username="carol", group="Account manager", businesses=[])


def _errors(response) -> str:
    page = response.content.decode()
    return (
        " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))
        or page[-1500:]
    )


def _wizard(client, connected, *, method, token="", items=None):
    """Walk the four steps. Delta Ridge has no link to the agency, so Meta shows it only to its
    own admins: with a token the id is checked with it; without one the client first sent the
    agency a partner request, so the agency sees it."""
    delta = connected.creds["unconnected_client"]
    if not token:
        connected.sandbox.world.add_partner(
            connected.agency.meta_id, delta["business_id"], status="PENDING"
        )
    response = client.post(
        reverse("portal:onboarding_new"),
        {
            "name": "Delta Ridge Fitness",
            "contact_name": "Iris Novak",
            "contact_email": "iris@deltaridge.example",
            "client_meta_id": delta["business_id"],
        },
    )
    assert response.status_code == 302, _errors(response)
    onboarding = Onboarding.objects.get()
    response = client.post(
        reverse("portal:onboarding_method", args=[onboarding.pk]),
        {"method": method, "client_admin_token": token},
    )
    assert response.status_code == 302, _errors(response)
    items = items or {"ad_account_preset": "media_buyer", "page_preset": "analyst"}
    response = client.post(reverse("portal:onboarding_assets", args=[onboarding.pk]), items)
    assert response.status_code == 302, _errors(response)
    response = client.post(reverse("portal:onboarding_review", args=[onboarding.pk]))
    assert response.status_code == 302, _errors(response)
    onboarding.refresh_from_db()
    return onboarding


def _steps(onboarding):
    return {s.key: s for s in onboarding.steps.all()}


def test_on_behalf_of_creates_the_relationship_system_user_token_and_grants(
    client, connected, manager
):
    client.force_login(manager)
    delta = connected.creds["unconnected_client"]
    onboarding = _wizard(client, connected, method="on_behalf_of", token=delta["admin_user_token"])
    steps = _steps(onboarding)
    assert onboarding.status == Onboarding.Status.DONE, {
        k: (s.status, s.message) for k, s in steps.items()
    }
    client_business = Business.objects.get(meta_id=delta["business_id"])
    system_user = SystemUser.objects.get(business=client_business, origin="on_behalf_of")
    assert system_user.status == SystemUser.Status.ACTIVE
    assert system_user.meta_id
    token = AccessToken.objects.get(business=client_business, purpose="connection", is_active=True)
    assert token.kind == AccessToken.Kind.SYSTEM_USER
    assert token.system_user == system_user
    assert PartnerRelationship.objects.get(client=client_business).origin == "on_behalf_of"
    # Every ad account got the media buyer tasks, read back from Meta.
    grants = Grant.objects.filter(system_user=system_user, asset__kind="ad_account")
    assert grants.count() == 6
    assert all({"ADVERTISE", "ANALYZE"} <= set(g.applied_tasks) for g in grants)
    # The creator now works on the client (else they could not see what they created).
    assert StaffAssignment.objects.filter(user=manager, business=client_business).exists()
    page = client.get(reverse("portal:onboarding_status", args=[onboarding.pk])).content.decode()
    assert "Done" in page
    assert delta["admin_user_token"] not in page


def test_the_status_json_lists_every_step(client, connected, manager):
    client.force_login(manager)
    delta = connected.creds["unconnected_client"]
    onboarding = _wizard(client, connected, method="on_behalf_of", token=delta["admin_user_token"])
    data = client.get(reverse("portal:onboarding_status_json", args=[onboarding.pk])).json()
    assert data["finished"] is True
    assert {s["key"] for s in data["steps"]} >= {"managed_business", "system_user", "partner"}
    assert all(s["status"] == "done" for s in data["steps"])


def test_on_behalf_of_without_a_token_waits_then_the_login_callback_finishes_it(
    client, connected, manager
):
    client.force_login(manager)
    onboarding = _wizard(client, connected, method="on_behalf_of")
    assert onboarding.status == Onboarding.Status.WAITING
    assert "Waiting for a client admin" in _steps(onboarding)["managed_business"].message
    # The client's admin logs in through the link; Meta sends them back with a code.
    delta = connected.creds["unconnected_client"]
    redirect_uri = "http://testserver" + reverse("portal:oauth_callback")
    code = connected.sandbox.world.mint_login_code(
        delta["admin_person_id"], connected.app.meta_id, redirect_uri
    )
    client.logout()  # the client's admin is not a portal user
    response = client.get(
        reverse("portal:oauth_callback"), {"code": code, "state": onboarding.oauth_state}
    )
    assert response.status_code == 200, response.content.decode()
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.DONE
    assert onboarding.login_token.purpose == AccessToken.Purpose.LOGIN


def test_the_login_callback_refuses_an_unknown_state(client, connected, manager):
    response = client.get(reverse("portal:oauth_callback"), {"code": "AQxyz", "state": "nope"})
    assert response.status_code == 400
    assert "already been used or has expired" in response.content.decode()


def test_client_grant_waits_until_the_client_logs_in_then_shares_what_they_tick(
    client, connected, manager
):
    client.force_login(manager)
    onboarding = _wizard(client, connected, method="client_grant")
    assert onboarding.status == Onboarding.Status.WAITING
    page = client.get(reverse("portal:onboarding_status", args=[onboarding.pk])).content.decode()
    assert "dialog/oauth?client_id=" in page
    delta = connected.creds["unconnected_client"]
    redirect_uri = "http://testserver" + reverse("portal:oauth_callback")
    code = connected.sandbox.world.mint_login_code(
        delta["admin_person_id"], connected.app.meta_id, redirect_uri
    )
    client.logout()  # the client's admin is not a portal user
    response = client.get(
        reverse("portal:oauth_callback"), {"code": code, "state": onboarding.oauth_state}
    )
    assert response.status_code == 302
    page = client.get(reverse("portal:client_share")).content.decode()
    world = connected.sandbox.world
    ad_accounts = [
        a
        for a in world.assets.values()
        if a.owner_id == delta["business_id"] and a.kind == "ad_account"
    ]
    pages = [
        a for a in world.assets.values() if a.owner_id == delta["business_id"] and a.kind == "page"
    ]
    assert all(a.name in page for a in ad_accounts + pages)
    picks = [f"ad_account:{a.id}" for a in ad_accounts[:2]] + [f"page:{pages[0].id}"]
    response = client.post(
        reverse("portal:client_share"), {"business": delta["business_id"], "asset": picks}
    )
    assert response.status_code == 200
    assert "Shared with Northwind Media" in response.content.decode()
    onboarding.refresh_from_db()
    steps = _steps(onboarding)
    asset_steps = [s for s in steps.values() if s.key.startswith("asset:")]
    assert len(asset_steps) == 3  # only what was ticked
    # Without a partner relationship Meta asks an admin to approve each share first.
    assert {s.status for s in asset_steps} == {"pending"}
    assert "to accept it in Meta" in asset_steps[0].message
    for step in asset_steps:
        world.approve_access(step.asset_meta_id, connected.agency.meta_id)
    client.force_login(manager)
    client.post(reverse("portal:onboarding_retry", args=[onboarding.pk]))
    onboarding.refresh_from_db()
    steps = _steps(onboarding)
    assert onboarding.status == Onboarding.Status.DONE, {
        k: (s.status, s.message) for k, s in steps.items()
    }
    client_business = Business.objects.get(meta_id=delta["business_id"])
    relationship = PartnerRelationship.objects.get(client=client_business)
    assert (relationship.origin, relationship.status) == ("client_grant", "active")


def test_resuming_repeats_no_step_that_is_done(client, connected, manager):
    client.force_login(manager)
    onboarding = _wizard(client, connected, method="on_behalf_of")
    before = {s.key: s.attempts for s in onboarding.steps.all()}
    onboarding.steps.filter(key="sync").update(status="done")
    client.post(reverse("portal:onboarding_retry", args=[onboarding.pk]))
    after = {s.key: s.attempts for s in onboarding.steps.all()}
    assert after["sync"] == before["sync"]
    assert after["managed_business"] == before["managed_business"] + 1


def test_a_full_system_user_cap_refuses_on_behalf_of_before_calling_meta(
    client, connected, manager
):
    delta = connected.creds["unconnected_client"]
    existing = Business.objects.create(
        meta_id=delta["business_id"], name="Delta Ridge Fitness", app=connected.app
    )
    SystemUserFactory(business=existing, role="EMPLOYEE", status="retired", slot=1)
    calls_before = len(connected.sandbox.requests)
    client.force_login(manager)
    with pytest.raises(AssertionError):
        _wizard(client, connected, method="on_behalf_of", token=delta["admin_user_token"])
    onboarding = Onboarding.objects.get()
    response = client.post(reverse("portal:onboarding_review", args=[onboarding.pk]))
    page = response.content.decode()
    assert "Cannot create another system user" in page
    assert "retired" in page
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.DRAFT
    assert not OnboardingStep.objects.exists()
    # Nothing reached Meta's write endpoints: only the wizard's reads (lookup, debug_token).
    posts = [
        r for r in connected.sandbox.requests.snapshot()[calls_before:] if r["method"] == "POST"
    ]
    assert posts == []


def test_client_grant_keeps_what_the_agency_was_already_permitted_on_an_asset(
    client, connected, manager
):
    world = connected.sandbox.world
    delta = connected.creds["unconnected_client"]
    page_id = next(
        a.id
        for a in world.assets.values()
        if a.owner_id == delta["business_id"] and a.kind == "page"
    )
    # The client once shared this page with the agency to advertise; the preset asks analyst.
    world.share_asset(page_id, connected.agency.meta_id, ["ADVERTISE", "ANALYZE"])
    client.force_login(manager)
    onboarding = _wizard(client, connected, method="client_grant")
    redirect_uri = "http://testserver" + reverse("portal:oauth_callback")
    code = world.mint_login_code(delta["admin_person_id"], connected.app.meta_id, redirect_uri)
    client.get(reverse("portal:oauth_callback"), {"code": code, "state": onboarding.oauth_state})
    permitted = world.assets[page_id].access[connected.agency.meta_id].permitted_tasks
    assert {"ADVERTISE", "ANALYZE"} <= set(permitted)
