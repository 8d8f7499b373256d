"""Every entry point of a risky change asks the approval gate: the admin's grant form (add and
change), the grant's own delete page, and the operator command that creates system users.
Each held change records a request, sends nothing to Meta, and is made once a second staff
member approves it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from approvals.models import ChangeRequest
from approvals.services import approval_policy_set, change_request_approve
from assets.models import AssetKind, Grant, PushState
from businesses.actors import Actor
from businesses.approval_gate import RiskyChange
from businesses.connect import business_connect
from businesses.models import AuditEvent
from systemusers.models import SystemUser
from tests.factories import (
    AssetFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)


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
def account(cast):
    return AssetFactory(owner_business=cast.client_a, kind=AssetKind.AD_ACCOUNT)


def _add_grant(admin_client, capture, *, account, tasks, person=None, system_user=None):
    with capture(execute=False) as queued:
        response = admin_client.post(
            reverse("admin:assets_grant_add"),
            {
                "asset": account.pk,
                "person": person.pk if person else "",
                "system_user": system_user.pk if system_user else "",
                "tasks": tasks,
            },
        )
    return response, queued


def _change_tasks(admin_client, capture, grant, tasks):
    with capture(execute=False) as queued:
        response = admin_client.post(
            reverse("admin:assets_grant_change", args=[grant.pk]), {"tasks": tasks}
        )
    return response, queued


def _approve(carl, capture):
    with capture(execute=False) as queued:
        done = change_request_approve(request=ChangeRequest.objects.get(), user=carl)
    assert done.state == ChangeRequest.State.DONE, done.result
    return queued


def test_adding_a_full_control_grant_in_the_admin_waits_then_is_made_once_approved(
    cast, admin_client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    person = PersonFactory(business=cast.client_a, name="Fay Full")

    response, queued = _add_grant(
        admin_client,
        django_capture_on_commit_callbacks,
        account=account,
        person=person,
        tasks="MANAGE, ADVERTISE",
    )

    assert response.status_code == 200 and "request #" in response.content.decode()
    request = ChangeRequest.objects.get()
    assert (request.change, request.business) == (RiskyChange.GRANT_FULL_CONTROL, cast.client_a)
    assert not Grant.objects.exists() and queued == []

    pushed = _approve(carl, django_capture_on_commit_callbacks)

    grant = Grant.objects.get(asset=account, person=person)
    assert set(grant.tasks) == {"MANAGE", "ADVERTISE"} and grant.push_state == PushState.PENDING
    assert len(pushed) == 1  # the push to Meta follows the approval's commit


def test_adding_a_full_control_grant_for_a_system_user_waits_too(
    cast, admin_client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    robot = SystemUserFactory(business=cast.client_a, name="Reporting bot")

    _response, queued = _add_grant(
        admin_client,
        django_capture_on_commit_callbacks,
        account=account,
        system_user=robot,
        tasks="MANAGE",
    )

    assert ChangeRequest.objects.get().payload["system_user_id"] == robot.pk
    assert not Grant.objects.exists() and queued == []
    _approve(carl, django_capture_on_commit_callbacks)
    assert Grant.objects.get(system_user=robot).tasks == ["MANAGE"]


def test_adding_a_grant_without_full_control_in_the_admin_is_not_held(
    cast, admin_client, approval_on, account, django_capture_on_commit_callbacks
):
    person = PersonFactory(business=cast.client_a)

    response, queued = _add_grant(
        admin_client,
        django_capture_on_commit_callbacks,
        account=account,
        person=person,
        tasks="ANALYZE",
    )

    assert response.status_code == 302
    assert Grant.objects.get(person=person).tasks == ["ANALYZE"] and len(queued) == 1
    assert not ChangeRequest.objects.exists()


def test_changing_a_grant_to_full_control_in_the_admin_waits_then_is_made_once_approved(
    cast, admin_client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    grant = GrantFactory(asset=account, tasks=["ANALYZE"], applied_tasks=["ANALYZE"])

    _response, queued = _change_tasks(
        admin_client, django_capture_on_commit_callbacks, grant, "ANALYZE, MANAGE"
    )

    assert ChangeRequest.objects.get().change == RiskyChange.GRANT_FULL_CONTROL
    grant.refresh_from_db()
    assert (grant.tasks, grant.push_state, queued) == (["ANALYZE"], PushState.IN_SYNC, [])

    pushed = _approve(carl, django_capture_on_commit_callbacks)

    grant.refresh_from_db()
    assert set(grant.tasks) == {"ANALYZE", "MANAGE"} and len(pushed) == 1


def test_taking_full_control_from_the_last_admin_in_the_admin_form_waits(
    cast, admin_client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    grant = GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])

    _response, queued = _change_tasks(
        admin_client, django_capture_on_commit_callbacks, grant, "ANALYZE"
    )

    assert ChangeRequest.objects.get().change == RiskyChange.REVOKE_LAST_ADMIN
    grant.refresh_from_db()
    assert (grant.tasks, queued) == (["MANAGE"], [])

    pushed = _approve(carl, django_capture_on_commit_callbacks)

    grant.refresh_from_db()
    assert grant.tasks == ["ANALYZE"] and len(pushed) == 1


def test_changing_the_tasks_of_an_admin_who_is_not_the_last_is_not_held(
    cast, admin_client, approval_on, account, django_capture_on_commit_callbacks
):
    GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])
    grant = GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])

    _change_tasks(admin_client, django_capture_on_commit_callbacks, grant, "ANALYZE")

    grant.refresh_from_db()
    assert grant.tasks == ["ANALYZE"] and not ChangeRequest.objects.exists()


def test_deleting_the_last_admin_grant_from_its_page_waits_then_is_removed_once_approved(
    cast, admin_client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    grant = GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(
            reverse("admin:assets_grant_delete", args=[grant.pk]), {"post": "yes"}
        )

    assert response.url == reverse("admin:assets_grant_change", args=[grant.pk])
    assert ChangeRequest.objects.get().change == RiskyChange.REVOKE_LAST_ADMIN
    grant.refresh_from_db()
    assert (grant.push_state, queued) == (PushState.IN_SYNC, [])

    pushed = _approve(carl, django_capture_on_commit_callbacks)

    grant.refresh_from_db()
    assert grant.push_state == PushState.PENDING_REMOVAL and len(pushed) == 1


def test_the_command_refuses_an_admin_system_user_while_approval_is_on(cast, approval_on):
    with pytest.raises(CommandError, match="--without-approval"):
        call_command("create_system_user", cast.client_a.meta_id, name="Root bot", role="ADMIN")

    assert not SystemUser.objects.filter(name="Root bot").exists()
    assert not ChangeRequest.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_goes_ahead_without_approval_only_when_told_and_records_it(connected):
    approval_policy_set(
        agency=connected.agency, enabled=True, expires_after_hours=48, actor=Actor.system()
    )
    delta = connected.creds["unconnected_client"]
    client = business_connect(
        business_meta_id=delta["business_id"],
        app=connected.app,
        token=delta["admin_user_token"],
        actor=Actor.system(),
    )

    call_command(
        "create_system_user",
        client.meta_id,
        name="Root bot",
        role="ADMIN",
        without_approval=True,
        stdout=io.StringIO(),
    )

    created = SystemUser.objects.get(name="Root bot")
    assert created.role == SystemUser.Role.ADMIN and created.meta_id
    bypass = AuditEvent.objects.get(action="approval.bypass")
    assert bypass.business == client and "Root bot" in bypass.summary
    assert "create_system_user" in bypass.actor_label and not ChangeRequest.objects.exists()


def test_replacing_the_last_admins_full_control_on_the_give_access_page_waits(
    cast, client, carl, approval_on, account, django_capture_on_commit_callbacks
):
    grant = GrantFactory(asset=account, tasks=["MANAGE"], applied_tasks=["MANAGE"])
    client.force_login(cast.alice)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("portal:give_access", args=[cast.client_a.pk]),
            {
                "holder": f"p{grant.person_id}",
                "assets": [account.pk],
                "preset": "analyst",
                "mode": "replace",
                "confirm": "yes",
            },
        )

    assert response.url == reverse("portal:approvals:list")
    assert ChangeRequest.objects.get().change == RiskyChange.REVOKE_LAST_ADMIN
    grant.refresh_from_db()
    assert (grant.tasks, queued) == (["MANAGE"], [])

    pushed = _approve(carl, django_capture_on_commit_callbacks)

    grant.refresh_from_db()
    assert "MANAGE" not in grant.tasks and len(pushed) == 1
