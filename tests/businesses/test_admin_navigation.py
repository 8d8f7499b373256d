"""The admin as staff use it (issue 9, item 13): lists filter by client, a business links to its
data, Meta's fields are read-only, no plain delete where Meta must be told, and account
managers see only their clients' data."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    AssetFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)
from tests.test_scoping_generated import ADMIN_MODELS

CLIENT_LISTS = [
    label
    for label, kind in ADMIN_MODELS.items()
    if kind == "client" and label != "businesses.business"
]


def _changelist(label: str) -> str:
    app_label, model = label.split(".")
    return reverse(f"admin:{app_label}_{model}_changelist")


@pytest.fixture
def head(cast):
    """An agency admin (not a superuser) assigned to both clients."""
    return StaffFactory(
        username="hana", group="Agency admin", businesses=[cast.client_a, cast.client_b]
    )


@pytest.mark.parametrize("label", CLIENT_LISTS)
def test_every_list_of_client_data_filters_by_the_staff_members_clients(client, cast, label):
    auditor = StaffFactory(
        username="audrey", group="Auditor (read-only)", businesses=[cast.client_a]
    )
    client.force_login(auditor)
    response = client.get(_changelist(label))
    specs = {
        getattr(spec, "parameter_name", None): spec for spec in response.context["cl"].filter_specs
    }
    assert "client" in specs, f"{label} has no client filter"
    offered = {int(pk) for pk, _name in specs["client"].lookup_choices}
    assert offered == {cast.client_a.pk}


def test_a_business_page_links_to_its_assets_people_system_users_and_syncs(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, name="Acme shop")
    AssetFactory(owner_business=cast.agency, name="Agency page")
    PersonFactory(business=cast.client_a, name="Ann Acme")
    SystemUserFactory(business=cast.client_a, name="Acme robot")
    client.force_login(cast.alice)
    page = client.get(
        reverse("admin:businesses_business_change", args=[cast.client_a.pk])
    ).content.decode()
    for name in ("assets_asset", "businesses_businessuser", "systemusers_systemuser"):
        assert f"{reverse(f'admin:{name}_changelist')}?client={cast.client_a.pk}" in page
    assert f"{reverse('admin:sync_syncrun_changelist')}?client={cast.client_a.pk}" in page
    listed = client.get(reverse("admin:assets_asset_changelist"), {"client": cast.client_a.pk})
    assert [a.pk for a in listed.context["cl"].result_list] == [asset.pk]


def test_fields_read_from_meta_are_read_only_on_a_business(client, cast, head):
    client.force_login(head)
    response = client.get(reverse("admin:businesses_business_change", args=[cast.client_a.pk]))
    editable = set(response.context["adminform"].form.fields)
    assert not editable & {"meta_id", "name", "verification_status", "two_factor_type"}
    assert {"contact_name", "contact_email", "sync_interval_minutes"} <= editable


def test_fields_read_from_meta_are_read_only_on_a_person(client, cast, head):
    person = PersonFactory(business=cast.client_a)
    client.force_login(head)
    response = client.get(reverse("admin:businesses_businessuser_change", args=[person.pk]))
    assert not set(response.context["adminform"].form.fields) & {"name", "email", "role"}


@pytest.mark.parametrize(
    ("label", "instead"),
    [
        ("assets.grant", "revoke_selected"),
        ("businesses.partnerrelationship", "end_in_meta"),
        ("systemusers.systemuser", "retire_selected"),
    ],
)
def test_no_plain_delete_where_meta_must_be_told(client, cast, head, label, instead):
    GrantFactory(asset=AssetFactory(owner_business=cast.client_a))
    client.force_login(head)
    form = client.get(_changelist(label)).context["action_form"]
    offered = {name for name, _ in form.fields["action"].choices}
    assert "delete_selected" not in offered
    assert instead in offered


def test_people_leave_through_offboarding_not_a_plain_delete(rf, cast, head):
    request = rf.get("/")
    request.user = head
    from businesses.models import BusinessUser

    assert "delete_selected" not in admin.site._registry[BusinessUser].get_actions(request)


@pytest.mark.parametrize(
    "url",
    [
        "admin:axes_accessattempt_changelist",
        "admin:axes_accesslog_changelist",
        "admin:django_celery_beat_periodictask_changelist",
        "admin:businesses_graphcall_changelist",
    ],
)
def test_account_managers_do_not_see_axes_schedules_or_the_call_ledger(client, cast, url):
    client.force_login(cast.alice)
    assert client.get(reverse(url)).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse(url) not in index


def test_the_demo_prints_an_auditor_login_that_reads_but_cannot_write(client, cast, settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_staff", stdout=out)
    assert "auditor / bm-portal-demo (read-only" in out.getvalue()
    login = client.post(
        reverse("admin:login"), {"username": "auditor", "password": "bm-portal-demo"}
    )
    assert login.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    give = client.get(reverse("portal:give_access", args=[cast.client_a.pk]))
    assert give.status_code == 403


def test_every_page_names_the_favicon_and_it_is_served(client, cast):
    client.force_login(cast.alice)
    page = client.get(reverse("portal:home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
