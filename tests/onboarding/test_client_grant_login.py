"""Onboarding without tokens or typed ids (issue 9, items 8 and 9): the Login link is
single-use and expiring, the client's page lists their own assets read with their login and
shares only what they tick, On Behalf Of picks from the client's assets, and the review step
says beforehand what Meta will refuse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from businesses.advisor import BY_SLUG
from businesses.models import AccessLevel, Business
from onboarding.models import Onboarding
from onboarding.services import onboarding_preflight, repeated_failures
from tests.factories import StaffFactory, SystemUserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CALLBACK = "http://testserver/admin/portal/oauth/callback/"


@pytest.fixture
def manager(connected, staff_groups):
    return StaffFactory(username="carol", group="Account manager", businesses=[])


@pytest.fixture
def delta(connected):
    return connected.creds["unconnected_client"]


def _draft(client, *, method, bm_id="", items=None, token=""):
    response = client.post(
        reverse("portal:onboarding_new"), {"name": "Delta Ridge Fitness", "client_meta_id": bm_id}
    )
    assert response.status_code == 302, response.content.decode()[-800:]
    onboarding = Onboarding.objects.get()
    response = client.post(
        reverse("portal:onboarding_method", args=[onboarding.pk]),
        {"method": method, "client_admin_token": token},
    )
    assert response.status_code == 302, response.content.decode()[-800:]
    if items is not None:
        response = client.post(reverse("portal:onboarding_assets", args=[onboarding.pk]), items)
        assert response.status_code == 302, response.content.decode()[-800:]
    onboarding.refresh_from_db()
    return onboarding


def _submit(client, onboarding):
    response = client.post(reverse("portal:onboarding_review", args=[onboarding.pk]))
    assert response.status_code == 302, response.content.decode()[-800:]
    onboarding.refresh_from_db()
    return onboarding


def _login(client, connected, person_id, state):
    code = connected.sandbox.world.mint_login_code(person_id, connected.app.meta_id, CALLBACK)
    return client.get(reverse("portal:oauth_callback"), {"code": code, "state": state})


def _owned(connected, business_id, kind):
    world = connected.sandbox.world
    return [a for a in world.assets.values() if a.owner_id == business_id and a.kind == kind]


# --- the Login link ---------------------------------------------------------------------


def test_the_login_link_works_once(client, connected, manager, delta):
    client.force_login(manager)
    onboarding = _draft(client, method="on_behalf_of", bm_id=delta["business_id"])
    state = onboarding.oauth_state
    client.logout()
    assert _login(client, connected, delta["admin_person_id"], state).status_code == 200
    onboarding.refresh_from_db()
    first_token = onboarding.login_token_id
    replay = _login(client, connected, delta["admin_person_id"], state)
    assert replay.status_code == 400
    assert "already been used or has expired" in replay.content.decode()
    onboarding.refresh_from_db()
    assert onboarding.login_token_id == first_token  # the replay replaced nothing


def test_the_login_link_expires(client, connected, manager, delta, time_machine):
    client.force_login(manager)
    onboarding = _draft(client, method="on_behalf_of", bm_id=delta["business_id"])
    time_machine.move_to(timezone.now() + timedelta(days=8))
    client.logout()
    response = _login(client, connected, delta["admin_person_id"], onboarding.oauth_state)
    assert response.status_code == 400
    onboarding.refresh_from_db()
    assert onboarding.login_token is None


def test_staff_get_a_new_link_once_the_old_one_is_spent(client, connected, manager, delta):
    client.force_login(manager)
    onboarding = _draft(client, method="on_behalf_of", bm_id=delta["business_id"])
    old = onboarding.oauth_state
    _login(client, connected, delta["admin_person_id"], old)
    client.force_login(manager)
    page = client.get(reverse("portal:onboarding_method", args=[onboarding.pk])).content.decode()
    new = re.search(r"state=([A-Za-z0-9_-]+)", page).group(1)
    assert new != old


def test_the_sandbox_login_dialog_sends_the_browser_back_with_a_code(client, connected):
    dialog = f"{connected.sandbox.base_url}/v25.0/dialog/oauth"
    params = {
        "client_id": connected.app.meta_id,
        "redirect_uri": CALLBACK,
        "scope": "business_management",
        "state": "s1",
    }
    page = requests.get(dialog, params=params, timeout=5)
    assert page.status_code == 200 and "Continue as Iris Novak" in page.text
    person = connected.creds["unconnected_client"]["admin_person_id"]
    answer = requests.post(
        dialog, data={**params, "person_id": person}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(CALLBACK + "?code=AQ")
    assert answer.headers["Location"].endswith("&state=s1")
    cancel = requests.post(dialog, data={**params, "cancel": "1"}, allow_redirects=False, timeout=5)
    assert "error=access_denied" in cancel.headers["Location"]


# --- client grants: the client's page ---------------------------------------------------


@pytest.fixture
def waiting_grant(client, connected, manager):
    """Submitted with no Business ID at all: the login tells us which Business Manager."""
    client.force_login(manager)
    onboarding = _draft(
        client,
        method="client_grant",
        items={"ad_account_preset": "media_buyer", "pixel_preset": "analyst"},
    )
    onboarding = _submit(client, onboarding)
    assert onboarding.status == Onboarding.Status.WAITING
    assert onboarding.client_business is None
    client.logout()
    return onboarding


def test_the_client_page_lists_their_own_assets_with_the_access_asked(
    client, connected, delta, waiting_grant
):
    response = _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    for asset in _owned(connected, delta["business_id"], "ad_account"):
        assert asset.name in page
    for asset in _owned(connected, delta["business_id"], "pixel"):
        assert asset.name in page
    assert "Manage campaigns, View performance" in page  # Business Settings' words
    assert "Acme" not in page  # only their Business Manager's assets


def test_the_client_shares_what_they_tick_and_the_business_id_is_learned(
    client, connected, delta, waiting_grant
):
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    ad_accounts = _owned(connected, delta["business_id"], "ad_account")
    picks = [f"ad_account:{a.id}" for a in ad_accounts[:2]]
    response = client.post(
        reverse("portal:client_share"), {"business": delta["business_id"], "asset": picks}
    )
    page = response.content.decode()
    assert "Shared with Northwind Media" in page
    assert ad_accounts[0].name in page and ad_accounts[2].name not in page
    world = connected.sandbox.world
    assert connected.agency.meta_id in world.assets[ad_accounts[0].id].access
    assert connected.agency.meta_id not in world.assets[ad_accounts[2].id].access
    waiting_grant.refresh_from_db()
    assert waiting_grant.client_meta_id == delta["business_id"]
    assert waiting_grant.client_business == Business.objects.get(meta_id=delta["business_id"])
    assert waiting_grant.steps.get(key="client_login").status == "done"
    assert waiting_grant.steps.filter(key__startswith="asset:").count() == 2
    # Confirming again shares nothing more.
    again = client.post(
        reverse("portal:client_share"), {"business": delta["business_id"], "asset": picks}
    )
    assert "Shared with Northwind Media" in again.content.decode()
    assert waiting_grant.steps.filter(key__startswith="asset:").count() == 2


def test_the_client_cannot_tick_an_asset_that_is_not_theirs(
    client, connected, delta, waiting_grant
):
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    acme = connected.creds["clients"][0]["business_id"]
    foreign = _owned(connected, acme, "ad_account")[0]
    response = client.post(
        reverse("portal:client_share"),
        {"business": delta["business_id"], "asset": [f"ad_account:{foreign.id}"]},
    )
    assert response.status_code == 400
    assert "not in your Business Manager" in response.content.decode()
    waiting_grant.refresh_from_db()
    assert waiting_grant.client_business is None


def test_the_client_page_needs_the_login(client, connected, waiting_grant):
    response = client.get(reverse("portal:client_share"))
    assert response.status_code == 400
    assert "fresh login" in response.content.decode()


def test_a_refusal_repeated_on_every_asset_is_said_once_with_the_count(
    client, connected, manager, delta, waiting_grant
):
    connected.sandbox.world.set_two_factor_enforced(delta["business_id"], True)
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    picks = [f"ad_account:{a.id}" for a in _owned(connected, delta["business_id"], "ad_account")]
    response = client.post(
        reverse("portal:client_share"), {"business": delta["business_id"], "asset": picks}
    )
    client_page = response.content.decode()  # the client's page says it once too
    assert client_page.count("Meta refused 6 assets for the same reason") == 1
    assert client_page.count("Complete two-factor authentication in Meta") == 1
    waiting_grant.refresh_from_db()
    steps = list(waiting_grant.steps.all())
    [repeated] = repeated_failures(steps)
    assert repeated.count == len(picks) == 6
    client.force_login(manager)
    page = client.get(reverse("portal:onboarding_status", args=[waiting_grant.pk])).content
    page = page.decode()
    assert page.count("Meta refused 6 assets for the same reason") == 1
    assert page.count("Complete two-factor authentication in Meta") == 1


def test_retry_says_what_it_did(client, connected, manager, delta):
    client.force_login(manager)
    onboarding = _submit(
        client,
        _draft(
            client,
            method="on_behalf_of",
            bm_id=delta["business_id"],
            items={"ad_account_preset": "analyst"},
        ),
    )
    response = client.post(reverse("portal:onboarding_retry", args=[onboarding.pk]), follow=True)
    page = response.content.decode()
    assert re.search(r"Checking \d+ waiting steps again; 0 steps already done left alone\.", page)


# --- On Behalf Of: staff pick the client's assets -------------------------------------------


def test_on_behalf_of_lists_the_clients_assets_to_pick_after_the_login(
    client, connected, manager, delta
):
    client.force_login(manager)
    onboarding = _draft(client, method="on_behalf_of", bm_id=delta["business_id"])
    page = client.get(reverse("portal:onboarding_assets", args=[onboarding.pk])).content.decode()
    assert "once its admin has logged in" in page
    client.logout()
    _login(client, connected, delta["admin_person_id"], onboarding.oauth_state)
    client.force_login(manager)
    page = client.get(reverse("portal:onboarding_assets", args=[onboarding.pk])).content.decode()
    pages = _owned(connected, delta["business_id"], "page")
    assert all(p.name in page for p in pages)
    response = client.post(
        reverse("portal:onboarding_assets", args=[onboarding.pk]),
        {"page_preset": "analyst", "page_assets": [pages[1].id]},
    )
    assert response.status_code == 302
    onboarding = _submit(client, onboarding)
    assert onboarding.status == Onboarding.Status.DONE, [
        (s.key, s.message) for s in onboarding.steps.all()
    ]
    [step] = onboarding.steps.filter(key__startswith="asset:")
    assert step.asset_meta_id == pages[1].id
    assert f"'{pages[1].name}'" in step.label and "Insights" in step.label


# --- pre-flight --------------------------------------------------------------------------


def _titles(onboarding):
    return [issue.title for issue in onboarding_preflight(onboarding)]


def test_preflight_says_the_client_requires_two_factor_authentication(client, connected, manager):
    client.force_login(manager)
    cedar = connected.creds["clients"][2]["business_id"]  # two_factor_type all_required
    Business.objects.filter(meta_id=cedar).delete()
    onboarding = _draft(
        client, method="client_grant", bm_id=cedar, items={"page_preset": "analyst"}
    )
    page = client.get(reverse("portal:onboarding_review", args=[onboarding.pk])).content.decode()
    assert "The client requires two-factor authentication for this change" in page
    assert "all_required" in page
    assert "The client must" in page


def test_preflight_names_the_tier_the_advisor_names(client, connected, manager, delta):
    client.force_login(manager)
    onboarding = _draft(
        client, method="on_behalf_of", bm_id=delta["business_id"], items={"page_preset": "analyst"}
    )
    [issue] = [i for i in onboarding_preflight(onboarding) if "access" in i.title]
    assert issue.title == "The agency's app has Limited (formerly Standard) access"
    assert BY_SLUG["on_behalf_of"].why in issue.why and issue.blocking
    advisor = client.get(reverse("portal:advisor"), {"use_case": "on_behalf_of"}).content
    assert "Full (formerly Advanced) access needed" in advisor.decode()
    connected.app.access_level = AccessLevel.ADVANCED
    connected.app.save()
    onboarding.refresh_from_db()
    assert not [t for t in _titles(onboarding) if "access" in t]


def test_preflight_warns_of_the_system_user_cap_and_pixels(client, connected, manager, delta):
    client.force_login(manager)
    existing = Business.objects.create(
        meta_id=delta["business_id"], name="Delta Ridge Fitness", app=connected.app
    )
    SystemUserFactory(business=existing, name="Old robot", status="retired", slot=1)
    onboarding = _draft(
        client, method="on_behalf_of", bm_id=delta["business_id"], items={"pixel_preset": "analyst"}
    )
    issues = {i.title: i for i in onboarding_preflight(onboarding)}
    cap = issues["The client's system-user cap is reached"]
    assert "'Old robot'" in cap.why and "retired ones still count" in cap.why
    assert "Pixels: no per-person removal through the API" in issues


def test_preflight_is_clear_when_nothing_stands_in_the_way(client, connected, manager, delta):
    connected.app.access_level = AccessLevel.ADVANCED
    connected.app.save()
    client.force_login(manager)
    acme = connected.creds["clients"][0]["business_id"]  # two_factor_type none
    Business.objects.filter(meta_id=acme).exclude(pk=connected.agency.pk).delete()
    onboarding = _draft(client, method="client_grant", bm_id=acme, items={"page_preset": "analyst"})
    page = client.get(reverse("portal:onboarding_review", args=[onboarding.pk])).content.decode()
    assert 'id="preflight-clear"' in page


def test_a_client_admin_in_several_business_managers_says_which_one(
    client, connected, delta, waiting_grant
):
    world = connected.sandbox.world
    side = world.add_business("Iris's Side Project")
    world.add_business_user(side.id, role="ADMIN", person_id=delta["admin_person_id"])
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    page = client.get(reverse("portal:client_share")).content.decode()
    assert 'id="choose-business"' in page
    assert "Iris&#x27;s Side Project" in page and "Delta Ridge Fitness" in page
    page = client.get(reverse("portal:client_share"), {"business": delta["business_id"]})
    page = page.content.decode()
    assert 'id="share-form"' in page
    assert _owned(connected, delta["business_id"], "ad_account")[0].name in page


def test_a_person_outside_the_business_id_given_is_told_so(client, connected, manager, delta):
    client.force_login(manager)
    onboarding = _submit(
        client,
        _draft(
            client,
            method="client_grant",
            bm_id=delta["business_id"],
            items={"page_preset": "analyst"},
        ),
    )
    client.logout()
    acme_admin = connected.creds["clients"][0]["admin_person_id"]
    _login(client, connected, acme_admin, onboarding.oauth_state)
    page = client.get(reverse("portal:client_share")).content.decode()
    assert f"You are not in Business Manager {delta['business_id']}" in page
    assert 'id="share-form"' not in page


def test_preflight_counts_a_new_clients_system_users_with_its_admins_login(
    client, connected, manager, delta
):
    connected.sandbox.world.add_system_user(delta["business_id"], "Delta Reporting", "EMPLOYEE")
    client.force_login(manager)
    onboarding = _draft(
        client,
        method="on_behalf_of",
        bm_id=delta["business_id"],
        token=delta["admin_user_token"],
        items={"page_preset": "analyst"},
    )
    assert not Business.objects.filter(meta_id=delta["business_id"]).exists()
    page = client.get(reverse("portal:onboarding_review", args=[onboarding.pk])).content.decode()
    assert "The client&#x27;s system-user cap is reached" in page
    assert "&#x27;Delta Reporting&#x27;" in page


def test_the_client_page_expires_an_hour_after_the_login(
    client, connected, delta, waiting_grant, time_machine
):
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    assert client.get(reverse("portal:client_share")).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    response = client.get(reverse("portal:client_share"))
    assert response.status_code == 400
    assert "fresh login" in response.content.decode()


def test_a_client_already_being_onboarded_through_another_link_shares_nothing(
    client, connected, delta, waiting_grant
):
    other = Onboarding.objects.create(
        agency=connected.agency,
        name="Delta Ridge Fitness",
        client_meta_id=delta["business_id"],
        client_business=Business.objects.create(meta_id=delta["business_id"], name="Delta"),
        method=Onboarding.Method.ON_BEHALF_OF,
        status=Onboarding.Status.WAITING,
    )
    _login(client, connected, delta["admin_person_id"], waiting_grant.oauth_state)
    ad_account = _owned(connected, delta["business_id"], "ad_account")[0]
    response = client.post(
        reverse("portal:client_share"),
        {"business": delta["business_id"], "asset": [f"ad_account:{ad_account.id}"]},
    )
    assert response.status_code == 400
    assert "already being onboarded" in response.content.decode()
    assert connected.agency.meta_id not in connected.sandbox.world.assets[ad_account.id].access
    waiting_grant.refresh_from_db()
    assert waiting_grant.client_meta_id == "" and other.pk != waiting_grant.pk
