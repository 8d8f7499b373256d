"""Pixels have no DELETE on assigned_users (SDK adspixel.py; reference "Ads Pixel Assigned
Users"): the portal does not offer per-person removal on a pixel, and says why and what to do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assets.models import PIXEL_REMOVAL_EXPLANATION, AssetKind, Grant, PushState
from assets.push import grant_push
from assets.services import grant_request_removal
from businesses.actors import Actor
from businesses.models import AuditEvent
from tests.factories import AssetFactory, GrantFactory

STAFF = Actor.command("test")


@pytest.fixture
def pixel_grant(cast) -> Grant:
    pixel = AssetFactory(owner_business=cast.client_a, kind=AssetKind.PIXEL)
    return GrantFactory(asset=pixel, tasks=["ANALYZE"], applied_tasks=["ANALYZE"])


def test_revoking_one_persons_pixel_access_is_refused_with_what_to_do_instead(pixel_grant):
    with pytest.raises(ValidationError) as refused:
        grant_request_removal(grant=pixel_grant, actor=STAFF)

    assert "remove the person from the business" in str(refused.value)
    pixel_grant.refresh_from_db()
    assert pixel_grant.push_state == PushState.IN_SYNC
    assert not AuditEvent.objects.filter(action="grant.revoke").exists()


def test_a_pending_pixel_removal_is_never_sent_to_meta_and_says_why(pixel_grant):
    Grant.objects.filter(pk=pixel_grant.pk).update(push_state=PushState.PENDING_REMOVAL)

    grant = grant_push(grant=pixel_grant, actor=STAFF)

    assert grant.push_state == PushState.FAILED
    assert grant.push_error == PIXEL_REMOVAL_EXPLANATION


def test_the_admin_offers_no_removal_on_a_pixel_grant_and_explains(client, cast, pixel_grant):
    client.force_login(cast.alice)

    page = client.get(reverse("admin:assets_grant_change", args=[pixel_grant.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("admin:assets_grant_delete", args=[pixel_grant.pk]) not in html
    assert "Meta does not let anyone remove one person" in html
    refused = client.get(reverse("admin:assets_grant_delete", args=[pixel_grant.pk]))
    assert refused.status_code == 403


def test_revoking_a_selection_with_a_pixel_grant_leaves_it_and_revokes_the_rest(
    client, cast, pixel_grant
):
    account_grant = GrantFactory(asset=AssetFactory(owner_business=cast.client_a))
    client.force_login(cast.alice)

    response = client.post(
        reverse("admin:assets_grant_changelist"),
        {
            "action": "revoke_selected",
            "_selected_action": [pixel_grant.pk, account_grant.pk],
            "confirmed": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "1 pixel grant(s) left as they are" in response.content.decode()
    pixel_grant.refresh_from_db()
    account_grant.refresh_from_db()
    assert pixel_grant.push_state == PushState.IN_SYNC
    assert account_grant.push_state == PushState.PENDING_REMOVAL
