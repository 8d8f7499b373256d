"""Task presets in the admin: their tasks are checked against the kind's vocabulary."""

from __future__ import annotations

import json

from django.urls import reverse

from assets.models import AssetKind, TaskPreset


def _add(client, tasks):
    return client.post(
        reverse("admin:assets_taskpreset_add"),
        {
            "slug": "reporting",
            "label": "Reporting",
            "asset_kind": AssetKind.AD_ACCOUNT,
            "tasks": json.dumps(tasks),
            "description": "",
        },
    )


def test_a_preset_with_a_task_meta_does_not_accept_is_a_form_error_and_saves_nothing(
    admin_client,
):
    response = _add(admin_client, ["ANALYZE", "FLY"])

    assert response.status_code == 200
    assert "Not a task Meta accepts on this kind of asset: FLY" in response.content.decode()
    assert not TaskPreset.objects.filter(slug="reporting").exists()


def test_a_presets_tasks_are_saved_in_metas_spelling(admin_client):
    response = _add(admin_client, ["analyze", "advertise", "analyze"])

    assert response.status_code == 302
    assert TaskPreset.objects.get(slug="reporting").tasks == ["ANALYZE", "ADVERTISE"]
