"""The database refuses what Meta would refuse, whatever path the write takes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from businesses.models import AccessToken, BusinessUser, PartnerRelationship
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_a_business_id_must_be_digits():
    business = BusinessFactory.build(meta_id="12ab", app=None)
    with pytest.raises(ValidationError) as refused:
        business.full_clean()
    assert "meta_id" in refused.value.message_dict


def test_two_businesses_cannot_share_a_meta_id():
    BusinessFactory(meta_id="5550001")
    with pytest.raises(IntegrityError):
        BusinessFactory(meta_id="5550001")


def test_a_business_cannot_be_its_own_partner():
    business = BusinessFactory()
    with pytest.raises(IntegrityError):
        PartnerRelationship.objects.create(agency=business, client=business)


def test_a_person_in_a_business_has_a_meta_id():
    with pytest.raises(IntegrityError):
        BusinessUser.objects.create(business=BusinessFactory(), meta_id=None, status="active")


def test_an_invitation_may_lack_a_meta_id():
    invite = BusinessUser.objects.create(
        business=BusinessFactory(), meta_id=None, status="invited", email="a@b.co"
    )
    assert invite.pk


def test_a_business_has_one_active_connection_token():
    business = BusinessFactory()
    for n in range(2):
        token = AccessToken(kind="SYSTEM_USER", purpose="connection", business=business)
        token.set_token(f"EAAB{'z' * 30}{n}")
        if n == 1:
            with pytest.raises(IntegrityError):
                token.save()
        else:
            token.save()
