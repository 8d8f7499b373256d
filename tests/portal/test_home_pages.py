"""Item 10 of issue 9: the home page people live in — drift in words, Sync now, progress that
refreshes itself, failed onboardings and ended partnerships, login landing, pagination."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from businesses.models import PartnerRelationship
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from tests.factories import AssetFactory, BusinessFactory, StaffFactory


def _drift(business, asset):
    return DriftEvent.objects.create(
        business=business,
        kind=DriftEvent.Kind.GRANT_ADDED,
        summary=f"Priya Shah got ADVERTISE, ANALYZE on {asset.meta_id} outside the portal.",
        details={"asset": asset.meta_id, "holder": "Priya Shah", "tasks": ["ADVERTISE", "ANALYZE"]},
    )


def test_the_drift_badge_links_to_the_clients_drift_list(client, cast):
    _drift(cast.client_a, AssetFactory(owner_business=cast.client_a))
    client.force_login(cast.alice)
    html = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:drift", args=[cast.client_a.pk])}?since=yesterday"' in html


def test_the_drift_list_names_assets_and_tasks_instead_of_raw_ids(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, name="Acme - US")
    _drift(cast.client_a, asset)
    client.force_login(cast.alice)
    html = client.get(reverse("portal:drift", args=[cast.client_a.pk])).content.decode()
    table = html.split('id="drift"')[1]
    assert "Acme - US" in table and "ADVERTISE, ANALYZE" in table and "Priya Shah" in table
    assert asset.meta_id not in table


def test_another_clients_drift_list_is_a_404(client, cast):
    client.force_login(cast.alice)
    response = client.get(reverse("portal:drift", args=[cast.client_b.pk]))
    assert response.status_code == 404


def test_sync_now_queues_a_manual_sync_of_that_client(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.alice)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("portal:sync_now", args=[cast.client_a.pk]))
    assert response.status_code == 302
    run = SyncRun.objects.get(business=cast.client_a)
    assert run.trigger == SyncRun.Trigger.MANUAL and run.requested_by == cast.alice


def test_sync_now_on_another_client_is_a_404_and_queues_nothing(client, cast):
    client.force_login(cast.alice)
    response = client.post(reverse("portal:sync_now", args=[cast.client_b.pk]))
    assert response.status_code == 404
    assert not SyncRun.objects.exists()


def test_the_home_page_has_a_sync_now_button_per_client(client, cast):
    client.force_login(cast.alice)
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:sync_now", args=[cast.client_a.pk]) in html
    assert reverse("portal:sync_now", args=[cast.client_b.pk]) not in html


def test_progress_refreshes_itself_from_the_status_of_visible_clients_only(client, cast):
    SyncRun.objects.create(
        business=cast.client_a, status=SyncRun.Status.RUNNING, progress_done=1, progress_total=4
    )
    SyncRun.objects.create(business=cast.client_b, status=SyncRun.Status.RUNNING)
    client.force_login(cast.alice)
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:sync_status") in html
    data = client.get(
        reverse("portal:sync_status"), {"b": [cast.client_a.pk, cast.client_b.pk]}
    ).json()
    assert data == {str(cast.client_a.pk): {"status": "running", "label": "running", "pct": 25}}


def test_failed_onboardings_of_my_clients_show_on_the_home_page(client, cast):
    mine = Onboarding.objects.create(
        agency=cast.agency,
        client_business=cast.client_a,
        client_meta_id=cast.client_a.meta_id,
        name="Acme onboarding",
        status=Onboarding.Status.FAILED,
        method=Onboarding.Method.ON_BEHALF_OF,
    )
    Onboarding.objects.create(
        agency=cast.agency,
        client_business=cast.client_b,
        client_meta_id=cast.client_b.meta_id,
        name="Birch onboarding",
        status=Onboarding.Status.FAILED,
        method=Onboarding.Method.ON_BEHALF_OF,
    )
    client.force_login(cast.alice)
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:onboarding_status", args=[mine.pk]) in html
    assert "Birch onboarding" not in html


def test_ended_partnerships_of_my_clients_show_on_the_home_page(client, cast):
    PartnerRelationship.objects.create(
        agency=cast.agency, client=cast.client_a, status=PartnerRelationship.Status.REMOVED
    )
    PartnerRelationship.objects.create(
        agency=cast.agency, client=cast.client_b, status=PartnerRelationship.Status.REMOVED
    )
    client.force_login(cast.alice)
    html = client.get(reverse("portal:home")).content.decode()
    ended = html.split('id="ended-partnerships"')[1].split("</ul>")[0]
    assert cast.client_a.name in ended and cast.client_b.name not in ended


def test_logging_in_lands_on_the_portal_home(client, cast):
    response = client.post(
        reverse("admin:login"),
        {"username": "alice", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_logging_in_from_the_login_page_lands_on_the_portal_home(client, cast):
    page = client.get(reverse("admin:login")).content.decode()
    assert f'name="next" value="{reverse("portal:home")}"' in page


def test_the_home_page_paginates_long_client_lists(client, admin_user, cast):
    app = cast.client_a.app
    BusinessFactory.create_batch(55, app=app)
    client.force_login(admin_user)
    first = client.get(reverse("portal:home")).content.decode()
    assert 'id="home-pages"' in first and "Page 1 of 2" in first
    assert first.count('data-pk="') == 50
    second = client.get(reverse("portal:home"), {"page": 2}).content.decode()
    assert second.count('data-pk="') == 58 - 50


def test_search_paginates(client, admin_user, cast):
    for n in range(55):
        AssetFactory(owner_business=cast.client_a, name=f"Campaign account {n:02d}")
    client.force_login(admin_user)
    first = client.get(reverse("portal:search"), {"q": "Campaign account"}).content.decode()
    assert first.count("<strong>Campaign account ") == 50 and "next ›" in first
    second = client.get(
        reverse("portal:search"), {"q": "Campaign account", "page": 2}
    ).content.decode()
    assert second.count("<strong>Campaign account ") == 5 and "next ›" not in second


def test_a_drift_older_than_a_day_is_in_the_full_list_but_not_since_yesterday(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, name="Old one")
    event = _drift(cast.client_a, asset)
    DriftEvent.objects.filter(pk=event.pk).update(detected_at=timezone.now() - timedelta(days=3))
    client.force_login(cast.alice)
    url = reverse("portal:drift", args=[cast.client_a.pk])
    assert "Old one" in client.get(url).content.decode()
    assert "Old one" not in client.get(url, {"since": "yesterday"}).content.decode()


def test_staff_without_the_change_permission_see_no_sync_button(client, cast):
    auditor = StaffFactory(
        username="audrey", group="Auditor (read-only)", businesses=[cast.client_a]
    )
    client.force_login(auditor)
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:sync_now", args=[cast.client_a.pk]) not in html


def test_sync_now_is_a_404_for_another_client_even_by_get(client, cast):
    client.force_login(cast.alice)
    assert client.get(reverse("portal:sync_now", args=[cast.client_b.pk])).status_code == 404
    assert client.get(reverse("portal:sync_now", args=[cast.client_a.pk])).status_code == 405


def test_an_auditor_cannot_sync_now(client, cast):
    auditor = StaffFactory(
        username="audra", group="Auditor (read-only)", businesses=[cast.client_a]
    )
    client.force_login(auditor)
    response = client.post(reverse("portal:sync_now", args=[cast.client_a.pk]))
    assert response.status_code == 403
    assert not SyncRun.objects.exists()
