"""Journey 4: a new media buyer gets "media buyer" on three ad accounts and two pages of one
client; the portal pushes it, reads it back, and shows it applied."""

from __future__ import annotations

from django.urls import reverse

from assets.models import Asset, Grant, PushState
from assets.templatetags.tasks import task_labels
from businesses.actors import Actor
from businesses.models import BusinessUser, StaffAssignment
from sync.run import business_sync


def _choices(business):
    employee = BusinessUser.objects.filter(
        business=business, role="EMPLOYEE", status="active"
    ).first()
    ad_accounts = list(
        Asset.objects.filter(owner_business=business, kind="ad_account").order_by("pk")[:3]
    )
    pages = list(Asset.objects.filter(owner_business=business, kind="page").order_by("pk")[:2])
    return employee, ad_accounts + pages


def test_giving_media_buyer_on_five_assets_pushes_and_reads_back_each(
    client, admin_user, acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    employee, assets = _choices(business)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:give_access", args=[business.pk]),
            {
                "holder": f"p{employee.pk}",
                "preset": "media_buyer",
                "mode": "add",
                "assets": [a.pk for a in assets],
                "confirm": "yes",
            },
        )
    assert response.status_code == 302
    grants = Grant.objects.filter(person=employee, asset__in=assets, asset_group__isnull=True)
    assert grants.count() == 5
    assert {g.push_state for g in grants} == {PushState.IN_SYNC}
    for grant in grants:
        assert {"ADVERTISE", "ANALYZE"} <= set(grant.applied_tasks)
        in_meta = sandbox.world.assets[grant.asset.meta_id].assigned[employee.meta_id]
        assert {"ADVERTISE", "ANALYZE"} <= set(in_meta)
    result = client.get(response.url).content.decode()
    assert result.count("Applied") >= 5


def test_choosing_no_asset_is_refused_by_field_and_nothing_is_saved(
    client, admin_user, acme_synced
):
    _sandbox, business = acme_synced
    employee, _assets = _choices(business)
    client.force_login(admin_user)
    before = Grant.objects.count()
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {"holder": f"p{employee.pk}", "preset": "media_buyer", "mode": "add", "confirm": "yes"},
    )
    assert response.status_code == 200
    assert "Assets: choose at least one." in response.content.decode()
    assert Grant.objects.count() == before


def test_a_holder_from_another_business_is_refused(client, admin_user, acme_synced):
    _sandbox, business = acme_synced
    _employee, assets = _choices(business)
    stranger = BusinessUser.objects.exclude(business=business).filter(meta_id__isnull=False).first()
    client.force_login(admin_user)
    holder = f"p{stranger.pk}" if stranger else "p999999"
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {"holder": holder, "preset": "media_buyer", "mode": "add", "assets": [assets[0].pk]},
    )
    assert response.status_code == 200
    assert "Who" in response.content.decode()


def test_staff_not_assigned_to_the_client_get_a_404(client, acme_synced, django_user_model):
    _sandbox, business = acme_synced
    outsider = django_user_model.objects.create_user("outsider", password="x", is_staff=True)
    outsider.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="add_grant")
    )
    client.force_login(outsider)
    assert client.get(reverse("portal:give_access", args=[business.pk])).status_code == 404
    StaffAssignment.objects.create(user=outsider, business=business)
    assert client.get(reverse("portal:give_access", args=[business.pk])).status_code == 200


def _six_tasks_on_a_page(sandbox, business):
    employee, assets = _choices(business)
    page = assets[-1]
    sandbox.world.assign(
        page.meta_id,
        employee.meta_id,
        ["MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE"],
    )
    # A full re-read: an incremental sync sees a change made in Meta within the window only.
    business_sync(business_id=business.pk, actor=Actor.system(), full=True)
    return employee, assets, page


def four_page_tasks_as_labels() -> str:
    return task_labels(["CREATE_CONTENT", "MANAGE", "MESSAGING", "MODERATE"], "page")


def test_submitting_shows_a_review_of_held_now_and_after_and_sends_nothing(
    client, admin_user, acme_synced
):
    sandbox, business = acme_synced
    employee, _assets, page = _six_tasks_on_a_page(sandbox, business)
    client.force_login(admin_user)
    before = list(Grant.objects.values_list("pk", "tasks", "push_state"))
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {"holder": f"p{employee.pk}", "preset": "media_buyer", "mode": "add", "assets": [page.pk]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="review"' in html and four_page_tasks_as_labels() in html
    assert "This removes access" not in html
    assert list(Grant.objects.values_list("pk", "tasks", "push_state")) == before


def test_replace_review_lists_every_task_that_will_be_lost_per_asset(
    client, admin_user, acme_synced
):
    sandbox, business = acme_synced
    employee, _assets, page = _six_tasks_on_a_page(sandbox, business)
    client.force_login(admin_user)
    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {
            "holder": f"p{employee.pk}",
            "preset": "media_buyer",
            "mode": "replace",
            "assets": [page.pk],
        },
    )
    html = response.content.decode()
    assert "This removes access" in html
    assert f"{page.name}" in html and f"loses {four_page_tasks_as_labels()}" in html


def test_the_result_page_shows_before_and_after_per_asset(
    client, admin_user, acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    employee, _assets, page = _six_tasks_on_a_page(sandbox, business)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:give_access", args=[business.pk]),
            {
                "holder": f"p{employee.pk}",
                "preset": "media_buyer",
                "mode": "add",
                "assets": [page.pk],
                "confirm": "yes",
            },
        )
    html = client.get(response.url).content.decode()
    row = html.split('id="given"')[1]
    six = task_labels(
        ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MANAGE", "MESSAGING", "MODERATE"], "page"
    )
    assert row.count(six) >= 2
    assert "removed" not in row
    in_meta = sandbox.world.assets[page.meta_id].assigned[employee.meta_id]
    assert "MANAGE" in in_meta


def test_the_holder_picker_lists_the_agencys_people_and_system_users(client, admin_user, cast):
    from businesses.models import PartnerRelationship
    from tests.factories import PersonFactory, SystemUserFactory

    PartnerRelationship.objects.create(agency=cast.agency, client=cast.client_a, status="active")
    buyer = PersonFactory(business=cast.agency, name="New Media Buyer")
    bot = SystemUserFactory(business=cast.agency, name="Agency automation")
    PersonFactory(business=cast.client_b, name="Birch person")
    client.force_login(admin_user)
    html = client.get(reverse("portal:give_access", args=[cast.client_a.pk])).content.decode()
    assert f'value="p{buyer.pk}"' in html and f'value="s{bot.pk}"' in html
    assert "People of Northwind Media (agency)" in html
    assert "Birch person" not in html


def test_an_agency_the_staff_member_is_not_assigned_to_lends_no_holders(client, cast):
    from businesses.models import PartnerRelationship
    from tests.factories import PersonFactory

    PartnerRelationship.objects.create(agency=cast.agency, client=cast.client_a, status="active")
    PersonFactory(business=cast.agency, name="New Media Buyer")
    client.force_login(cast.alice)
    html = client.get(reverse("portal:give_access", args=[cast.client_a.pk])).content.decode()
    assert "New Media Buyer" not in html


def test_assets_are_grouped_by_kind_with_a_filter_and_select_all(client, admin_user, acme_synced):
    _sandbox, business = acme_synced
    client.force_login(admin_user)
    html = client.get(reverse("portal:give_access", args=[business.pk])).content.decode()
    assert 'id="asset-filter"' in html
    assert 'class="select-all" data-kind="ad_account"' in html
    assert 'class="select-all" data-kind="page"' in html
