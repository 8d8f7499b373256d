"""Every wizard field refuses bad input with a message naming the field, and saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onboarding.models import Onboarding
from tests.factories import StaffFactory

LONG = "x" * 256


@pytest.fixture
def manager(connected):
    return StaffFactory(username="carol", group="Account manager")


@pytest.fixture
def visible_id(connected):
    # Acme Outdoor Co. is already a partner of the agency: Meta shows it to the agency.
    return connected.creds["clients"][0]["business_id"]


def _details(**overrides):
    data = {
        "name": "Acme Outdoor Co.",
        "contact_name": "Olivia Park",
        "contact_email": "olivia@acme.example",
        "client_meta_id": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Client name: enter the client&#x27;s name."),
        ("name", "   ", "Client name: enter the client&#x27;s name."),
        ("name", LONG, "Client name: at most 255 characters (it has 256)."),
        ("name", "Acme\tOutdoor", "Client name: no control characters"),
        ("contact_name", LONG, "Contact person: at most 255 characters (it has 256)."),
        ("contact_email", "olivia@", "Contact email: enter an address like name@example.com."),
        (
            "contact_email",
            "ólivia@exämple",
            "Contact email: enter an address like name@example.com.",
        ),
        ("client_meta_id", "act_123", "Business Manager ID: digits only (1 to 32)"),
        ("client_meta_id", "12.5", "Business Manager ID: digits only (1 to 32)"),
        ("client_meta_id", "١٢٣٤٥", "Business Manager ID: digits only (1 to 32)"),
        ("client_meta_id", "1" * 33, "Business Manager ID: at most 32 digits (it has 33)."),
    ],
)
def test_step_one_refuses_bad_input_and_saves_nothing(
    client, manager, visible_id, field, value, message
):
    client.force_login(manager)
    data = _details(client_meta_id=visible_id)
    data[field] = value
    response = client.post(reverse("portal:onboarding_new"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert Onboarding.objects.count() == 0
    # What was typed stays in the form.
    if value.strip() and len(value) < 100:
        assert f'value="{value}"' in page or value in page


def test_step_one_accepts_an_id_meta_does_not_show_the_agency_yet(client, manager, connected):
    # A new client is visible only to its own people: its admin's login checks it later.
    client.force_login(manager)
    delta = connected.creds["unconnected_client"]["business_id"]
    response = client.post(reverse("portal:onboarding_new"), _details(client_meta_id=delta))
    assert response.status_code == 302
    onboarding = Onboarding.objects.get()
    assert onboarding.client_meta_id == delta
    assert onboarding.meta_facts == {"checked_with": ""}


def test_step_one_needs_no_business_id_and_no_token(client, manager):
    client.force_login(manager)
    response = client.post(reverse("portal:onboarding_new"), _details())
    assert response.status_code == 302
    assert Onboarding.objects.get().client_meta_id == ""


def test_on_behalf_of_needs_the_business_id(client, manager):
    client.force_login(manager)
    client.post(reverse("portal:onboarding_new"), _details())
    onboarding = Onboarding.objects.get()
    response = client.post(
        reverse("portal:onboarding_method", args=[onboarding.pk]), {"method": "on_behalf_of"}
    )
    assert "On Behalf Of needs the client&#x27;s Business Manager ID" in response.content.decode()
    onboarding.refresh_from_db()
    assert onboarding.method == ""


def test_step_one_refuses_the_agencys_own_id(client, manager, connected):
    client.force_login(manager)
    response = client.post(
        reverse("portal:onboarding_new"), _details(client_meta_id=connected.agency.meta_id)
    )
    assert "that is the agency&#x27;s own Business Manager" in response.content.decode()
    assert Onboarding.objects.count() == 0


def test_step_one_accepts_spaces_in_a_pasted_id_and_unicode_names(client, manager, visible_id):
    client.force_login(manager)
    spaced = f"{visible_id[:4]} {visible_id[4:]}"
    response = client.post(
        reverse("portal:onboarding_new"), _details(client_meta_id=spaced, name="Café Ørsted – 東京")
    )
    assert response.status_code == 302
    onboarding = Onboarding.objects.get()
    assert (onboarding.client_meta_id, onboarding.name) == (visible_id, "Café Ørsted – 東京")


@pytest.fixture
def draft(client, manager, visible_id):
    client.force_login(manager)
    client.post(reverse("portal:onboarding_new"), _details(client_meta_id=visible_id))
    return Onboarding.objects.get()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Access method: choose how the agency gets access."),
        ({"method": "telepathy"}, "Access method: telepathy is not one of the offered methods."),
        (
            {"method": "on_behalf_of", "client_admin_token": "x" * 1025},
            "Client admin&#x27;s user token: at most 1024 characters.",
        ),
        (
            {"method": "on_behalf_of", "client_admin_token": "EAABnotarealtoken000000000"},
            "Client admin&#x27;s user token:",
        ),
    ],
)
def test_step_two_refuses_bad_input_and_saves_nothing(client, draft, data, message):
    response = client.post(reverse("portal:onboarding_method", args=[draft.pk]), data)
    page = response.content.decode()
    assert message in page
    draft.refresh_from_db()
    assert draft.method == ""
    assert draft.login_token is None
    assert "EAABnotarealtoken" not in page  # a token is never rendered back


def test_step_two_shows_the_login_link_with_scopes_and_trailing_slash(client, draft, connected):
    page = client.get(reverse("portal:onboarding_method", args=[draft.pk])).content.decode()
    assert f"/v25.0/dialog/oauth?client_id={connected.app.meta_id}" in page
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fadmin%2Fportal%2Foauth%2Fcallback%2F" in page
    assert "scope=ads_management%2Cads_read%2Cbusiness_management" in page
    assert f"state={draft.oauth_state}" in page
    assert connected.agency.meta_id in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the access the agency needs on at least one kind of asset."),
        (
            {"ad_account_preset": "god_mode"},
            "Ad accounts: god_mode is not one of the offered presets.",
        ),
    ],
)
def test_step_three_refuses_bad_input_and_saves_nothing(client, draft, data, message):
    client.post(reverse("portal:onboarding_method", args=[draft.pk]), {"method": "client_grant"})
    response = client.post(reverse("portal:onboarding_assets", args=[draft.pk]), data)
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.requested == []


def test_step_three_keeps_the_presets_and_has_no_field_for_ids(client, draft):
    client.post(reverse("portal:onboarding_method", args=[draft.pk]), {"method": "client_grant"})
    page = client.get(reverse("portal:onboarding_assets", args=[draft.pk])).content.decode()
    assert "_ids" not in page  # nobody types asset ids
    assert "Media buyer — Manage campaigns, View performance" in page  # titles and labels
    response = client.post(
        reverse("portal:onboarding_assets", args=[draft.pk]),
        {"ad_account_preset": "media_buyer", "ad_account_ids": "act_1"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.requested == [
        {
            "kind": "ad_account",
            "preset": "media_buyer",
            "tasks": ["ADVERTISE", "ANALYZE"],
            "asset_ids": [],
        }
    ]


def test_an_auditor_cannot_open_the_wizard(client, connected):
    auditor = StaffFactory(username="audrey", group="Auditor (read-only)")
    client.force_login(auditor)
    assert client.get(reverse("portal:onboarding_new")).status_code == 403


def test_another_staff_members_draft_is_a_404(client, draft):
    bob = StaffFactory(username="bob2", group="Account manager")
    client.force_login(bob)
    assert client.get(reverse("portal:onboarding_method", args=[draft.pk])).status_code == 404
    assert client.get(reverse("portal:onboarding_status", args=[draft.pk])).status_code == 404
