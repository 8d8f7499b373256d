"""Pages that stay flat at 100k assets (issue 12): grouped counts, value rows, indexed search."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.urls import reverse

from assets.models import AssetAccess, AssetKind, Grant, PushState
from portal.reports import access_report_rows
from portal.selectors.home import home_rows
from portal.selectors.readiness import granted_asset_counts, readiness_annotated
from portal.views.reports import ACCESS_COLUMNS, _access_value_rows
from systemusers.admin_grants import grant_search_filter
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    GrantFactory,
    PersonFactory,
    SystemUserFactory,
)


def _shared_with(asset, business):
    AssetAccess.objects.create(
        asset=asset, business=business, access_type=AssetAccess.AccessType.AGENCY
    )


def test_the_grouped_granted_asset_counts_equal_the_per_business_annotation(admin_user):
    agency, client_a, client_b = (BusinessFactory() for _ in range(3))
    shared = AssetFactory(owner_business=client_a)
    _shared_with(shared, agency)
    GrantFactory(asset=shared)
    GrantFactory(asset=shared)
    GrantFactory(asset=AssetFactory(owner_business=client_b))
    GrantFactory(asset=AssetFactory(owner_business=client_b), push_state=PushState.REMOVED)
    businesses = [agency, client_a, client_b]

    grouped = granted_asset_counts([b.pk for b in businesses], admin_user)

    annotated = readiness_annotated(BusinessFactory._meta.model.objects.all(), admin_user)
    assert grouped == {b.pk: b.granted_asset_count for b in annotated if b.granted_asset_count}
    assert grouped == {agency.pk: 1, client_a.pk: 1, client_b.pk: 1}


def test_home_rows_carry_the_grouped_granted_asset_count(admin_user):
    client_a = BusinessFactory()
    GrantFactory(asset=AssetFactory(owner_business=client_a))
    GrantFactory(asset=AssetFactory(owner_business=client_a))

    rows = {row.business.pk: row for row in home_rows(admin_user)}

    access = next(item for item in rows[client_a.pk].readiness if item.key == "access")
    assert access.ok and access.detail == "2 grants on its assets."


def test_the_access_csv_rows_from_column_values_equal_the_shared_report(db):
    client_a = BusinessFactory()
    for kind in (AssetKind.AD_ACCOUNT, AssetKind.PAGE):
        GrantFactory(asset=AssetFactory(owner_business=client_a, kind=kind))
    unnamed = PersonFactory(business=client_a, name="", email="pat@acme.example")
    GrantFactory(asset=AssetFactory(owner_business=client_a), person=unnamed)
    Grant.objects.create(
        asset=AssetFactory(owner_business=client_a),
        business=client_a,
        system_user=SystemUserFactory(business=client_a, name="Conversions API"),
        tasks=["ANALYZE"],
        push_state=PushState.PENDING,
    )
    GrantFactory(asset=AssetFactory(owner_business=client_a), push_state=PushState.REMOVED)
    grants = Grant.objects.all()

    from_values = list(_access_value_rows(grants))

    expected = [
        (
            r["asset_id"],
            r["asset_type"],
            r["asset_name"],
            r["principal_id"] or "",
            r["principal_type"],
            r["principal_name"],
            " ".join(r["tasks"]),
        )
        for r in access_report_rows(grants=grants)
    ]
    assert from_values == expected
    assert len(from_values) == 4


def test_the_access_csv_is_streamed_with_its_header(admin_client):
    client_a = BusinessFactory()
    grant = GrantFactory(asset=AssetFactory(owner_business=client_a))

    response = admin_client.get(reverse("portal:access_csv", args=[client_a.pk]))

    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == list(ACCESS_COLUMNS)
    assert rows[1][0] == grant.asset.meta_id


def test_grant_search_by_an_id_matches_it_exactly_not_as_a_substring(db):
    wanted = GrantFactory(asset=AssetFactory(meta_id="act_123456789"))
    GrantFactory(asset=AssetFactory(meta_id="act_1234567890"))

    found = Grant.objects.filter(grant_search_filter("123456789"))

    assert list(found) == [wanted]


def test_grant_search_by_text_finds_asset_names_and_people_emails(db):
    by_asset = GrantFactory(asset=AssetFactory(name="Spring Sale Account"))
    by_email = GrantFactory(person=PersonFactory(email="sale.lead@acme.example"))
    GrantFactory(asset=AssetFactory(name="Winter"), person=PersonFactory(email="x@y.example"))

    found = set(Grant.objects.filter(grant_search_filter("sale")))

    assert found == {by_asset, by_email}


def test_the_grant_admin_search_uses_the_id_and_text_filters(admin_client):
    grant = GrantFactory(asset=AssetFactory(name="Spring Sale Account"))
    GrantFactory(asset=AssetFactory(name="Winter"))

    response = admin_client.get(reverse("admin:assets_grant_changelist"), {"q": "spring"})

    assert list(response.context["cl"].result_list) == [grant]


def test_the_searched_columns_have_trigram_indexes_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%trgm%'")
        indexes = dict(cursor.fetchall())

    assert set(indexes) >= {
        "asset_name_trgm_idx",
        "person_name_trgm_idx",
        "person_email_trgm_idx",
        "system_user_name_trgm_idx",
    }
    assert all("gin_trgm_ops" in definition for definition in indexes.values())


def test_grant_search_needs_every_word_to_match_as_the_admin_search_does(db):
    wanted = GrantFactory(asset=AssetFactory(name="Spring Sale Account"))
    GrantFactory(asset=AssetFactory(name="Spring Launch"))

    found = list(Grant.objects.filter(grant_search_filter("spring sale")))

    assert found == [wanted]
