"""Instagram rows stored before the portal read InstagramBusinessAsset nodes hold the IGUser's
id as their Meta id and its `username` in details. Keep them sensible: note the IGUser id and
the username under the asset node's field names (`ig_user_id`, `ig_username`, SDK
adobjects/instagrambusinessasset.py). The next sync finds the asset whose `ig_user_id` is that
id and moves the row onto the asset's id, keeping its grants and shares."""

from django.db import migrations


def forwards(apps, schema_editor):
    Asset = apps.get_model("assets", "Asset")
    for asset in Asset.objects.filter(kind="instagram_account").iterator():
        details = dict(asset.details or {})
        if "ig_user_id" in details:
            continue
        details["ig_user_id"] = asset.meta_id
        username = details.pop("username", None)
        if username and not details.get("ig_username"):
            details["ig_username"] = username
        Asset.objects.filter(pk=asset.pk).update(details=details)


def backwards(apps, schema_editor):
    Asset = apps.get_model("assets", "Asset")
    for asset in Asset.objects.filter(kind="instagram_account").iterator():
        details = dict(asset.details or {})
        if details.get("ig_user_id") == asset.meta_id:
            details.pop("ig_user_id")
            if "ig_username" in details:
                details["username"] = details.pop("ig_username")
            Asset.objects.filter(pk=asset.pk).update(details=details)


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_admin_filter_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
