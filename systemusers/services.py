"""System-user writes. ``system_user_reserve`` is the only way a system user row is born in the
portal: every path (admin, form, command, onboarding, task) goes through it. Meta's answer to
the creation is recorded by ``systemusers/push.py`` (created, released or discarded)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business
from businesses.queueing import enqueue
from systemusers.caps import access_level_of, cap_for, slot_allocate
from systemusers.errors import SystemUserCapError, cap_reached_alert
from systemusers.models import SystemUser
from systemusers.push import system_user_create_in_meta
from systemusers.tasks import system_user_create_in_meta_task


def _lock_business(business_id: int) -> Business:
    # A row lock on the business serialises cap decisions for it (PostgreSQL); no_key so it
    # does not block inserts that merely reference the business by foreign key.
    return (
        Business.objects.select_for_update(no_key=True, of=("self",))
        .select_related("app")
        .get(pk=business_id)
    )


def _slot_holders(business: Business, role: str) -> list[SystemUser]:
    return list(
        SystemUser.objects.filter(
            business=business, role=role, status__in=SystemUser.HOLDS_SLOT, removed_at__isnull=True
        ).order_by("slot", "pk")
    )


def _validate(name: str, role: str) -> str:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "A system user needs a name."
    elif len(name) > 255:
        errors["name"] = "A system user's name is at most 255 characters."
    if role not in SystemUser.Role.values:
        errors["role"] = f"Role must be one of {', '.join(SystemUser.Role.values)}, not {role!r}."
    if errors:
        raise ValidationError(errors)
    return name


def system_user_reserve(*, business: Business, name: str, role: str, actor: Actor) -> SystemUser:
    """Reserve a cap slot for a new system user, or refuse without calling Meta.

    1. Lock the business row, so concurrent reservations for it queue up.
    2. Count the system users holding a slot for that role: reserved, active and retired
       (Meta cannot delete a system user, so a retired one keeps its slot).
    3. Refuse with SystemUserCapError naming the cap and the access level when full.
    4. Otherwise take the lowest free slot (``slot_allocate``, the rule the sync uses too);
       the slot's unique constraint is the backstop.
    The call to Meta happens after this transaction commits (``system_user_create``)."""
    name = _validate(name, role)
    try:
        return _reserve(business=business, name=name, role=role, actor=actor)
    except SystemUserCapError as refusal:
        # After the rollback, so the alert is kept (unless a caller's transaction also rolls
        # back: onboarding's submission raises it again after its own).
        cap_reached_alert(refusal)
        raise


def _reserve(*, business: Business, name: str, role: str, actor: Actor) -> SystemUser:
    with transaction.atomic():
        locked = _lock_business(business.pk)
        level = access_level_of(locked)
        holders = _slot_holders(locked, role)
        slot = slot_allocate(holders, access_level=level, role=role)
        if slot is None:
            raise SystemUserCapError(
                business_name=locked.name,
                business_meta_id=locked.meta_id,
                role=role,
                access_level=level,
                cap=cap_for(level, role),
                holders=[(su.name, su.status) for su in holders],
            )
        system_user = SystemUser.objects.create(
            business=locked,
            name=name,
            role=role,
            status=SystemUser.Status.RESERVED,
            slot=slot,
        )
        audit_record(
            actor=actor,
            action="system_user.reserve",
            business=locked,
            target=system_user,
            summary=f"Reserved a {system_user.get_role_display().lower()} slot for '{name}'.",
            changes={"role": role, "slot": slot, "access_level": level},
        )
    return system_user


def _enqueue_create_in_meta(system_user_id: int) -> None:
    enqueue(system_user_create_in_meta_task, system_user_id, row=SystemUser(pk=system_user_id))


def system_user_create_now(*, business: Business, name: str, role: str, actor: Actor) -> SystemUser:
    """Reserve a slot (the cap service), then create the system user in Meta in this process.
    The caller keeps Meta out of any transaction: ``system_user_create(wait=True)`` checks it;
    the admin's add view runs outside the request's atomic block (tests wrap every test in a
    transaction, which the check cannot tell apart)."""
    system_user = system_user_reserve(business=business, name=name, role=role, actor=actor)
    return system_user_create_in_meta(system_user_id=system_user.pk, actor=actor)


def system_user_create(
    *, business: Business, name: str, role: str, actor: Actor, wait: bool = False
) -> SystemUser:
    """Reserve a slot (the cap service), then create the system user in Meta after commit:
    in this process when ``wait`` (commands), else as a task."""
    if wait:
        if transaction.get_connection().in_atomic_block:
            raise RuntimeError("Meta is never called inside a transaction; call without wait.")
        return system_user_create_now(business=business, name=name, role=role, actor=actor)
    system_user = system_user_reserve(business=business, name=name, role=role, actor=actor)
    transaction.on_commit(lambda: _enqueue_create_in_meta(system_user.pk))
    return system_user
