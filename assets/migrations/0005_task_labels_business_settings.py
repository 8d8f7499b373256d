from django.db import migrations

# Labels as Meta's Business Settings shows them (assets/vocabulary.py has the sources). Only
# labels still equal to the first seed are changed: an edit made in the admin is kept.
LABELS = {
    ("ad_account", "MANAGE"): ("Manage (admin)", "Manage ad account (full control)"),
    ("ad_account", "ADVERTISE"): ("Advertise", "Manage campaigns"),
    ("ad_account", "ANALYZE"): ("Analyze", "View performance"),
    ("ad_account", "DRAFT"): ("Draft", "Manage Creative Hub mockups"),
    ("ad_account", "AA_ANALYZE"): ("Advanced analyze", "Facebook Analytics (retired)"),
    ("page", "MANAGE"): ("Manage", "Everything (full control)"),
    ("page", "CREATE_CONTENT"): ("Create content", "Content"),
    ("page", "MODERATE"): ("Moderate", "Community activity"),
    ("page", "MESSAGING"): ("Messaging", "Messages and calls"),
    ("page", "ADVERTISE"): ("Advertise", "Ads"),
    ("page", "ANALYZE"): ("Analyze", "Insights"),
    ("pixel", "AA_ANALYZE"): ("Advanced analyze", "Facebook Analytics (retired)"),
    ("pixel", "ADVERTISE"): (
        "Advertise (connect ad accounts)",
        "Connect ad accounts to this dataset",
    ),
    ("pixel", "EDIT"): ("Edit (allow-listed)", "Edit dataset (allow-listed)"),
    ("pixel", "UPLOAD"): ("Upload conversion data", "Upload website conversion data"),
    ("catalog", "MANAGE"): ("Manage", "Manage catalog"),
    ("catalog", "ADVERTISE"): ("Advertise", "Create ads"),
    ("catalog", "AA_ANALYZE"): ("Advanced analyze", "Facebook Analytics (retired)"),
    ("instagram_account", "ADVERTISE"): ("Advertise", "Ads"),
    ("instagram_account", "ANALYZE"): ("Analyze", "Insights"),
}


def relabel(apps, schema_editor):
    TaskDefinition = apps.get_model("assets", "TaskDefinition")
    for (kind, name), (old, new) in LABELS.items():
        TaskDefinition.objects.filter(asset_kind=kind, name=name, label=old).update(label=new)


def unlabel(apps, schema_editor):
    TaskDefinition = apps.get_model("assets", "TaskDefinition")
    for (kind, name), (old, new) in LABELS.items():
        TaskDefinition.objects.filter(asset_kind=kind, name=name, label=new).update(label=old)


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_admin_filter_indexes")]
    operations = [migrations.RunPython(relabel, unlabel)]
