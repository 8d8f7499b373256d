"""Adding a system user in the admin goes through the cap service."""

from __future__ import annotations

from django.urls import reverse

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


def test_the_admin_reserves_a_slot_for_a_new_system_user(client, cast):
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:systemusers_systemuser_add"),
        {"business": cast.client_a.pk, "name": "Reporting bot", "role": "EMPLOYEE"},
    )
    assert response.status_code == 302
    created = SystemUser.objects.get(business=cast.client_a)
    assert created.status == SystemUser.Status.RESERVED and created.slot == 1


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
