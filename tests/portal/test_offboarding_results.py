"""Item 12 of issue 9: offboarding picks a person by name or email and ends on a results page
listing what was removed and what Meta refused."""

from __future__ import annotations

from django.urls import reverse

from businesses.models import BusinessUser


def test_a_name_finds_the_person_to_offboard(client, admin_user, acme_synced):
    client.force_login(admin_user)
    page = client.get(reverse("portal:offboarding"), {"who": "priya"}).content.decode()
    matches = page.split('id="offboard-matches"')[1]
    assert "Priya Shah" in matches and "priya.shah@acme.example" in matches
    assert "Tom Becker" not in matches


def test_a_full_email_goes_straight_to_the_preview(client, admin_user, acme_synced):
    client.force_login(admin_user)
    page = client.get(
        reverse("portal:offboarding"), {"who": "priya.shah@acme.example"}
    ).content.decode()
    assert 'id="offboard-preview"' in page


def test_a_name_in_another_client_finds_nobody(client, stocked):
    client.force_login(stocked.alice)
    other = stocked.client_b.people.get()
    page = client.get(reverse("portal:offboarding"), {"who": other.name}).content.decode()
    assert "Nobody in your clients matches" in page


def test_offboarding_ends_on_a_page_listing_what_was_removed(
    client, admin_user, acme_synced, django_capture_on_commit_callbacks
):
    _sandbox, business = acme_synced
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:offboarding"), {"email": "priya.shah@acme.example", "confirm": "yes"}
        )
    assert response.url == reverse("portal:offboarding_done")
    page = client.get(response.url).content.decode()
    removed = page.split('id="offboard-removed"')[1].split("</table>")[0]
    assert business.name in removed
    assert BusinessUser.objects.get(email="priya.shah@acme.example").status == "removed"
    assert "Meta refused" not in page


def test_the_results_page_lists_what_meta_refused_with_its_reason(
    client, admin_user, acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    world = sandbox.world
    # Marcus left Meta already: Olivia is now the business's last admin, whom Meta keeps.
    marcus = BusinessUser.objects.get(business=business, email="marcus.lee@acme.example")
    world.business_users.pop(marcus.meta_id)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:offboarding"), {"email": "olivia.park@acme.example", "confirm": "yes"}
        )
    page = client.get(response.url).content.decode()
    refused = page.split('id="offboard-refused"')[1].split("</table>")[0]
    assert business.name in refused and "last admin" in refused
    assert 'id="offboard-removed"' not in page
