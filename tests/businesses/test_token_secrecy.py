"""Tokens are stored encrypted, shown as their last 4 characters, and appear nowhere else."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from businesses.actors import Actor
from businesses.models import AccessToken
from businesses.services import token_store

TOKEN = "EAABsbCS1iHgBAKZCZBmJwZDZDZDZD1234567890abcdefWXYZ"


@pytest.fixture
def stored(cast):
    return token_store(
        token=TOKEN, kind=AccessToken.Kind.SYSTEM_USER, business=cast.client_a, actor=Actor.system()
    )


def test_the_token_round_trips_through_encryption(stored):
    stored.refresh_from_db()
    assert stored.reveal() == TOKEN
    assert stored.last4 == "WXYZ"


def test_no_database_column_holds_the_token_text(stored):
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(TOKEN in str(value) for value in row), table


def test_str_shows_only_the_last_four_characters(stored):
    assert str(stored).endswith("…WXYZ (Acme Outdoor)")
    assert TOKEN not in str(stored) and TOKEN not in repr(stored)


def test_admin_pages_never_show_the_token(client, admin_user, stored):
    client.force_login(admin_user)
    for url in (
        reverse("admin:businesses_accesstoken_changelist"),
        reverse("admin:businesses_accesstoken_change", args=[stored.pk]),
        reverse("admin:businesses_auditevent_changelist"),
    ):
        body = client.get(url).content.decode()
        assert TOKEN not in body
        assert TOKEN[:-4] not in body


def test_the_admin_add_form_stores_the_token_encrypted_and_never_echoes_it(
    client, admin_user, cast
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:businesses_accesstoken_add"),
        {
            "token": TOKEN,
            "kind": "SYSTEM_USER",
            "purpose": "connection",
            "business": cast.client_b.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert TOKEN not in response.content.decode()
    assert AccessToken.objects.get(business=cast.client_b).reveal() == TOKEN


def test_an_empty_token_is_refused_naming_the_field(client, admin_user, cast):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:businesses_accesstoken_add"),
        {
            "token": "   ",
            "kind": "SYSTEM_USER",
            "purpose": "connection",
            "business": cast.client_b.pk,
        },
    )
    assert response.status_code == 200
    assert "token" in response.context["adminform"].form.errors
    assert not AccessToken.objects.filter(business=cast.client_b).exists()


def test_no_log_record_carries_the_token(caplog, cast):
    caplog.set_level(logging.DEBUG)
    token_store(
        token=TOKEN, kind=AccessToken.Kind.USER, business=cast.client_b, actor=Actor.system()
    )
    logging.getLogger("bm").info("stored %s for %s", TOKEN, cast.client_b)
    handler_filter = __import__(
        "graph.redaction", fromlist=["RedactSecretsFilter"]
    ).RedactSecretsFilter()
    for record in caplog.records:
        handler_filter.filter(record)
        assert TOKEN not in record.getMessage()


def test_rotating_keys_re_encrypts_under_the_new_first_key(settings, stored):
    old_keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_token_keys")
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    stored.refresh_from_db()
    assert stored.reveal() == TOKEN
