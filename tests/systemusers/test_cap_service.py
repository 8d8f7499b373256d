from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections

from businesses.actors import Actor
from businesses.models import AccessLevel, Business
from systemusers import services
from systemusers.caps import cap_meter
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.push import system_user_release
from systemusers.services import system_user_reserve
from tests.factories import BusinessFactory, SystemUserFactory

ACTOR = Actor.system("test")


def reserve(business, name="Reporting bot", role=SystemUser.Role.EMPLOYEE):
    return system_user_reserve(business=business, name=name, role=role, actor=ACTOR)


@pytest.mark.django_db
def test_standard_access_allows_one_system_user():
    business = BusinessFactory()
    reserve(business)
    with pytest.raises(SystemUserCapError):
        reserve(business, name="Second bot")


@pytest.mark.django_db
def test_refusal_names_the_cap_the_access_level_and_what_would_change_it():
    business = BusinessFactory(name="Acme Outdoor")
    reserve(business, name="Reporting bot")
    with pytest.raises(SystemUserCapError) as refused:
        reserve(business, name="Second bot")
    message = str(refused.value)
    assert "Limited (formerly Standard) access level" in message
    assert "allows 1 system user and 1 admin system user" in message
    assert "'Reporting bot'" in message
    assert "Full access (formerly Advanced)" in message and "10 system users" in message


@pytest.mark.django_db
def test_retired_system_users_still_hold_their_slot():
    business = BusinessFactory()
    SystemUserFactory(business=business, status=SystemUser.Status.RETIRED, slot=1, name="Old bot")
    with pytest.raises(SystemUserCapError) as refused:
        reserve(business)
    assert "'Old bot' (retired, still counts" in str(refused.value)


@pytest.mark.django_db
def test_a_released_reservation_frees_its_slot():
    business = BusinessFactory()
    first = reserve(business)
    system_user_release(system_user=first, reason="Meta said no", actor=ACTOR)
    second = reserve(business, name="Second try")
    assert second.slot == 1
    first.refresh_from_db()
    assert first.status == SystemUser.Status.FAILED and first.slot is None


@pytest.mark.django_db
def test_advanced_access_allows_ten_system_users_and_one_admin():
    business = BusinessFactory(app__access_level=AccessLevel.ADVANCED)
    for n in range(10):
        reserve(business, name=f"bot {n}")
    reserve(business, name="admin", role=SystemUser.Role.ADMIN)
    with pytest.raises(SystemUserCapError):
        reserve(business, name="bot 11")
    with pytest.raises(SystemUserCapError):
        reserve(business, name="admin 2", role=SystemUser.Role.ADMIN)
    meter = cap_meter(business)
    assert str(meter) == "system users 10 of 10, admin 1 of 1 — Full (formerly Advanced) access"


@pytest.mark.django_db
def test_the_database_refuses_two_rows_in_one_slot():
    business = BusinessFactory()
    SystemUserFactory(business=business, slot=1)
    with pytest.raises(IntegrityError):
        SystemUserFactory(business=business, slot=1)


@pytest.mark.django_db
def test_the_database_refuses_a_second_admin_slot():
    business = BusinessFactory()
    with pytest.raises(IntegrityError):
        SystemUserFactory(business=business, role=SystemUser.Role.ADMIN, slot=2)


@pytest.mark.django_db
def test_an_empty_name_is_refused_with_the_field_named():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        reserve(BusinessFactory(), name="  ")
    assert "name" in refused.value.message_dict


def _race(business_id: int, threads: int) -> list[object]:
    """Reserve from many threads at once; return each thread's result or exception."""
    results: list[object] = [None] * threads
    start = threading.Barrier(threads)

    def work(index: int) -> None:
        try:
            business = Business.objects.get(pk=business_id)
            start.wait()
            results[index] = reserve(business, name=f"bot {index}")
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def _require_postgresql():
    assert connection.vendor == "postgresql", (
        "This test needs real row locks: run it on PostgreSQL (DATABASE_URL), as .ci/run does."
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_reservations_never_exceed_the_cap():
    _require_postgresql()
    business = BusinessFactory(app__access_level=AccessLevel.ADVANCED)
    results = _race(business.pk, threads=20)
    created = [r for r in results if isinstance(r, SystemUser)]
    refused = [r for r in results if isinstance(r, SystemUserCapError)]
    assert len(created) == 10
    assert len(refused) == 10, [
        r for r in results if not isinstance(r, SystemUser | SystemUserCapError)
    ]
    assert sorted(su.slot for su in created) == list(range(1, 11))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_row_lock_concurrent_reservations_collide(monkeypatch):
    """The control: with the lock replaced by a plain read and every thread made to count
    before any inserts, the count-then-insert races; only the slot constraint stops it."""
    _require_postgresql()
    business = BusinessFactory()
    threads = 20
    counted = threading.Barrier(threads)
    original_holders = services._slot_holders

    def unlocked(business_id):
        return Business.objects.select_related("app").get(pk=business_id)

    def holders_then_wait(business, role):
        holders = original_holders(business, role)
        counted.wait(timeout=30)
        return holders

    monkeypatch.setattr(services, "_lock_business", unlocked)
    monkeypatch.setattr(services, "_slot_holders", holders_then_wait)
    results = _race(business.pk, threads=threads)
    collisions = [r for r in results if isinstance(r, IntegrityError)]
    assert len(collisions) == threads - 1
    assert SystemUser.objects.filter(business=business).count() == 1
