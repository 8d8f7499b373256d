"""Every changelist runs the same number of queries for 1 row and for 200 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetAccess, AssetGroup, AssetKind, TaskPreset
from businesses.models import (
    AccessToken,
    AuditEvent,
    GraphCall,
    PartnerRelationship,
    StaffAssignment,
)
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    DeveloperAppFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
    meta_id,
)


def _make(model: str, business, n: int) -> None:
    for i in range(n):
        if model == "businesses_business":
            BusinessFactory(app=business.app)
        elif model == "businesses_businessuser":
            PersonFactory(business=business)
        elif model == "businesses_partnerrelationship":
            PartnerRelationship.objects.create(
                agency=business, client=BusinessFactory(app=business.app)
            )
        elif model == "businesses_staffassignment":
            StaffAssignment.objects.create(user=StaffFactory(), business=business)
        elif model == "businesses_accesstoken":
            token = AccessToken(kind="USER", purpose="login", business=business, app=business.app)
            token.set_token(f"EAAB{'y' * 30}{i:06d}")
            token.save()
        elif model == "businesses_graphcall":
            GraphCall.objects.create(
                at=timezone.now(),
                app=business.app,
                business_meta_id=business.meta_id,
                method="GET",
                path=f"/{business.meta_id}/owned_pages",
                status=200,
            )
        elif model == "sync_syncrun":
            SyncRun.objects.create(business=business)
        elif model == "sync_driftevent":
            DriftEvent.objects.create(business=business, kind="asset_added", summary=f"asset {i}")
        elif model == "businesses_auditevent":
            AuditEvent.objects.create(
                business=business, source="system", action="x", summary=f"e {i}"
            )
        elif model == "assets_asset":
            AssetFactory(owner_business=business, kind=AssetKind.PAGE)
        elif model == "assets_assetaccess":
            asset = AssetFactory(owner_business=None, kind=AssetKind.PAGE)
            AssetAccess.objects.create(
                asset=asset, business=business, access_type="AGENCY", permitted_tasks=["ANALYZE"]
            )
        elif model == "assets_assetgroup":
            group = AssetGroup.objects.create(
                business=business, meta_id=meta_id(), name=f"group {i}"
            )
            group.assets.add(AssetFactory(owner_business=business))
        elif model == "assets_grant":
            GrantFactory(
                asset=AssetFactory(owner_business=business),
                person=PersonFactory(business=business),
                business=business,
            )
        elif model == "systemusers_systemuser":
            SystemUserFactory(business=business)
        elif model == "businesses_developerapp":
            DeveloperAppFactory(owner_business=business)
        elif model == "onboarding_onboarding":
            Onboarding.objects.create(
                agency=business,
                client_business=business,
                client_meta_id=meta_id(),
                name=f"Client {i}",
            )
        elif model == "assets_taskpreset":
            TaskPreset.objects.create(
                slug=f"preset-{meta_id()}",
                label=f"Preset {i}",
                asset_kind="page",
                tasks=["ANALYZE"],
            )


MODELS = [
    "businesses_business",
    "businesses_businessuser",
    "businesses_partnerrelationship",
    "businesses_staffassignment",
    "businesses_accesstoken",
    "businesses_graphcall",
    "sync_syncrun",
    "sync_driftevent",
    "businesses_auditevent",
    "assets_asset",
    "assets_assetaccess",
    "assets_assetgroup",
    "assets_grant",
    "systemusers_systemuser",
    "businesses_developerapp",
    "onboarding_onboarding",
    "assets_taskpreset",
]


def _count(client, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_query_count_does_not_grow_with_rows(client, admin_user, model):
    business = BusinessFactory()
    client.force_login(admin_user)
    _make(model, business, 1)
    one_row = _count(client, model)
    _make(model, business, 199)
    two_hundred_rows = _count(client, model)
    assert two_hundred_rows == one_row


@pytest.mark.parametrize("model", ["assets_grant", "assets_asset", "businesses_businessuser"])
def test_scoped_changelist_query_count_does_not_grow_with_rows(client, cast, model):
    client.force_login(cast.alice)
    _make(model, cast.client_a, 1)
    one_row = _count(client, model)
    _make(model, cast.client_a, 199)
    assert _count(client, model) == one_row
