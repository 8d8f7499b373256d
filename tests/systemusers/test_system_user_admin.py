"""Adding a system user in the admin goes through the cap service."""

from __future__ import annotations

from django.urls import reverse

from businesses.models import AccessLevel
from systemusers.models import SystemUser
from tests.factories import SystemUserFactory


def test_the_admin_refuses_a_system_user_over_the_cap_naming_the_cap(client, cast):
    SystemUserFactory(business=cast.client_a, slot=1, name="Reporting bot")
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:systemusers_systemuser_add"),
        {"business": cast.client_a.pk, "name": "Second bot", "role": "EMPLOYEE"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Limited (formerly Standard) access level" in body and "Reporting bot" in body
    assert SystemUser.objects.filter(business=cast.client_a).count() == 1


def test_a_second_admin_system_user_is_refused_naming_the_admin_meta_counts(
    client, admin_user, connected
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:systemusers_systemuser_add"),
        {"business": connected.agency.pk, "name": "Second admin", "role": "ADMIN"},
    )
    assert response.status_code == 200
    assert "Northwind Media Portal Admin" in response.content.decode()
    assert not SystemUser.objects.filter(name="Second admin").exists()


def test_the_admin_creates_a_system_user_in_meta_when_there_is_room(client, admin_user, connected):
    # Meta grants the app advanced access, and staff record it: room for a second one.
    connected.sandbox.world.assets[connected.creds["app_id"]].access_level = "advanced"
    _switch_to_advanced_in_the_portal_only(connected)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:systemusers_systemuser_add"),
        {"business": connected.agency.pk, "name": "Media bot", "role": "EMPLOYEE"},
    )
    assert response.status_code == 302
    created = SystemUser.objects.get(business=connected.agency, name="Media bot")
    assert created.status == SystemUser.Status.ACTIVE and created.meta_id


def _switch_to_advanced_in_the_portal_only(connected):
    connected.app.access_level = AccessLevel.ADVANCED
    connected.app.save(update_fields=["access_level"])


def test_metas_cap_refusal_after_switching_to_advanced_is_a_form_error_and_leaves_no_row(
    client, admin_user, connected
):
    _switch_to_advanced_in_the_portal_only(connected)
    before = set(SystemUser.objects.values_list("pk", flat=True))
    client.force_login(admin_user)
    for _attempt in range(2):
        response = client.post(
            reverse("admin:systemusers_systemuser_add"),
            {"business": connected.agency.pk, "name": "Media bot", "role": "EMPLOYEE"},
        )
        assert response.status_code == 200
        assert "Meta refused to create another system user" in response.content.decode()
    assert set(SystemUser.objects.values_list("pk", flat=True)) == before


def test_metas_cap_refusal_names_the_system_users_meta_counts(client, admin_user, connected):
    _switch_to_advanced_in_the_portal_only(connected)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:systemusers_systemuser_add"),
        {"business": connected.agency.pk, "name": "Media bot", "role": "EMPLOYEE"},
    )
    body = response.content.decode()
    assert "counts 1 system user there (&#x27;Northwind Media Reporting&#x27;)" in body
    assert "10 slots are taken" not in body
    assert "Meta decides the real level" in body


def test_system_users_cannot_be_deleted_from_the_admin(client, admin_user, cast):
    system_user = SystemUserFactory(business=cast.client_a)
    client.force_login(admin_user)
    response = client.get(reverse("admin:systemusers_systemuser_delete", args=[system_user.pk]))
    assert response.status_code == 403


def test_retiring_asks_for_confirmation_first(client, admin_user, cast):
    system_user = SystemUserFactory(business=cast.client_a)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:systemusers_systemuser_changelist"),
        {"action": "retire_selected", "_selected_action": [system_user.pk]},
    )
    assert response.status_code == 200
    assert (
        "still counts" not in response.content.decode()
        or "keeps its slot" in response.content.decode()
    )
    system_user.refresh_from_db()
    assert system_user.status == SystemUser.Status.ACTIVE


def test_changing_an_apps_access_level_is_confirmed_and_says_what_it_changes(
    client, admin_user, cast
):
    app = cast.client_a.app
    client.force_login(admin_user)
    url = reverse("admin:businesses_developerapp_changelist")
    first = client.post(url, {"action": "set_level_advanced", "_selected_action": [app.pk]})
    body = first.content.decode()
    assert first.status_code == 200
    assert "System users allowed per business: 1 → 10" in body
    assert "Meta decides the app&#x27;s real level" in body
    app.refresh_from_db()
    assert app.access_level == AccessLevel.STANDARD
    client.post(
        url, {"action": "set_level_advanced", "_selected_action": [app.pk], "confirmed": "yes"}
    )
    app.refresh_from_db()
    assert app.access_level == AccessLevel.ADVANCED


def test_the_apps_change_form_does_not_edit_the_access_level(client, admin_user, cast):
    app = cast.client_a.app
    client.force_login(admin_user)
    page = client.get(reverse("admin:businesses_developerapp_change", args=[app.pk]))
    assert 'name="access_level"' not in page.content.decode()
