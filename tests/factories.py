from __future__ import annotations

import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from assets.models import Asset, AssetAccess, AssetKind, Grant, PushState
from businesses.models import (
    AccessLevel,
    Business,
    BusinessUser,
    DeveloperApp,
    StaffAssignment,
)
from systemusers.models import SystemUser

_ids = itertools.count(100000000000001)


def meta_id() -> str:
    return str(next(_ids))


class DeveloperAppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeveloperApp

    meta_id = factory.LazyFunction(meta_id)
    name = factory.Sequence(lambda n: f"Agency app {n}")
    access_level = AccessLevel.STANDARD


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    meta_id = factory.LazyFunction(meta_id)
    name = factory.Sequence(lambda n: f"Business {n}")
    app = factory.SubFactory(DeveloperAppFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUser

    business = factory.SubFactory(BusinessFactory)
    meta_id = factory.LazyFunction(meta_id)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = BusinessUser.Role.EMPLOYEE


class SystemUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemUser

    business = factory.SubFactory(BusinessFactory)
    meta_id = factory.LazyFunction(meta_id)
    name = factory.Sequence(lambda n: f"System user {n}")
    role = SystemUser.Role.EMPLOYEE
    status = SystemUser.Status.ACTIVE
    slot = None


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset
        skip_postgeneration_save = True

    kind = AssetKind.AD_ACCOUNT
    meta_id = factory.LazyAttribute(
        lambda o: f"act_{meta_id()}" if o.kind == AssetKind.AD_ACCOUNT else meta_id()
    )
    name = factory.Sequence(lambda n: f"Asset {n}")
    owner_business = factory.SubFactory(BusinessFactory)

    @factory.post_generation
    def owner_access(obj, create, extracted, **kwargs):
        if create and obj.owner_business_id:
            AssetAccess.objects.get_or_create(
                asset=obj,
                business=obj.owner_business,
                defaults={"access_type": AssetAccess.AccessType.OWNER},
            )


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    asset = factory.SubFactory(AssetFactory)
    person = factory.SubFactory(
        PersonFactory, business=factory.SelfAttribute("..asset.owner_business")
    )
    business = factory.SelfAttribute("person.business")
    tasks = ["ADVERTISE", "ANALYZE"]
    applied_tasks = ["ADVERTISE", "ANALYZE"]
    push_state = PushState.IN_SYNC


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "correct horse battery staple")
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def group(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def businesses(obj, create, extracted, **kwargs):
        for business in extracted or []:
            StaffAssignment.objects.create(user=obj, business=business)
