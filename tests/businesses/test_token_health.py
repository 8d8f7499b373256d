"""Token health against the sandbox: dead tokens are marked, expiring ones are refreshed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.developer_apps import developer_app_register
from businesses.models import AccessToken
from businesses.token_health import token_health_check, token_health_check_all
from sandbox.server import SandboxServer

ACTOR = Actor.system("test")


@pytest.fixture
def connected(db, settings):
    with SandboxServer() as sandbox:
        settings.META_GRAPH_URL = sandbox.base_url
        creds = sandbox.credentials
        app, _ = developer_app_register(
            app_meta_id=creds["app_id"],
            name="Agency app",
            access_level="standard",
            secret=creds["app_secret"],
            actor=ACTOR,
        )
        client = creds["clients"][0]
        business = business_connect(
            business_meta_id=client["business_id"],
            app=app,
            token=client["admin_user_token"],
            actor=ACTOR,
        )
        yield sandbox, business, client


def test_a_revoked_token_is_marked_invalid_with_a_reason(connected):
    sandbox, business, client = connected
    sandbox.world.revoke_token(client["admin_user_token"])
    token = AccessToken.objects.get(business=business, is_active=True)
    checked = token_health_check(token=token, actor=ACTOR)
    assert not checked.is_valid
    assert checked.invalid_reason


def test_a_token_expiring_within_the_warning_window_is_refreshed(connected):
    sandbox, business, client = connected
    old = AccessToken.objects.get(business=business, is_active=True)
    # Meta's clock says the token has three days left.
    sandbox.world.tokens[client["admin_user_token"]].expires_at = (
        int(sandbox.world.now()) + 3 * 86400
    )
    token_health_check_all(actor=ACTOR)
    fresh = AccessToken.objects.get(business=business, is_active=True)
    assert fresh.pk != old.pk
    assert fresh.reveal() != old.reveal()
    assert fresh.expires_at is None or fresh.expires_at > timezone.now() + timedelta(days=30)
