"""Give access cannot get round the system-user caps (issue 13 §1, the cap alert).

What was checked: give access (``portal/views/access.py``, and the approved request that
replays it, ``approvals``) only ever writes grants, through ``assets.services
.grants_apply_preset``; its holder must be a person or system user Meta already knows (the
form's choices are the active ones with a Meta id), and the push only assigns tasks on assets
(``assigned_users``). A grant changes neither a system user's role nor how many there are, so
there is no cap to check on that path. These tests hold that: at a full cap, full control is
given, pushed to the sandbox as Meta, and no system user appears, here or in Meta; a holder the
form does not offer (one still being created, a made-up value) is refused and nothing is saved.
``tests/systemusers/test_cap_paths.py`` holds the rest: every system user row is born through
the cap service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Asset, Grant, PushState
from businesses.actors import Actor
from notifications.models import Event, EventKind
from systemusers.caps import cap_meter
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.services import system_user_create_now, system_user_reserve


@pytest.fixture
def acme_at_full_caps(acme_synced):
    """Acme on Limited access with its one admin system user (from Meta) and, created through
    the portal, its one system user: both caps full."""
    sandbox, business = acme_synced
    bot = system_user_create_now(
        business=business, name="Reporting bot", role="EMPLOYEE", actor=Actor.system()
    )
    meter = cap_meter(business)
    assert meter.employee_full and meter.admin_full and not meter.over_cap
    return sandbox, business, bot


def _give(client, business, holder: str, assets: list[Asset]):
    return client.post(
        reverse("portal:give_access", args=[business.pk]),
        {
            "holder": holder,
            "preset": "full_control",
            "mode": "add",
            "assets": [a.pk for a in assets],
            "confirm": "yes",
        },
    )


def _meta_system_users(sandbox, business) -> int:
    return sum(su.business_id == business.meta_id for su in sandbox.world.system_users.values())


def test_full_control_given_to_a_system_user_at_a_full_cap_adds_no_system_user(
    client, admin_user, acme_at_full_caps, django_capture_on_commit_callbacks
):
    sandbox, business, bot = acme_at_full_caps
    assets = list(Asset.objects.filter(owner_business=business, kind="ad_account")[:2])
    in_meta_before = _meta_system_users(sandbox, business)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = _give(client, business, f"s{bot.pk}", assets)

    assert response.status_code == 302
    grants = Grant.objects.filter(system_user=bot, asset__in=assets)
    assert {g.push_state for g in grants} == {PushState.IN_SYNC} and grants.count() == 2
    assert SystemUser.objects.filter(business=business).count() == 2
    assert _meta_system_users(sandbox, business) == in_meta_before
    bot.refresh_from_db()
    assert bot.role == SystemUser.Role.EMPLOYEE  # full control on assets is not the admin role
    assert not cap_meter(business).over_cap
    assert not Event.objects.filter(kind=EventKind.CAP_REACHED).exists()


def test_the_cap_still_refuses_a_new_system_user_after_access_was_given(
    client, admin_user, acme_at_full_caps, django_capture_on_commit_callbacks
):
    _sandbox, business, bot = acme_at_full_caps
    assets = list(Asset.objects.filter(owner_business=business, kind="ad_account")[:1])
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        _give(client, business, f"s{bot.pk}", assets)

    with pytest.raises(SystemUserCapError):
        system_user_reserve(
            business=business, name="One more", role="EMPLOYEE", actor=Actor.system()
        )


@pytest.mark.parametrize("holder", ["snew", "s", "s999999", "reserved", "failed"])
def test_a_holder_the_form_does_not_offer_is_refused_and_nothing_is_saved(
    client, admin_user, acme_synced, holder
):
    _sandbox, business = acme_synced
    not_in_meta = {
        # A reservation still being created, and one Meta refused: neither has a Meta id.
        "reserved": SystemUser.objects.create(
            business=business, name="Half made", role="EMPLOYEE", status="reserved", slot=1
        ),
        "failed": SystemUser.objects.create(
            business=business, name="Refused", role="EMPLOYEE", status="failed"
        ),
    }
    if holder in not_in_meta:
        holder = f"s{not_in_meta[holder].pk}"
    system_users_before, grants_before = SystemUser.objects.count(), Grant.objects.count()
    client.force_login(admin_user)

    response = _give(
        client, business, holder, list(Asset.objects.filter(owner_business=business)[:1])
    )

    assert response.status_code == 200
    assert "holder" in response.context["form"].errors
    assert Grant.objects.count() == grants_before
    assert SystemUser.objects.count() == system_users_before
