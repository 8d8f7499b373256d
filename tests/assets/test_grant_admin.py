"""Grants in the admin: bad input is refused by field, and every change waits for the push."""

from __future__ import annotations

from django.urls import reverse

from assets.models import AssetKind, Grant, PushState
from businesses.models import AuditEvent
from tests.factories import AssetFactory, GrantFactory, PersonFactory


def _post(client, **data):
    return client.post(reverse("admin:assets_grant_add"), data)


def test_a_grant_added_in_the_admin_is_recorded_as_pending_push(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, kind=AssetKind.AD_ACCOUNT)
    person = PersonFactory(business=cast.client_a)
    client.force_login(cast.alice)
    response = _post(client, asset=asset.pk, person=person.pk, tasks="advertise, analyze")
    assert response.status_code == 302
    grant = Grant.objects.get(asset=asset, person=person)
    assert grant.tasks == ["ADVERTISE", "ANALYZE"]
    assert grant.push_state == PushState.PENDING
    assert AuditEvent.objects.filter(action="grant.create", actor=cast.alice).exists()


def test_a_task_meta_does_not_accept_on_that_kind_is_refused_by_name(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, kind=AssetKind.PAGE)
    person = PersonFactory(business=cast.client_a)
    client.force_login(cast.alice)
    response = _post(client, asset=asset.pk, person=person.pk, tasks="ADVERTISE, UPLOAD")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "UPLOAD" in str(errors["tasks"])
    assert not Grant.objects.exists()


def test_a_second_grant_for_the_same_person_and_asset_is_refused(client, cast):
    existing = GrantFactory(asset=AssetFactory(owner_business=cast.client_a))
    client.force_login(cast.alice)
    response = _post(client, asset=existing.asset.pk, person=existing.person.pk, tasks="ANALYZE")
    assert response.status_code == 200
    assert "already has a grant" in response.content.decode()
    assert Grant.objects.count() == 1


def test_a_grant_needs_exactly_one_holder(client, cast):
    asset = AssetFactory(owner_business=cast.client_a)
    client.force_login(cast.alice)
    response = _post(client, asset=asset.pk, tasks="ANALYZE")
    assert response.status_code == 200
    assert "exactly one" in response.content.decode()
    assert not Grant.objects.exists()


def test_changing_a_grants_tasks_queues_a_push(client, cast):
    grant = GrantFactory(asset=AssetFactory(owner_business=cast.client_a))
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:assets_grant_change", args=[grant.pk]),
        {"asset": grant.asset.pk, "person": grant.person.pk, "tasks": "MANAGE, ADVERTISE, ANALYZE"},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.tasks == ["MANAGE", "ADVERTISE", "ANALYZE"]
    assert grant.push_state == PushState.PENDING


def test_revoking_asks_for_confirmation_before_anything_changes(client, cast):
    grant = GrantFactory(asset=AssetFactory(owner_business=cast.client_a))
    client.force_login(cast.alice)
    url = reverse("admin:assets_grant_changelist")
    first = client.post(url, {"action": "revoke_selected", "_selected_action": [grant.pk]})
    assert first.status_code == 200
    assert "Revoke these grants?" in first.content.decode()
    grant.refresh_from_db()
    assert grant.push_state == PushState.IN_SYNC
    client.post(
        url, {"action": "revoke_selected", "_selected_action": [grant.pk], "confirmed": "yes"}
    )
    grant.refresh_from_db()
    assert grant.push_state == PushState.PENDING_REMOVAL
