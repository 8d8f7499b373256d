"""The read-only portal pages: what they show, and only to whom."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from businesses.actors import Actor
from businesses.audit import audit_record


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_home_lists_only_the_clients_assigned_to_the_staff_member(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Acme Outdoor" in page
    assert "Birch Bakery" not in page
    assert "system users 1 of 1, admin 0 of 1 — Limited (formerly Standard) access" in page


def test_home_shows_token_health_and_readiness(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert "never expires" in page
    assert "of 6" in page


@pytest.mark.parametrize("name", ["portal:readiness", "portal:access_csv", "portal:audit_csv"])
def test_a_client_page_of_someone_elses_client_is_a_404(client, stocked, name):
    client.force_login(stocked.alice)
    assert client.get(reverse(name, args=[stocked.client_b.pk])).status_code == 404
    assert client.get(reverse(name, args=[stocked.client_a.pk])).status_code == 200


def test_the_pages_need_the_admin_login(client, stocked):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_search_finds_assets_and_people_only_in_assigned_clients(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:search"), {"q": "US"}).content.decode()
    assert "Acme Outdoor - US" in page
    assert "Birch Bakery - US" not in page
    page = client.get(reverse("portal:search"), {"q": "Owner of"}).content.decode()
    assert "Owner of Acme Outdoor" in page
    assert "Owner of Birch Bakery" not in page


def test_search_by_ad_account_digits_finds_the_act_id(client, stocked):
    client.force_login(stocked.alice)
    asset = stocked.client_a.owned_assets.get()
    digits = asset.meta_id.removeprefix("act_")
    page = client.get(reverse("portal:search"), {"q": digits}).content.decode()
    assert asset.meta_id in page


def test_access_csv_for_all_clients_holds_only_visible_grants(client, stocked):
    client.force_login(stocked.alice)
    rows = _csv(client.get(reverse("portal:access_csv_all")))
    assert {r["asset_name"] for r in rows} == {"Acme Outdoor - US"}
    assert list(rows[0]) == [
        "asset_id",
        "asset_type",
        "asset_name",
        "principal_id",
        "principal_type",
        "principal_name",
        "tasks",
    ]
    assert rows[0]["principal_type"] == "person"
    assert rows[0]["tasks"] == "ADVERTISE ANALYZE"


def test_a_superuser_sees_every_client_in_the_csv(admin_client, stocked):
    rows = _csv(admin_client.get(reverse("portal:access_csv_all")))
    assert {r["asset_name"] for r in rows} == {"Acme Outdoor - US", "Birch Bakery - US"}


def test_audit_csv_lists_the_history_of_one_client_with_who_did_it(client, stocked):
    audit_record(
        actor=Actor.staff(stocked.alice),
        action="grant.create",
        business=stocked.client_a,
        summary="=cmd|' /C calc'!A0 granted",
    )
    client.force_login(stocked.alice)
    rows = _csv(client.get(reverse("portal:audit_csv", args=[stocked.client_a.pk])))
    mine = [r for r in rows if r["action"] == "grant.create"]
    assert mine[0]["actor"] == "alice"
    # A cell a spreadsheet would run as a formula is quoted.
    assert mine[0]["summary"].startswith("'=")


def test_csv_downloads_cost_the_same_queries_for_one_or_many_grants(
    client, stocked, django_assert_max_num_queries
):
    from tests.factories import AssetFactory, GrantFactory

    client.force_login(stocked.alice)
    with django_assert_max_num_queries(8) as few:
        _csv(client.get(reverse("portal:access_csv", args=[stocked.client_a.pk])))
    for _ in range(15):
        asset = AssetFactory(owner_business=stocked.client_a)
        GrantFactory(asset=asset)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = _csv(client.get(reverse("portal:access_csv", args=[stocked.client_a.pk])))
    assert len(rows) == 16


def test_reports_page_links_each_visible_client(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:reports")).content.decode()
    assert reverse("portal:access_csv", args=[stocked.client_a.pk]) in page
    assert reverse("portal:access_csv", args=[stocked.client_b.pk]) not in page


def test_admin_index_has_a_portal_section(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("portal:home") in page
    assert "Portal" in page


def test_advisor_says_clients_bms_need_advanced_access(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:advisor"), {"use_case": "manage_client_bms"}).content.decode()
    assert "business_management" in page
    assert "Full (formerly Advanced) access needed" in page


def test_advisor_says_standard_is_enough_for_own_ad_reports(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:advisor"), {"use_case": "read_reports"}).content.decode()
    assert "ads_read" in page
    assert "Limited (formerly Standard) access is enough" in page
    page = client.get(
        reverse("portal:advisor"), {"use_case": "read_reports", "across": "1"}
    ).content.decode()
    assert "Full (formerly Advanced) access needed" in page


def test_offboarding_previews_the_persons_roles_and_grants_in_visible_clients(client, stocked):
    person = stocked.client_a.people.get()
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:offboarding"), {"email": person.email}).content.decode()
    assert "Acme Outdoor - US" in page
    other = stocked.client_b.people.get()
    page = client.get(reverse("portal:offboarding"), {"email": other.email}).content.decode()
    assert "holds nothing in your clients" in page


def test_offboarding_rejects_a_malformed_email(client, stocked):
    client.force_login(stocked.alice)
    page = client.get(reverse("portal:offboarding"), {"email": "not-an-email"}).content.decode()
    assert "Email: enter an address like name@example.com." in page
