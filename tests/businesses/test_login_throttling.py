from __future__ import annotations

from django.urls import reverse

from tests.factories import StaffFactory


def test_five_failed_logins_lock_the_account_out_even_with_the_right_password(client, db, settings):
    StaffFactory(username="carol")
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "carol", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url,
        {"username": "carol", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
