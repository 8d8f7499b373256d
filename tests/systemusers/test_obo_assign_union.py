"""The wizard's On Behalf Of assignment follows the grant rule: Meta's POST replaces the
system user's task list, so the portal sends what it holds plus the preset."""

from __future__ import annotations

from assets.models import Asset
from systemusers.models import SystemUser
from systemusers.obo import obo_asset_assign


def test_assigning_a_preset_keeps_the_tasks_the_system_user_already_holds(acme_synced):
    sandbox, business = acme_synced
    system_user = SystemUser.objects.get(business=business, name="Acme Automation")
    page = Asset.objects.filter(owner_business=business, kind="page").order_by("name").first()
    sandbox.world.assign(page.meta_id, system_user.meta_id, ["MODERATE"])
    applied = obo_asset_assign(
        client=business,
        system_user=system_user,
        asset_id=page.meta_id,
        tasks=["ANALYZE"],
        user_token=sandbox.credentials["clients"][0]["admin_user_token"],
        app=business.app,
    )
    assert {"MODERATE", "ANALYZE"} <= set(applied)
    assert {"MODERATE", "ANALYZE"} <= set(
        sandbox.world.assets[page.meta_id].assigned[system_user.meta_id]
    )
