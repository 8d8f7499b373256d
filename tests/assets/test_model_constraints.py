"""The database refuses the assets and grants Meta would refuse, whatever path the write takes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from assets.models import Asset, AssetAccess, AssetKind, Grant, PushState
from tests.factories import AssetFactory, BusinessFactory, GrantFactory, SystemUserFactory

pytestmark = pytest.mark.django_db


def test_an_ad_account_id_must_start_with_act():
    with pytest.raises(IntegrityError):
        Asset.objects.create(kind=AssetKind.AD_ACCOUNT, meta_id="123456")


def test_a_page_id_must_be_numeric():
    with pytest.raises(IntegrityError):
        Asset.objects.create(kind=AssetKind.PAGE, meta_id="act_123")


def test_model_validation_names_the_field_of_a_malformed_asset_id():
    with pytest.raises(ValidationError) as refused:
        Asset(kind=AssetKind.AD_ACCOUNT, meta_id="12345").full_clean()
    assert "meta_id" in refused.value.message_dict


def test_an_owner_access_carries_no_permitted_tasks():
    asset = AssetFactory()
    with pytest.raises(IntegrityError):
        AssetAccess.objects.create(
            asset=asset,
            business=BusinessFactory(),
            access_type=AssetAccess.AccessType.OWNER,
            permitted_tasks=["ANALYZE"],
        )


def test_a_grant_has_exactly_one_holder():
    grant = GrantFactory()
    with pytest.raises(IntegrityError):
        Grant.objects.create(
            asset=grant.asset,
            business=grant.business,
            person=grant.person,
            system_user=SystemUserFactory(business=grant.business),
            tasks=["ANALYZE"],
        )


def test_a_second_direct_grant_for_the_same_person_and_asset_is_refused():
    grant = GrantFactory()
    with pytest.raises(IntegrityError):
        GrantFactory(asset=grant.asset, person=grant.person)


def test_a_removed_grant_does_not_block_a_new_one():
    grant = GrantFactory(push_state=PushState.REMOVED)
    again = GrantFactory(asset=grant.asset, person=grant.person)
    assert again.pk != grant.pk
