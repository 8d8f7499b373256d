"""Item 1 of issue 9: a grant never takes away a task the holder has unless the staff member
chose "replace". The service unions by default; the push unions with what Meta reports,
because Meta's assigned_users POST replaces the holder's whole task list."""

from __future__ import annotations

import pytest

from assets.models import Asset, AssetAccess, Grant, GrantMode, PushState
from assets.push import grant_push
from assets.services import (
    grant_create,
    grants_apply_preset,
    grants_preview_preset,
    share_create,
)
from businesses.actors import Actor
from businesses.models import BusinessUser
from sync.run import business_sync
from tests.factories import AssetFactory, BusinessFactory, PersonFactory

SIX_PAGE_TASKS = ["MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE"]


def _employee_and_page(business):
    employee = BusinessUser.objects.filter(
        business=business, role="EMPLOYEE", status="active"
    ).first()
    page = Asset.objects.filter(owner_business=business, kind="page").order_by("pk").first()
    return employee, page


def _holds_six_tasks_on_the_page(sandbox, business):
    employee, page = _employee_and_page(business)
    sandbox.world.assign(page.meta_id, employee.meta_id, SIX_PAGE_TASKS)
    # A full re-read: an incremental sync sees a change made in Meta within the window only.
    business_sync(business_id=business.pk, actor=Actor.system(), full=True)
    return employee, page


def test_media_buyer_on_a_page_keeps_the_six_tasks_the_person_held(
    acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    employee, page = _holds_six_tasks_on_the_page(sandbox, business)
    with django_capture_on_commit_callbacks(execute=True):
        grants_apply_preset(
            assets=[page], preset_slug="media_buyer", actor=Actor.system(), person=employee
        )
    grant = Grant.objects.get(person=employee, asset=page, asset_group__isnull=True)
    assert grant.push_state == PushState.IN_SYNC
    assert set(SIX_PAGE_TASKS) <= set(sandbox.world.assets[page.meta_id].assigned[employee.meta_id])
    assert set(SIX_PAGE_TASKS) <= set(grant.tasks)


def test_replace_is_explicit_and_leaves_exactly_the_preset(
    acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    employee, page = _holds_six_tasks_on_the_page(sandbox, business)
    with django_capture_on_commit_callbacks(execute=True):
        grants_apply_preset(
            assets=[page],
            preset_slug="media_buyer",
            actor=Actor.system(),
            person=employee,
            mode=GrantMode.REPLACE,
        )
    in_meta = set(sandbox.world.assets[page.meta_id].assigned[employee.meta_id])
    assert "MANAGE" not in in_meta and {"ADVERTISE", "ANALYZE"} <= in_meta


def test_preview_lists_what_replace_would_take_away_per_asset(acme_synced):
    sandbox, business = acme_synced
    employee, page = _holds_six_tasks_on_the_page(sandbox, business)
    [change] = grants_preview_preset(
        assets=[page], preset_slug="media_buyer", person=employee, mode=GrantMode.REPLACE
    )
    assert set(change.before) >= set(SIX_PAGE_TASKS)
    assert {"MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING"} <= set(change.lost)
    assert Grant.objects.get(person=employee, asset=page).tasks == change.before


def test_preview_in_add_mode_loses_nothing(acme_synced):
    sandbox, business = acme_synced
    employee, page = _holds_six_tasks_on_the_page(sandbox, business)
    [change] = grants_preview_preset(assets=[page], preset_slug="analyst", person=employee)
    assert change.lost == []
    assert set(change.after) == set(change.before)


def test_the_push_keeps_tasks_given_in_meta_that_the_portal_has_not_synced_yet(acme_synced):
    sandbox, business = acme_synced
    employee, page = _employee_and_page(business)
    Grant.objects.filter(person=employee, asset=page).delete()
    # Someone gives the person MODERATE in Business Settings; no sync since.
    sandbox.world.assign(page.meta_id, employee.meta_id, ["MODERATE"])
    grant = grant_create(
        asset=page, tasks=["ANALYZE"], actor=Actor.system(), person=employee, push=False
    )
    grant = grant_push(grant=grant, actor=Actor.system())
    assert grant.push_state == PushState.IN_SYNC
    assert {"MODERATE", "ANALYZE"} <= set(
        sandbox.world.assets[page.meta_id].assigned[employee.meta_id]
    )
    assert {"MODERATE", "ANALYZE"} <= set(grant.tasks)


def test_a_grant_in_replace_mode_pushes_exactly_its_tasks(acme_synced):
    sandbox, business = acme_synced
    employee, page = _employee_and_page(business)
    Grant.objects.filter(person=employee, asset=page).delete()
    sandbox.world.assign(page.meta_id, employee.meta_id, ["MODERATE"])
    grant = grant_create(
        asset=page,
        tasks=["ANALYZE"],
        actor=Actor.system(),
        person=employee,
        push=False,
        mode=GrantMode.REPLACE,
    )
    grant_push(grant=grant, actor=Actor.system())
    assert "MODERATE" not in sandbox.world.assets[page.meta_id].assigned[employee.meta_id]


def test_a_holder_whose_business_cannot_reach_the_asset_is_refused(acme_synced):
    from django.core.exceptions import ValidationError

    _sandbox, business = acme_synced
    _employee, page = _employee_and_page(business)
    stranger = PersonFactory(business=BusinessFactory(name="Elsewhere"))
    with pytest.raises(ValidationError, match="no confirmed access"):
        grants_preview_preset(assets=[page], preset_slug="analyst", person=stranger)


def test_sharing_again_with_a_partner_keeps_the_tasks_it_was_permitted(cast):
    asset = AssetFactory(owner_business=cast.client_a)
    AssetAccess.objects.create(
        asset=asset,
        business=cast.agency,
        access_type=AssetAccess.AccessType.AGENCY,
        permitted_tasks=["ANALYZE"],
        access_status="CONFIRMED",
    )
    access = share_create(
        asset=asset,
        partner=cast.agency,
        permitted_tasks=["ADVERTISE"],
        actor=Actor.system(),
        push=False,
    )
    assert access.permitted_tasks == ["ANALYZE", "ADVERTISE"]


def test_the_push_does_not_bring_back_a_task_removed_in_meta_since_the_last_sync(
    acme_synced, django_capture_on_commit_callbacks
):
    sandbox, business = acme_synced
    employee, _page = _employee_and_page(business)
    account = Asset.objects.filter(owner_business=business, kind="ad_account").first()
    sandbox.world.assign(account.meta_id, employee.meta_id, ["DRAFT", "AA_ANALYZE"])
    business_sync(business_id=business.pk, actor=Actor.system(), full=True)
    # Someone takes AA_ANALYZE away in Business Settings; the portal has not synced since.
    sandbox.world.assign(account.meta_id, employee.meta_id, ["DRAFT"])
    with django_capture_on_commit_callbacks(execute=True):
        grants_apply_preset(
            assets=[account], preset_slug="media_buyer", actor=Actor.system(), person=employee
        )
    in_meta = set(sandbox.world.assets[account.meta_id].assigned[employee.meta_id])
    assert {"DRAFT", "ADVERTISE", "ANALYZE"} <= in_meta
    assert "AA_ANALYZE" not in in_meta
    grant = Grant.objects.get(person=employee, asset=account, asset_group__isnull=True)
    assert grant.push_state == PushState.IN_SYNC and "AA_ANALYZE" not in grant.tasks
