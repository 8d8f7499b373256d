"""Staff see only their businesses on every admin surface; anything else is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import AssetKind
from businesses.actors import Actor
from businesses.models import AccessToken, AuditEvent
from businesses.services import token_store
from tests.factories import AssetFactory, GrantFactory, PersonFactory, SystemUserFactory


def _objects_of(business):
    asset = AssetFactory(owner_business=business, kind=AssetKind.PAGE)
    person = PersonFactory(business=business)
    grant = GrantFactory(asset=asset, person=person, business=business)
    system_user = SystemUserFactory(business=business)
    token = token_store(
        token="EAAB" + "x" * 40 + business.meta_id[-4:],
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        actor=Actor.system(),
    )
    return {
        "businesses_business": business,
        "businesses_businessuser": person,
        "assets_asset": asset,
        "assets_grant": grant,
        "systemusers_systemuser": system_user,
        "businesses_accesstoken": token,
        "businesses_auditevent": AuditEvent.objects.filter(business=business).first(),
    }


@pytest.fixture
def two_clients(cast):
    return _objects_of(cast.client_a), _objects_of(cast.client_b)


SURFACES = ["change", "history", "delete"]
# Every model whose rows belong to a client; audit events are read-only, so not "opened".
SCOPED_MODELS = [
    "businesses_business",
    "businesses_businessuser",
    "assets_asset",
    "assets_grant",
    "systemusers_systemuser",
    "businesses_accesstoken",
    "businesses_auditevent",
]
OPENABLE_MODELS = [m for m in SCOPED_MODELS if m != "businesses_auditevent"]


@pytest.mark.parametrize(
    "model",
    SCOPED_MODELS,
)
@pytest.mark.parametrize("surface", SURFACES)
def test_staff_get_404_for_another_clients_objects(client, cast, two_clients, model, surface):
    _mine, theirs = two_clients
    client.force_login(cast.alice)
    other = theirs[model]
    response = client.get(reverse(f"admin:{model}_{surface}", args=[other.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "model",
    OPENABLE_MODELS,
)
def test_staff_open_their_own_clients_objects(client, cast, two_clients, model):
    mine, _ = two_clients
    client.force_login(cast.alice)
    response = client.get(reverse(f"admin:{model}_change", args=[mine[model].pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    SCOPED_MODELS,
)
def test_changelists_list_only_the_staff_members_clients(client, cast, two_clients, model):
    mine, theirs = two_clients
    client.force_login(cast.bob)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert theirs[model].pk in shown
    assert mine[model].pk not in shown


def test_autocomplete_offers_only_the_staff_members_businesses(client, cast, two_clients):
    client.force_login(cast.alice)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "businesses",
            "model_name": "businessuser",
            "field_name": "business",
            "term": "",
        },
    )
    assert response.status_code == 200
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {cast.client_a.pk}


def test_actions_cannot_reach_another_clients_grants(client, cast, two_clients):
    _mine, theirs = two_clients
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:assets_grant_changelist"),
        {
            "action": "revoke_selected",
            "_selected_action": [theirs["assets_grant"].pk],
            "confirmed": "yes",
        },
    )
    assert response.status_code in (200, 302)
    theirs["assets_grant"].refresh_from_db()
    assert theirs["assets_grant"].push_state == "in_sync"


def test_superusers_see_every_client(client, cast, two_clients, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:businesses_business_changelist"))
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert {cast.client_a.pk, cast.client_b.pk, cast.agency.pk} <= shown


def test_the_history_page_shows_the_audit_trail_of_the_object(client, cast, two_clients):
    mine, _ = two_clients
    client.force_login(cast.alice)
    token = mine["businesses_accesstoken"]
    response = client.get(reverse("admin:businesses_accesstoken_history", args=[token.pk]))
    assert response.status_code == 200
    assert "Stored a system user token" in response.content.decode()
