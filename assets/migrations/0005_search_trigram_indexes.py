"""Trigram indexes for the admin's grant search (issue 12), on PostgreSQL only.

Django's ``icontains`` on PostgreSQL is ``UPPER(col::text) LIKE UPPER('%term%')``: a GIN index
with ``gin_trgm_ops`` on that same expression serves it. SQLite (the demo) has no pg_trgm, so
there the migration does nothing.
"""

from django.db import migrations

INDEXES = (
    ("asset_name_trgm_idx", "assets_asset", "name"),
    ("person_name_trgm_idx", "businesses_businessuser", "name"),
    ("person_email_trgm_idx", "businesses_businessuser", "email"),
    ("system_user_name_trgm_idx", "systemusers_systemuser", "name"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_admin_filter_indexes"),
        ("businesses", "0004_onboarding"),
        ("systemusers", "0002_admin_filter_indexes"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
