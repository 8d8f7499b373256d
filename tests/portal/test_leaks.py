"""Leaks and over-reach found by probing every page as a scoped staff member (issue 9, items
3 to 6): each test here failed before its fix."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from assets.models import AssetAccess, Grant, PushState
from businesses.actors import Actor
from businesses.models import (
    AccessToken,
    AuditEvent,
    BusinessUser,
    GraphCall,
    PartnerRelationship,
    StaffAssignment,
)
from businesses.services import token_store
from portal.reports import csv_cell
from portal.selectors.home import home_rows
from sync.models import DriftEvent
from tests.factories import (
    AssetFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)

AUDITOR = "Auditor (read-only)"


@pytest.fixture
def agency_world(cast):
    """Alice manages client A and the agency; an agency person and an agency system user hold
    tasks on an asset of A and on one of B (which Alice does not manage)."""
    StaffAssignment.objects.create(user=cast.alice, business=cast.agency)
    mine = AssetFactory(owner_business=cast.client_a, name="Acme main account")
    theirs = AssetFactory(owner_business=cast.client_b, name="Birch secret account")
    for asset in (mine, theirs):
        AssetAccess.objects.create(
            asset=asset,
            business=cast.agency,
            access_type=AssetAccess.AccessType.AGENCY,
            permitted_tasks=["ADVERTISE", "ANALYZE"],
        )
    dana = PersonFactory(business=cast.agency, name="Dana Agency", email="dana@northwind.example")
    robot = SystemUserFactory(business=cast.agency, name="Northwind robot")
    grants = {
        "mine": GrantFactory(asset=mine, person=dana, business=cast.agency),
        "theirs": GrantFactory(asset=theirs, person=dana, business=cast.agency),
    }
    for asset in (mine, theirs):
        GrantFactory(asset=asset, person=None, system_user=robot, business=cast.agency)
    return {"mine": mine, "theirs": theirs, "dana": dana, "grants": grants}


# --- 3. search and the offboarding preview ----------------------------------------------------


def test_search_shows_a_persons_grants_only_in_clients_the_staff_member_manages(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    page = client.get(reverse("portal:search"), {"q": "Dana"}).content.decode()
    assert "Acme main account" in page
    assert "Birch secret account" not in page


def test_search_shows_a_system_users_grants_only_in_clients_the_staff_member_manages(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    page = client.get(reverse("portal:search"), {"q": "Northwind robot"}).content.decode()
    assert "Acme main account" in page
    assert "Birch secret account" not in page


def test_the_offboarding_preview_counts_grants_in_other_clients_without_naming_them(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    page = client.get(
        reverse("portal:offboarding"), {"email": "dana@northwind.example"}
    ).content.decode()
    assert "Acme main account" in page
    assert "Birch secret account" not in page
    assert agency_world["theirs"].meta_id not in page
    assert "Also 1 grant in clients you do not manage" in page


def test_offboarding_never_touches_grants_in_clients_the_staff_member_does_not_manage(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    client.post(
        reverse("portal:offboarding"), {"email": "dana@northwind.example", "confirm": "yes"}
    )
    grants = agency_world["grants"]
    for grant in grants.values():
        grant.refresh_from_db()
    assert grants["mine"].push_state == PushState.PENDING_REMOVAL
    assert grants["theirs"].push_state == PushState.IN_SYNC
    # Removing Dana from the agency in Meta would end the Birch grant too: she stays.
    assert not AuditEvent.objects.filter(action="person.offboard").exists()
    assert agency_world["dana"].status == BusinessUser.Status.ACTIVE


def test_offboarding_says_the_person_stays_where_others_manage_their_grants(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    response = client.post(
        reverse("portal:offboarding"),
        {"email": "dana@northwind.example", "confirm": "yes"},
        follow=True,
    )
    assert "They stay where they hold grants in clients you do not manage." in (
        response.content.decode()
    )


def test_the_agency_readiness_counts_only_grants_on_clients_the_staff_member_manages(
    client, cast, agency_world
):
    client.force_login(cast.alice)
    page = client.get(reverse("portal:readiness", args=[cast.agency.pk])).content.decode()
    assert "1 grant on its assets" in page
    assert "1 asset confirmed" in page


def test_the_agencys_history_leaves_out_grants_in_clients_the_staff_member_does_not_manage(
    client, cast, agency_world
):
    for key in ("mine", "theirs"):
        grant = agency_world["grants"][key]
        AuditEvent.objects.create(
            actor_label="test",
            source=AuditEvent.Source.SYSTEM,
            action="grant.revoke",
            business=cast.agency,
            target_type="assets.grant",
            target_id=str(grant.pk),
            summary=f"Asked to remove Dana's access to {grant.asset.name}.",
        )
    client.force_login(cast.alice)
    response = client.get(reverse("portal:audit_csv", args=[cast.agency.pk]))
    body = b"".join(response.streaming_content).decode()
    assert "Acme main account" in body
    assert "Birch secret account" not in body
    listing = client.get(reverse("admin:businesses_auditevent_changelist"))
    assert "Birch secret account" not in listing.content.decode()


def test_the_agencys_drift_leaves_out_assets_of_clients_the_staff_member_does_not_manage(
    client, cast, agency_world
):
    for key in ("mine", "theirs"):
        asset = agency_world[key]
        DriftEvent.objects.create(
            business=cast.agency,
            kind=DriftEvent.Kind.GRANT_ADDED,
            summary=f"Dana got ADVERTISE on {asset.name} outside the portal.",
            details={"asset": asset.meta_id},
        )
    DriftEvent.objects.create(
        business=cast.agency, kind=DriftEvent.Kind.PERSON_ADDED, summary="Eve joined."
    )
    agency_row = next(r for r in home_rows(cast.alice) if r.business.is_agency)
    assert agency_row.business.drift_count == 2
    client.force_login(cast.alice)
    page = client.get(reverse("admin:sync_driftevent_changelist")).content.decode()
    assert "Acme main account" in page and "Eve joined." in page
    assert "Birch secret account" not in page


# --- 4. "why can't we see this asset?" ------------------------------------------------------


def test_why_cant_we_see_answers_nothing_about_another_clients_asset(client, cast, agency_world):
    client.force_login(cast.alice)
    theirs = agency_world["theirs"]
    page = client.get(
        reverse("portal:readiness", args=[cast.client_a.pk]), {"asset_id": theirs.meta_id}
    ).content.decode()
    assert "Birch secret account" not in page
    assert "Never shared (or not synced yet)" in page


# --- 5. staff assignments and the Auditor ---------------------------------------------------


def test_account_managers_cannot_add_staff_assignments(client, cast):
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:businesses_staffassignment_add"),
        {"user": cast.bob.pk, "business": cast.client_a.pk},
    )
    assert response.status_code == 403
    assert not StaffAssignment.objects.filter(user=cast.bob, business=cast.client_a).exists()


def test_account_managers_cannot_delete_staff_assignments(client, cast):
    assignment = StaffAssignment.objects.get(user=cast.alice, business=cast.client_a)
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:businesses_staffassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert StaffAssignment.objects.filter(pk=assignment.pk).exists()


def test_agency_admins_add_staff_assignments(client, cast):
    head = StaffFactory(username="hana", group="Agency admin", businesses=[cast.client_a])
    client.force_login(head)
    response = client.post(
        reverse("admin:businesses_staffassignment_add"),
        {"user": cast.bob.pk, "business": cast.client_a.pk},
    )
    assert response.status_code == 302
    assert StaffAssignment.objects.filter(user=cast.bob, business=cast.client_a).exists()


def test_agency_admins_pick_the_staff_member_from_a_list(client, cast):
    head = StaffFactory(username="hana", group="Agency admin", businesses=[cast.client_a])
    client.force_login(head)
    page = client.get(reverse("admin:businesses_staffassignment_add")).content.decode()
    assert f'<option value="{cast.bob.pk}">bob</option>' in page


def test_the_auditor_is_not_offered_the_token_check(client, cast):
    token_store(
        token="EAAB" + "z" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=cast.client_a,
        actor=Actor.system(),
    )
    auditor = StaffFactory(username="audrey", group=AUDITOR, businesses=[cast.client_a])
    client.force_login(auditor)
    response = client.get(reverse("admin:businesses_accesstoken_changelist"))
    assert response.status_code == 200
    form = response.context["action_form"]
    offered = [name for name, _label in form.fields["action"].choices] if form else []
    assert "check_health" not in offered


# --- 6. the wizard, the ledger, CSVs, login, the Onboarding admin, the Login state ----------


@pytest.fixture
def partnered(connected, cast):
    """The cast's clients as active clients of the sandbox-connected agency."""
    for business in (cast.client_a, cast.client_b):
        PartnerRelationship.objects.create(
            agency=connected.agency, client=business, status=PartnerRelationship.Status.ACTIVE
        )
    return cast


def _start(client, meta_id: str):
    response = client.post(
        reverse("portal:onboarding_new"), {"name": "Someone", "client_meta_id": meta_id}
    )
    text = response.content.decode() if response.status_code == 200 else ""
    return response.status_code, re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "", text)


def test_the_wizard_answers_for_an_unassigned_client_as_for_an_unknown_business(client, partnered):
    client.force_login(partnered.alice)
    hidden = partnered.client_b.meta_id
    unknown = "987654321098765"  # no Business Manager has this id, in Meta or here
    status, page = _start(client, hidden)
    assert "already an active client" not in page
    assert (status, page.replace(hidden, "<id>")) == tuple(
        v.replace(unknown, "<id>") if isinstance(v, str) else v for v in _start(client, unknown)
    )


def test_the_wizard_tells_a_manager_their_own_client_is_already_active(client, partnered):
    client.force_login(partnered.bob)
    assert "already an active client" in _start(client, partnered.client_b.meta_id)[1]


def test_the_call_ledger_hides_the_agencys_calls_from_scoped_staff(client, cast, agency_world):
    from django.utils import timezone

    now = timezone.now()
    theirs = GraphCall.objects.create(
        at=now,
        business_meta_id=cast.agency.meta_id,
        method="GET",
        path=f"/v25.0/{agency_world['theirs'].meta_id}/assigned_users",
        status=200,
    )
    own = GraphCall.objects.create(
        at=now, business_meta_id=cast.client_a.meta_id, method="GET", path="/v25.0/me", status=200
    )
    auditor = StaffFactory(
        username="audrey", group=AUDITOR, businesses=[cast.agency, cast.client_a]
    )
    client.force_login(auditor)
    response = client.get(reverse("admin:businesses_graphcall_changelist"))
    shown = {call.pk for call in response.context["cl"].result_list}
    assert shown == {own.pk}
    assert theirs.pk not in shown


@pytest.mark.parametrize(
    "text", ["=1+1", " =HYPERLINK(1)", "\t=1", "  +1", "@SUM(1)", "-2+3", " \r=1"]
)
def test_the_csv_guard_quotes_formulas_even_after_leading_spaces(text):
    assert csv_cell(text) == "'" + text


def test_the_csv_guard_leaves_plain_text_alone():
    assert csv_cell(" Acme US") == " Acme US"


def test_the_access_report_command_guards_csv_cells(cast):
    asset = AssetFactory(owner_business=cast.client_a, name="=HYPERLINK(1)")
    person = PersonFactory(business=cast.client_a, name=" =cmd|calc")
    GrantFactory(asset=asset, person=person, business=cast.client_a)
    out = io.StringIO()
    call_command("access_report", cast.client_a.meta_id, "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["asset_name"] == "'=HYPERLINK(1)"
    assert rows[0]["principal_name"] == "' =cmd|calc"


def test_the_access_csv_download_guards_a_formula_after_a_space(client, cast):
    asset = AssetFactory(owner_business=cast.client_a, name="Acme")
    person = PersonFactory(business=cast.client_a, name=" =cmd|calc")
    GrantFactory(asset=asset, person=person, business=cast.client_a)
    client.force_login(cast.alice)
    response = client.get(reverse("portal:access_csv", args=[cast.client_a.pk]))
    body = b"".join(response.streaming_content).decode()
    assert "' =cmd|calc" in body


def test_a_login_with_a_refused_next_lands_on_the_portal_home(client, cast):
    response = client.post(
        reverse("admin:login") + "?next=https://evil.example/",
        {
            "username": "alice",
            "password": "correct horse battery staple",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


@pytest.mark.parametrize("group", ["Agency admin", "Account manager", AUDITOR])
def test_every_staff_group_opens_the_onboarding_admin(client, cast, group):
    member = StaffFactory(username=f"m-{group[:5]}", group=group, businesses=[cast.client_a])
    client.force_login(member)
    assert client.get(reverse("admin:onboarding_onboarding_changelist")).status_code == 200


def test_a_replayed_login_callback_never_replaces_the_stored_token(client, connected):
    from urllib.parse import parse_qs, urlparse

    from onboarding.models import Onboarding
    from onboarding.services import login_dialog_url

    delta = connected.creds["unconnected_client"]
    onboarding = Onboarding.objects.create(
        agency=connected.agency,
        name="Delta Ridge Fitness",
        client_meta_id=delta["business_id"],
        oauth_state="s" * 40,
    )
    redirect_uri = "http://testserver" + reverse("portal:oauth_callback")
    link = login_dialog_url(onboarding=onboarding, redirect_uri=redirect_uri)
    state = parse_qs(urlparse(link).query)["state"][0]
    world = connected.sandbox.world
    codes = [
        world.mint_login_code(delta["admin_person_id"], connected.app.meta_id, redirect_uri)
        for _ in range(2)
    ]
    first = client.get(reverse("portal:oauth_callback"), {"code": codes[0], "state": state})
    assert first.status_code in (200, 302), first.content.decode()
    onboarding.refresh_from_db()
    stored = onboarding.login_token_id
    assert stored is not None
    replay = client.get(reverse("portal:oauth_callback"), {"code": codes[1], "state": state})
    assert replay.status_code == 400
    onboarding.refresh_from_db()
    assert onboarding.login_token_id == stored
    assert AccessToken.objects.get(pk=stored).is_active
    assert Grant.objects.count() == 0  # nothing else happened on the replay
