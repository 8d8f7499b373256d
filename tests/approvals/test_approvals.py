"""Two-person approval: risky changes wait as requests when the agency turned it on; a second
staff member who manages the client approves (or rejects); requests expire; Auditors only see."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.models import ChangeRequest
from approvals.services import (
    approval_policy_set,
    change_request_approve,
    change_request_reject,
    change_requests_expire,
)
from assets.models import AssetKind, PushState
from businesses.actors import Actor
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.models import AuditEvent, PartnerRelationship
from systemusers.admin import SystemUserAddForm
from systemusers.models import SystemUser
from tests.factories import AssetFactory, GrantFactory, PersonFactory, StaffFactory


@pytest.fixture
def carl(cast):
    """A second account manager on client A."""
    return StaffFactory(username="carl", group="Account manager", businesses=[cast.client_a])


@pytest.fixture
def approval_on(cast):
    return approval_policy_set(
        agency=cast.agency, enabled=True, expires_after_hours=48, actor=Actor.system()
    )


@pytest.fixture
def leaver(cast):
    person = PersonFactory(business=cast.client_a, email="leaver@agency.example", name="Lee Ver")
    grant = GrantFactory(asset=AssetFactory(owner_business=cast.client_a), person=person)
    return person, grant


def _offboard(client, user, email):
    client.force_login(user)
    return client.post(reverse("portal:offboarding"), {"email": email, "confirm": "yes"})


def test_nothing_is_held_while_approval_is_off(cast):
    held = hold_if_required(
        change=RiskyChange.END_PARTNERSHIP,
        business=cast.client_a,
        actor=Actor.staff(cast.alice),
        summary="x",
        payload={},
    )
    assert held is None and not ChangeRequest.objects.exists()


def test_offboarding_with_approval_on_saves_a_request_and_changes_nothing(
    cast, client, approval_on, leaver
):
    _person, grant = leaver

    response = _offboard(client, cast.alice, "leaver@agency.example")

    assert response.status_code == 302 and response.url == reverse("portal:approvals:list")
    request = ChangeRequest.objects.get()
    assert (request.change, request.requested_by, request.state) == (
        RiskyChange.OFFBOARD_PERSON,
        cast.alice,
        ChangeRequest.State.PENDING,
    )
    grant.refresh_from_db()
    assert grant.push_state == PushState.IN_SYNC
    assert AuditEvent.objects.filter(action="approval.request", actor=cast.alice).exists()


def test_the_requester_cannot_approve_their_own_request(cast, client, approval_on, leaver):
    _offboard(client, cast.alice, "leaver@agency.example")
    request = ChangeRequest.objects.get()

    with pytest.raises(PermissionDenied):
        change_request_approve(request=request, user=cast.alice)
    request.refresh_from_db()
    assert request.state == ChangeRequest.State.PENDING


def test_a_second_manager_approves_and_only_then_the_change_is_made(
    cast, client, carl, approval_on, leaver, django_capture_on_commit_callbacks
):
    _person, grant = leaver
    _offboard(client, cast.alice, "leaver@agency.example")
    client.force_login(carl)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(
            reverse("portal:approvals:decide", args=[ChangeRequest.objects.get().pk]),
            {"decision": "approve", "note": "Confirmed with HR."},
        )

    request = ChangeRequest.objects.get()
    assert (request.state, request.decided_by) == (ChangeRequest.State.DONE, carl)
    grant.refresh_from_db()
    assert grant.push_state == PushState.PENDING_REMOVAL
    assert len(queued) == 1  # the removal in Meta follows the commit
    approve = AuditEvent.objects.get(action="approval.approve")
    assert approve.actor == carl and approve.changes["requested_by"] == "alice"
    applied = AuditEvent.objects.get(action="person.offboard")
    assert applied.actor == carl and "request #" in applied.actor_label


def test_auditors_see_requests_but_cannot_approve(cast, client, approval_on, leaver):
    auditor = StaffFactory(
        username="audrey", group="Auditor (read-only)", businesses=[cast.client_a]
    )
    _offboard(client, cast.alice, "leaver@agency.example")
    other = Client()
    other.force_login(auditor)

    page = other.get(reverse("portal:approvals:list")).content.decode()

    assert "Lee Ver" in page and "Approve and apply" not in page
    with pytest.raises(PermissionDenied):
        change_request_approve(request=ChangeRequest.objects.get(), user=auditor)


def test_staff_of_another_client_do_not_see_the_request(cast, client, approval_on, leaver):
    _offboard(client, cast.alice, "leaver@agency.example")
    request = ChangeRequest.objects.get()
    other = Client()  # a session of its own (alice's flash messages stay in hers)
    other.force_login(cast.bob)

    page = other.get(reverse("portal:approvals:list")).content.decode()
    response = other.post(
        reverse("portal:approvals:decide", args=[request.pk]), {"decision": "approve"}
    )

    assert "Lee Ver" not in page and response.status_code == 404


def test_an_expired_request_cannot_be_approved(cast, client, carl, approval_on, leaver):
    _offboard(client, cast.alice, "leaver@agency.example")
    request = ChangeRequest.objects.get()

    with (
        time_machine.travel(timezone.now() + timedelta(hours=49)),
        pytest.raises(ValidationError),
    ):
        change_request_approve(request=request, user=carl)

    request.refresh_from_db()
    assert request.state == ChangeRequest.State.EXPIRED


def test_the_sweep_expires_unanswered_requests_and_records_it(cast, client, approval_on, leaver):
    _offboard(client, cast.alice, "leaver@agency.example")

    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        assert change_requests_expire() == 1

    assert ChangeRequest.objects.get().state == ChangeRequest.State.EXPIRED
    assert AuditEvent.objects.filter(action="approval.expire").exists()


def test_a_rejected_request_changes_nothing(cast, client, carl, approval_on, leaver):
    _person, grant = leaver
    _offboard(client, cast.alice, "leaver@agency.example")

    change_request_reject(request=ChangeRequest.objects.get(), user=carl, note="Still here.")

    assert ChangeRequest.objects.get().state == ChangeRequest.State.REJECTED
    grant.refresh_from_db()
    assert grant.push_state == PushState.IN_SYNC
    assert "Still here." in AuditEvent.objects.get(action="approval.reject").summary


def test_giving_full_control_waits_for_approval_but_analyst_does_not(cast, client, approval_on):
    person = PersonFactory(business=cast.client_a, name="Fay Full")
    account = AssetFactory(owner_business=cast.client_a, kind=AssetKind.AD_ACCOUNT)
    client.force_login(cast.alice)
    url = reverse("portal:give_access", args=[cast.client_a.pk])

    # Held once staff confirm the reviewed change (the review itself sends nothing).
    confirmed = {"mode": "add", "confirm": "yes"}
    held = client.post(
        url,
        {"holder": f"p{person.pk}", "assets": [account.pk], "preset": "full_control", **confirmed},
    )
    assert held.url == reverse("portal:approvals:list")
    request = ChangeRequest.objects.get()
    assert request.change == RiskyChange.GRANT_FULL_CONTROL
    assert request.payload == {
        "person_id": person.pk,
        "asset_ids": [account.pk],
        "preset": "full_control",
        "mode": "add",
    }

    given = client.post(
        url, {"holder": f"p{person.pk}", "assets": [account.pk], "preset": "analyst", **confirmed}
    )
    assert given.url == reverse("portal:access_result", args=[cast.client_a.pk])
    assert ChangeRequest.objects.count() == 1


def test_creating_an_admin_system_user_waits_for_approval(cast, approval_on):
    form = SystemUserAddForm(
        data={"business": cast.client_a.pk, "name": "Root bot", "role": "ADMIN"},
        actor=Actor.staff(cast.alice),
    )

    assert not form.is_valid()
    assert "request #" in form.non_field_errors()[0]
    assert not SystemUser.objects.filter(name="Root bot").exists()
    assert ChangeRequest.objects.get().payload == {"name": "Root bot"}


def test_revoking_the_last_admin_of_an_asset_waits_but_another_grant_does_not(
    cast, admin_client, approval_on
):
    account = AssetFactory(owner_business=cast.client_a)
    admin_grant = GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])
    plain = GrantFactory(asset=account, tasks=["ANALYZE"], applied_tasks=["ANALYZE"])

    admin_client.post(
        reverse("admin:assets_grant_changelist"),
        {
            "action": "revoke_selected",
            helpers.ACTION_CHECKBOX_NAME: [admin_grant.pk, plain.pk],
            "confirmed": "yes",
        },
    )

    admin_grant.refresh_from_db()
    plain.refresh_from_db()
    assert admin_grant.push_state == PushState.IN_SYNC
    assert plain.push_state == PushState.PENDING_REMOVAL
    assert ChangeRequest.objects.get().change == RiskyChange.REVOKE_LAST_ADMIN


def test_a_failure_when_applying_an_approved_request_is_recorded_and_shown(
    cast, admin_client, carl, approval_on, settings
):
    settings.META_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens: Meta cannot be reached
    rel = PartnerRelationship.objects.create(
        agency=cast.agency, client=cast.client_a, status=PartnerRelationship.Status.ACTIVE
    )
    admin_client.post(
        reverse("admin:businesses_partnerrelationship_changelist"),
        {"action": "end_in_meta", helpers.ACTION_CHECKBOX_NAME: [rel.pk], "confirmed": "yes"},
    )
    request = ChangeRequest.objects.get()
    assert request.change == RiskyChange.END_PARTNERSHIP

    done = change_request_approve(request=request, user=carl)

    rel.refresh_from_db()
    assert done.state == ChangeRequest.State.FAILED and done.result
    assert rel.status == PartnerRelationship.Status.ACTIVE


def test_an_agency_admin_turns_approval_on_and_it_is_audited(cast, client):
    boss = StaffFactory(username="bea", group="Agency admin", businesses=[cast.client_a])
    client.force_login(boss)

    client.post(
        reverse("portal:approvals:policy"),
        {"agency": cast.agency.pk, "enabled": "on", "expires_after_hours": "24"},
    )

    policy = cast.agency.approval_policy
    assert policy.enabled and policy.expires_after_hours == 24
    assert AuditEvent.objects.filter(action="approval.policy", actor=boss).exists()


def test_an_account_manager_cannot_change_the_approval_setting(cast, client):
    client.force_login(cast.alice)

    response = client.post(
        reverse("portal:approvals:policy"), {"agency": cast.agency.pk, "expires_after_hours": "24"}
    )

    assert response.status_code == 403
