"""Client onboarding: the wizard's draft, the submission, and the run that ticks off steps.

The wizard (portal/onboarding.py) calls ``onboarding_start``, ``onboarding_set_method``,
``onboarding_set_items`` and ``onboarding_submit``; the Facebook Login callback calls
``onboarding_record_login``; the task calls ``onboarding_run``; the status page's retry button
calls ``onboarding_resume``. Meta is only ever called outside a transaction; every write is
audited; the client admin's token lives encrypted in an AccessToken, never in a task argument.

The run, for both methods, is a list of OnboardingStep rows. A step that is done is never
redone, so resuming after a failure repeats nothing:

On Behalf Of (systemusers/obo.py):
    managed_business → system_user → partner → assets:<kind> / asset:<kind>:<id> → sync
Client grants partner access:
    client_login (waits until the client's admin logs in with the single-use Login link and
    ticks their assets on our page, ``onboarding_client_share``, which shares them with that
    login and adds:) asset:<kind>:<id> → partner → connection → sync

The Login link's ``state`` is issued, checked and spent in one place (``login_state_*``): it
works once and expires. The review step's ``onboarding_preflight`` says beforehand what Meta
will refuse.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from assets.models import (
    GRANTABLE_KINDS,
    Asset,
    AssetAccess,
    AssetKind,
    Grant,
    PushState,
    TaskPreset,
)
from assets.selectors import task_labels
from businesses import scoping
from businesses.actors import Actor
from businesses.advisor import BY_SLUG
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError, business_client, graph_client
from businesses.models import (
    AccessLevel,
    AccessToken,
    Business,
    DeveloperApp,
    PartnerRelationship,
    StaffAssignment,
)
from businesses.models.base import ad_account_id_validator, meta_id_validator
from businesses.queueing import BROKER_ERRORS, note_enqueue_failure
from businesses.services import token_store
from graph import GraphError
from graph import operations as ops
from onboarding.models import Onboarding, OnboardingStep
from systemusers.caps import cap_for, cap_meter
from systemusers.models import SystemUser
from systemusers.obo import obo_system_user

logger = logging.getLogger(__name__)

RUN_LEASE = timedelta(minutes=15)
Step = OnboardingStep.Status


# --- reads ------------------------------------------------------------------------------------


def onboarding_agency() -> Business:
    """The agency's own Business Manager, connected: every onboarding starts from it."""
    agency = (
        Business.objects.filter(
            is_agency=True, tokens__purpose=AccessToken.Purpose.CONNECTION, tokens__is_active=True
        )
        .select_related("app")
        .order_by("pk")
        .first()
    )
    if agency is None or agency.app is None:
        raise ValidationError(
            "Connect the agency's own Business Manager (with its app and admin system user "
            "token) before onboarding clients."
        )
    return agency


def visible_onboardings(user) -> QuerySet[Onboarding]:
    """Onboardings a staff member may see: their own, and those of clients assigned to them."""
    qs = Onboarding.objects.select_related("agency", "client_business", "created_by", "login_token")
    if user.is_active and user.is_superuser:
        return qs
    if not (user.is_active and user.is_staff):
        return qs.none()
    return qs.filter(
        Q(created_by=user) | Q(client_business__in=scoping.assigned_business_ids(user))
    )


def preset_tasks(kind: str, preset: str) -> list[str]:
    row = TaskPreset.objects.filter(asset_kind=kind, slug=preset).first()
    if row is None:
        raise ValidationError({"items": f"There is no preset {preset!r} for {kind}."})
    return list(row.tasks)


# --- the Facebook Login link: one place issues, checks and spends its `state` ----------------

LOGIN_LINK_TTL = timedelta(days=7)
LOGIN_LINK_INVALID = (
    "This link has already been used or has expired: ask your agency contact for a new one."
)


def _new_state() -> tuple[str, Any]:
    return secrets.token_urlsafe(32), timezone.now() + LOGIN_LINK_TTL


def login_state_current(onboarding: Onboarding) -> str:
    """The onboarding's Login `state`: the one on file while it is unused and unexpired, else
    a new one (a spent or expired link never works again; the page shows the new link)."""
    now = timezone.now()
    if (
        onboarding.oauth_state
        and onboarding.oauth_state_used_at is None
        and onboarding.oauth_state_expires_at is not None
        and onboarding.oauth_state_expires_at > now
    ):
        return onboarding.oauth_state
    state, expires = _new_state()
    Onboarding.objects.filter(pk=onboarding.pk).update(
        oauth_state=state, oauth_state_expires_at=expires, oauth_state_used_at=None
    )
    onboarding.oauth_state, onboarding.oauth_state_expires_at = state, expires
    onboarding.oauth_state_used_at = None
    return state


def login_state_find(state: str) -> Onboarding:
    """The onboarding a Login callback's `state` belongs to, if it is still usable."""
    state = (state or "").strip()
    if not state or len(state) > 64:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    onboarding = (
        Onboarding.objects.select_related("agency__app", "client_business")
        .filter(
            oauth_state=state,
            oauth_state_used_at__isnull=True,
            oauth_state_expires_at__gt=timezone.now(),
        )
        .exclude(status=Onboarding.Status.DONE)
        .first()
    )
    if onboarding is None:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    return onboarding


def login_state_spend(onboarding: Onboarding, state: str) -> None:
    """Spend the `state` (compare-and-swap): of two callbacks with the same link, one wins."""
    spent = Onboarding.objects.filter(
        pk=onboarding.pk, oauth_state=state, oauth_state_used_at__isnull=True
    ).update(oauth_state_used_at=timezone.now())
    if spent != 1:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    onboarding.oauth_state_used_at = timezone.now()


def login_dialog_url(*, onboarding: Onboarding, redirect_uri: str) -> str:
    """The Facebook Login dialog link the client admin opens (Meta's "Manually Build a Login
    Flow": client_id, redirect_uri, scope, state); single-use and expiring."""
    from urllib.parse import urlencode

    from django.conf import settings

    query = urlencode(
        {
            "client_id": onboarding.agency.app.meta_id,
            "redirect_uri": redirect_uri,
            "scope": "ads_management,ads_read,business_management",
            "state": login_state_current(onboarding),
        }
    )
    return f"{settings.META_OAUTH_DIALOG_URL}/{settings.META_GRAPH_VERSION}/dialog/oauth?{query}"


# --- the wizard's draft -----------------------------------------------------------------------


def _clean_details(
    *, name: str, contact_name: str, contact_email: str, client_meta_id: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    contact_name = (contact_name or "").strip()
    contact_email = (contact_email or "").strip()
    client_meta_id = (client_meta_id or "").strip()
    if not name:
        errors["name"] = "Client name: enter the client's name."
    elif len(name) > 255:
        errors["name"] = "Client name: at most 255 characters."
    if len(contact_name) > 255:
        errors["contact_name"] = "Contact person: at most 255 characters."
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = "Contact email: enter an address like name@example.com."
    if client_meta_id:
        try:
            meta_id_validator(client_meta_id)
        except ValidationError:
            errors["client_meta_id"] = (
                "Business Manager ID: digits only (1 to 32), e.g. 1234567890123456."
            )
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "client_meta_id": client_meta_id,
    }


def _facts(node, checked_with: str) -> dict[str, str]:
    return {
        "name": node.name or "",
        "two_factor_type": node.two_factor_type or "",
        "verification_status": node.verification_status or "",
        "checked_with": checked_with,
    }


def onboarding_start(
    *,
    agency: Business,
    name: str,
    contact_name: str,
    contact_email: str,
    client_meta_id: str,
    actor: Actor,
    onboarding: Onboarding | None = None,
    client_admin_token: str = "",
) -> Onboarding:
    """Step 1 of the wizard: the client's details, and what Meta says about its Business
    Manager, then create (or update) the draft.

    1. Validate the fields (clear message per field). The Business ID may be left empty: a
       client who grants access by logging in tells us which Business Manager it is.
    2. Refuse the agency's own id, a client already active, and one being onboarded.
    3. Ask Meta with the agency's connection (``business_lookup``) — outside any transaction.
       Meta shows a business only to its people and partners, so a brand-new client is
       usually invisible to the agency: that is not an error (the client's admin logs in
       later); a client admin's token, if given, checks it instead.
    4. Save the draft with what Meta said (two-factor rule, verification: the review's
       pre-flight reads them) and audit it."""
    from businesses.connect import business_lookup

    details = _clean_details(
        name=name,
        contact_name=contact_name,
        contact_email=contact_email,
        client_meta_id=client_meta_id,
    )
    meta_id = details["client_meta_id"]
    facts: dict[str, str] = {}
    if meta_id:
        if meta_id == agency.meta_id:
            raise ValidationError(
                {
                    "client_meta_id": "Business Manager ID: that is the agency's own Business Manager."
                }
            )
        busy = Onboarding.objects.filter(client_meta_id=meta_id, status__in=Onboarding.IN_PROGRESS)
        if onboarding is not None:
            busy = busy.exclude(pk=onboarding.pk)
        active = PartnerRelationship.objects.filter(
            agency=agency, client__meta_id=meta_id, status=PartnerRelationship.Status.ACTIVE
        )
        user = actor.user
        hidden = user is not None and (
            busy.exclude(pk__in=visible_onboardings(user).values("pk")).exists()
            or active.exclude(pk__in=scoping.scope(active, user, "client")).exists()
        )
        if hidden:
            # A client (or an onboarding) this staff member does not manage gets the same answer
            # as a Business Manager nobody has heard of, never a hint that it exists; the run
            # refuses to onboard a client twice before it touches Meta.
            facts = {"checked_with": ""}
        else:
            if busy.exists():
                raise ValidationError(
                    {
                        "client_meta_id": f"Business Manager ID: {meta_id} is already being onboarded."
                    }
                )
            if active.exists():
                raise ValidationError(
                    {
                        "client_meta_id": f"Business Manager ID: {meta_id} is already an active "
                        "client of the agency; see its readiness page."
                    }
                )
            try:
                facts = _facts(business_lookup(agency=agency, business_meta_id=meta_id), "agency")
            except ValidationError:
                # A new client with no link to the agency is visible only to its own people.
                facts = {"checked_with": ""}
        if not facts.get("checked_with") and client_admin_token:
            try:
                node = business_lookup(
                    agency=None, business_meta_id=meta_id, token=client_admin_token, app=agency.app
                )
            except ValidationError as exc:
                said = exc.message_dict.get("business_meta_id") or exc.messages
                raise ValidationError(
                    {
                        "client_admin_token": [
                            f"Client admin's user token: it cannot see {meta_id}. {m}" for m in said
                        ],
                    }
                ) from None
            facts = _facts(node, "client_admin")
    with transaction.atomic():
        created = onboarding is None
        if onboarding is None:
            state, expires = _new_state()
            onboarding = Onboarding(
                agency=agency,
                created_by=actor.user,
                oauth_state=state,
                oauth_state_expires_at=expires,
            )
        elif onboarding.status != Onboarding.Status.DRAFT:
            raise ValidationError("This onboarding was already submitted.")
        for key, value in details.items():
            setattr(onboarding, key, value)
        onboarding.meta_facts = facts
        onboarding.full_clean()
        onboarding.save()
        if client_admin_token:
            _store_login_token(onboarding=onboarding, token=client_admin_token, actor=actor)
        said = (
            f"Meta calls it '{facts['name']}'"
            if facts.get("name")
            else "not visible to the agency yet"
            if meta_id
            else "Business ID to be learned from the client's login"
        )
        audit_record(
            actor=actor,
            action="onboarding.start" if created else "onboarding.update",
            target=onboarding,
            summary=f"{'Started' if created else 'Changed'} onboarding of {onboarding.name} "
            f"({meta_id or 'no Business ID yet'}; {said}).",
            changes={"client_meta_id": meta_id, "meta_name": facts.get("name", "")},
        )
    return onboarding


def _require_draft(onboarding: Onboarding) -> None:
    if onboarding.status != Onboarding.Status.DRAFT:
        raise ValidationError("This onboarding was already submitted; it can no longer change.")


def _store_login_token(
    *, onboarding: Onboarding, token: str, actor: Actor, expires_at=None, scopes=None
) -> AccessToken:
    record = token_store(
        token=token,
        kind=AccessToken.Kind.USER,
        purpose=AccessToken.Purpose.LOGIN,
        business=onboarding.client_business,
        app=onboarding.agency.app,
        expires_at=expires_at,
        scopes=scopes,
        actor=actor,
    )
    if onboarding.login_token_id:
        # The earlier token of this onboarding is replaced, not left active.
        AccessToken.objects.filter(pk=onboarding.login_token_id).update(is_active=False)
    onboarding.login_token = record
    onboarding.save(update_fields=["login_token", "updated_at"])
    return record


def onboarding_set_method(
    *, onboarding: Onboarding, method: str, actor: Actor, client_admin_token: str = ""
) -> Onboarding:
    """Step 2: the access method, and for On Behalf Of optionally the client admin's user token
    (checked with Meta's debug_token, then stored encrypted; never shown again)."""
    from businesses.connect import token_inspect

    _require_draft(onboarding)
    if method not in Onboarding.Method.values:
        raise ValidationError({"method": "Access method: choose one of the offered methods."})
    if method == Onboarding.Method.ON_BEHALF_OF and not onboarding.client_meta_id:
        raise ValidationError(
            {
                "method": "Business On Behalf Of needs the client's Business Manager ID: enter "
                "it in step 1, or choose the client grants partner access (the ID is then "
                "learned from their login)."
            }
        )
    info = None
    if client_admin_token:
        try:
            info = token_inspect(token=client_admin_token, app=onboarding.agency.app)
        except ValidationError as exc:
            messages = exc.message_dict.get("token") or exc.messages
            raise ValidationError(
                {"client_admin_token": [f"Client admin's user token: {m}" for m in messages]}
            ) from None
        if info.type and info.type != AccessToken.Kind.USER:
            raise ValidationError(
                {
                    "client_admin_token": "Client admin's user token: this is a "
                    f"{info.type.lower().replace('_', ' ')} token; On Behalf Of needs a person's "
                    "(a client admin's) user token."
                }
            )
    with transaction.atomic():
        onboarding.method = method
        onboarding.save(update_fields=["method", "updated_at"])
        if client_admin_token:
            _store_login_token(
                onboarding=onboarding,
                token=client_admin_token,
                actor=actor,
                expires_at=info.expires_at if info else None,
                scopes=list(info.scopes) if info else None,
            )
        audit_record(
            actor=actor,
            action="onboarding.method",
            target=onboarding,
            summary=f"Onboarding of {onboarding.name}: {onboarding.get_method_display()}"
            + (" (client admin token received)" if client_admin_token else "")
            + ".",
        )
    return onboarding


def clean_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{kind, preset, asset_ids}] checked against the kinds, presets and id shapes."""
    if not isinstance(items, list) or not items:
        raise ValidationError({"items": "Choose the access needed on at least one kind of asset."})
    cleaned, seen = [], set()
    for item in items:
        kind = str(item.get("kind", ""))
        preset = str(item.get("preset", ""))
        if kind not in GRANTABLE_KINDS:
            raise ValidationError({"items": f"{kind!r} is not a kind of asset that can be shared."})
        if kind in seen:
            raise ValidationError({"items": f"{AssetKind(kind).label}s are listed twice."})
        seen.add(kind)
        tasks = preset_tasks(kind, preset)
        validator = ad_account_id_validator if kind == AssetKind.AD_ACCOUNT else meta_id_validator
        ids = []
        for asset_id in item.get("asset_ids") or []:
            try:
                validator(str(asset_id))
            except ValidationError:
                raise ValidationError(
                    {"items": f"{AssetKind(kind).label} id {asset_id!r} is not a valid id."}
                ) from None
            if asset_id not in ids:
                ids.append(str(asset_id))
        entry = {"kind": kind, "preset": preset, "tasks": tasks, "asset_ids": ids}
        # Names of assets picked from the client's list, for the steps' labels (text only).
        names = item.get("asset_names") or {}
        if isinstance(names, dict) and ids:
            entry["asset_names"] = {i: str(names[i])[:255] for i in ids if i in names}
        cleaned.append(entry)
    return cleaned


def onboarding_set_items(
    *, onboarding: Onboarding, items: list[dict[str, Any]], actor: Actor
) -> Onboarding:
    """Step 3: which kinds of assets (and optionally which ones) with which preset."""
    _require_draft(onboarding)
    cleaned = clean_items(items)
    with transaction.atomic():
        onboarding.requested = cleaned
        onboarding.save(update_fields=["requested", "updated_at"])
        audit_record(
            actor=actor,
            action="onboarding.items",
            target=onboarding,
            summary=f"Onboarding of {onboarding.name}: asked for "
            + "; ".join(f"{AssetKind(i['kind']).label}s as {i['preset']}" for i in cleaned)
            + ".",
            changes={"requested": cleaned},
        )
    return onboarding


# --- submission -------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return AssetKind(kind).label


def _tasks_text(kind: str, tasks) -> str:
    """Tasks as Meta's Business Settings names them (labels are data)."""
    return ", ".join(task_labels(kind, tasks))


def _asset_step(onboarding, kind, asset_id, tasks, position, how) -> OnboardingStep:
    return OnboardingStep(
        onboarding=onboarding,
        key=f"asset:{kind}:{asset_id}",
        label=f"{_kind_label(kind)} {asset_id}: {how} {_tasks_text(kind, tasks)}",
        position=position,
        asset_kind=kind,
        asset_meta_id=asset_id,
        tasks=tasks,
    )


def _plan_steps(onboarding: Onboarding) -> list[OnboardingStep]:
    obo = onboarding.method == Onboarding.Method.ON_BEHALF_OF
    how = "system user gets" if obo else "agency gets"
    client = onboarding.client_business
    agency = onboarding.agency
    steps: list[OnboardingStep] = []

    def add(key: str, label: str, position: int) -> None:
        steps.append(OnboardingStep(onboarding=onboarding, key=key, label=label, position=position))

    # Client grants plan their steps when the client confirms (onboarding_client_share).
    if obo:
        add(
            "managed_business",
            f"Create the On Behalf Of relationship: {agency.name} manages {client.name}",
            10,
        )
        add(
            "system_user",
            f"Create the system user in {client.name}, install the app, keep its token",
            20,
        )
        add("partner", "Record the partner relationship", 30)
    position = 40
    for item in onboarding.requested:
        kind, tasks = item["kind"], item["tasks"]
        if item["asset_ids"]:
            names = item.get("asset_names") or {}
            for asset_id in item["asset_ids"]:
                step = _asset_step(onboarding, kind, asset_id, tasks, position, how)
                if names.get(asset_id):
                    step.label = (
                        f"{_kind_label(kind)} '{names[asset_id]}' ({asset_id}): {how} "
                        f"{_tasks_text(kind, tasks)}"
                    )
                    step.data = {"name": names[asset_id]}
                steps.append(step)
                position += 1
        else:
            steps.append(
                OnboardingStep(
                    onboarding=onboarding,
                    key=f"assets:{kind}",
                    label=f"Find every {_kind_label(kind).lower()} {client.name} owns "
                    f"({how} {_tasks_text(kind, tasks)} on each)",
                    position=position,
                    asset_kind=kind,
                    tasks=tasks,
                )
            )
            position += 1
    add("sync", f"Queue the first sync of {client.name}", 90)
    return steps


def _enqueue_run(onboarding_id: int) -> None:
    from onboarding.tasks import onboarding_run_task

    try:
        onboarding_run_task.delay(onboarding_id)
    except BROKER_ERRORS:
        # Saved; the status page's "try again" queues it once the task queue is back.
        logger.warning("event=enqueue_failed task=onboarding_run id=%s", onboarding_id)
        note_enqueue_failure(f"onboarding:{onboarding_id}")


def _client_business(*, onboarding: Onboarding, meta_id: str, name: str, actor: Actor) -> Business:
    """Create (or update) the client's Business row for an onboarding, inside the caller's
    transaction, and assign it to the staff member onboarding it."""
    agency = onboarding.agency
    client, created = Business.objects.get_or_create(
        meta_id=meta_id,
        defaults={
            "name": name or onboarding.name,
            "app": agency.app,
            "contact_name": onboarding.contact_name,
            "contact_email": onboarding.contact_email,
        },
    )
    if not created:
        client.contact_name = onboarding.contact_name or client.contact_name
        client.contact_email = onboarding.contact_email or client.contact_email
        client.app = client.app or agency.app
        client.save(update_fields=["contact_name", "contact_email", "app", "updated_at"])
    audit_record(
        actor=actor,
        action="business.create" if created else "business.update",
        business=client,
        target=client,
        summary=f"{'Added' if created else 'Updated'} client {client} for onboarding.",
    )
    user = onboarding.created_by
    if user is not None and not user.is_superuser:
        # The person onboarding a client works on it: without this they could not see the
        # client they just created.
        StaffAssignment.objects.get_or_create(user=user, business=client)
    return client


def onboarding_submit(*, onboarding: Onboarding, actor: Actor) -> Onboarding:
    """Step 4: create the client business, reserve the system-user slot (On Behalf Of), plan
    the steps and queue the run after commit. All or nothing: a full cap saves nothing.

    Client grants: nothing is shared yet. The onboarding waits for the client's admin to log
    in with the link and tick the assets on our page (``onboarding_client_share``); the
    client business is created now when its ID is known, else when the login tells it."""
    from systemusers.obo import obo_system_user_reserve

    _require_draft(onboarding)
    if not onboarding.method:
        raise ValidationError({"method": "Access method: choose it in step 2."})
    clean_items(onboarding.requested)
    grant = onboarding.method == Onboarding.Method.CLIENT_GRANT
    try:
        with transaction.atomic():
            locked = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
            _require_draft(locked)
            client = None
            if onboarding.client_meta_id:
                client = _client_business(
                    onboarding=onboarding,
                    meta_id=onboarding.client_meta_id,
                    name=onboarding.name,
                    actor=actor,
                )
            if onboarding.method == Onboarding.Method.ON_BEHALF_OF:
                # The cap is checked before anything is sent: SystemUserCapError rolls back.
                obo_system_user_reserve(client=client, actor=actor)
            onboarding.client_business = client
            onboarding.status = Onboarding.Status.SUBMITTED
            onboarding.submitted_at = timezone.now()
            onboarding.full_clean()
            onboarding.save()
            if onboarding.login_token_id and client is not None:
                AccessToken.objects.filter(pk=onboarding.login_token_id).update(business=client)
            if grant:
                OnboardingStep.objects.create(
                    onboarding=onboarding,
                    key="client_login",
                    label="The client's admin logs in and ticks the assets to share",
                    position=10,
                )
            else:
                OnboardingStep.objects.bulk_create(_plan_steps(onboarding))
            audit_record(
                actor=actor,
                action="onboarding.submit",
                business=client,
                target=onboarding,
                summary=f"Submitted onboarding of {onboarding.name} "
                f"({onboarding.get_method_display()}).",
            )
            transaction.on_commit(lambda: _enqueue_run(onboarding.pk))
    except IntegrityError:
        onboarding.refresh_from_db()
        raise ValidationError(
            {"client_meta_id": f"{onboarding.client_meta_id} is already being onboarded."}
        ) from None
    return onboarding


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def resume_summary(*, failed: int, waiting: int, done: int) -> str:
    """What "Retry what failed" did, in one sentence."""
    parts = []
    if failed:
        parts.append(f"retrying {_n(failed, 'failed step')}")
    if waiting:
        parts.append(f"checking {_n(waiting, 'waiting step')} again")
    said = " and ".join(parts) or "nothing had failed or was waiting; checking again"
    return f"{said[0].upper()}{said[1:]}; {_n(done, 'step')} already done left alone."


def onboarding_resume(*, onboarding: Onboarding, actor: Actor) -> Onboarding:
    """Retry what failed and check again what waits; done steps are left alone. The returned
    onboarding's ``resume_summary`` says what was done, for the page and the audit trail."""
    resumable = [Onboarding.Status.FAILED, Onboarding.Status.WAITING, Onboarding.Status.DONE]
    with transaction.atomic():
        try:
            with transaction.atomic():
                changed = Onboarding.objects.filter(pk=onboarding.pk, status__in=resumable).update(
                    status=Onboarding.Status.SUBMITTED, finished_at=None, updated_at=timezone.now()
                )
        except IntegrityError:
            # A later onboarding of the same client is under way (one at a time per client).
            raise ValidationError(
                "Another onboarding of this client is in progress; continue that one."
            ) from None
        if changed != 1:
            raise ValidationError("This onboarding is already running.")
        counts = dict.fromkeys(Step.values, 0)
        for status in onboarding.steps.values_list("status", flat=True):
            counts[status] += 1
        onboarding.steps.filter(status__in=[Step.FAILED, Step.RUNNING]).update(status=Step.PENDING)
        onboarding.refresh_from_db()
        onboarding.resume_summary = resume_summary(
            failed=counts[Step.FAILED] + counts[Step.RUNNING],
            waiting=counts[Step.PENDING],
            done=counts[Step.DONE],
        )
        audit_record(
            actor=actor,
            action="onboarding.resume",
            business=onboarding.client_business,
            target=onboarding,
            summary=f"Resumed onboarding of {onboarding.name}: {onboarding.resume_summary}",
        )
        transaction.on_commit(lambda: _enqueue_run(onboarding.pk))
    return onboarding


def onboarding_record_login(*, state: str, code: str, redirect_uri: str) -> Onboarding:
    """The Facebook Login callback: check the link's `state` (single-use, expiring), exchange
    the code for a token (and that for a long-lived one), spend the `state`, store the token
    encrypted on the onboarding, and continue the run if it is waiting (On Behalf Of).

    The client's admin is not a portal user: ``state`` alone ties the callback to the
    onboarding, so it is random, unguessable, compared exactly, and works once."""
    onboarding = login_state_find(state)
    state = onboarding.oauth_state
    code = (code or "").strip()
    if not code or len(code) > 2048:
        raise ValidationError({"code": "Facebook Login did not send a code back."})
    app = onboarding.agency.app
    if not app.has_secret:
        raise ValidationError({"code": "The agency's app has no secret on file."})
    try:
        with graph_client(token="", app=app) as (graph, _):
            short = ops.exchange_code(
                graph,
                code=code,
                app_id=app.meta_id,
                app_secret=app.reveal_secret(),
                redirect_uri=redirect_uri,
            )
            # Login tokens last hours; the long-lived exchange gives about 60 days.
            long = ops.exchange_token(
                graph, short.access_token, app_id=app.meta_id, app_secret=app.reveal_secret()
            )
    except GraphError as err:
        raise ValidationError({"code": err.describe()}) from None
    facts = onboarding.meta_facts
    if onboarding.client_meta_id and not (facts or {}).get("checked_with"):
        # The client's admin sees their Business Manager: what Meta says about it (its
        # two-factor rule) is now known for the pre-flight.
        from businesses.connect import business_lookup

        with contextlib.suppress(ValidationError):
            facts = _facts(
                business_lookup(
                    agency=None,
                    business_meta_id=onboarding.client_meta_id,
                    token=long.access_token,
                    app=app,
                ),
                "client_login",
            )
    expires_at = timezone.now() + timedelta(seconds=long.expires_in) if long.expires_in else None
    actor = Actor.system("Facebook Login callback")
    with transaction.atomic():
        # A replayed link (or two tabs racing) loses here and stores nothing.
        login_state_spend(onboarding, state)
        Onboarding.objects.filter(pk=onboarding.pk).update(meta_facts=facts)
        onboarding.meta_facts = facts
        _store_login_token(
            onboarding=onboarding, token=long.access_token, actor=actor, expires_at=expires_at
        )
        audit_record(
            actor=actor,
            action="onboarding.login",
            business=onboarding.client_business,
            target=onboarding,
            summary=f"The client's admin logged in for the onboarding of {onboarding.name}.",
        )
        if onboarding.method == Onboarding.Method.ON_BEHALF_OF:
            waiting = Onboarding.objects.filter(
                pk=onboarding.pk,
                status__in=[Onboarding.Status.WAITING, Onboarding.Status.FAILED],
            ).update(status=Onboarding.Status.SUBMITTED, finished_at=None)
            if waiting:
                onboarding.steps.filter(status=Step.FAILED).update(status=Step.PENDING)
                transaction.on_commit(lambda: _enqueue_run(onboarding.pk))
    return onboarding


# --- the client's own page: their assets, ticked and shared with their login -----------------

SHARE_SESSION_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class ShareChoice:
    kind: str
    kind_label: str
    tasks: list[str]
    task_labels: list[str]
    assets: list[Any]  # ops.ShareableAssetNode


@dataclass
class SharePage:
    """What the client's admin sees after logging in: their Business Managers, the one being
    onboarded, its assets per requested kind, and what Meta may refuse."""

    businesses: list[Any]  # BusinessNode
    business: Any | None
    choices: list[ShareChoice]
    problem: str = ""
    warnings: list[str] = field(default_factory=list)


def share_onboarding(onboarding_id: int) -> Onboarding | None:
    """The client-grant onboarding a client's browser session may act on: waiting for them."""
    return (
        Onboarding.objects.select_related("agency__app", "client_business", "login_token")
        .filter(
            pk=onboarding_id,
            method=Onboarding.Method.CLIENT_GRANT,
            status__in=Onboarding.IN_PROGRESS,
            steps__key="client_login",
        )
        .exclude(steps__key="client_login", steps__status=Step.DONE)
        .first()
    )


def _login_graph(stack: ExitStack, onboarding: Onboarding):
    token = onboarding.login_token
    if token is None or not token.is_active or not token.is_valid:
        raise ValidationError(LOGIN_LINK_INVALID)
    graph, _ = stack.enter_context(graph_client(token=token.reveal(), app=onboarding.agency.app))
    return graph


def onboarding_share_page(*, onboarding: Onboarding, business_id: str = "") -> SharePage:
    """Read, with the client admin's login, the Business Managers they belong to and the
    assets of the one being onboarded that the agency asks for (owned ones: only the owner
    can share). Meta is called here, never inside a transaction."""
    with ExitStack() as stack:
        graph = _login_graph(stack, onboarding)
        try:
            businesses = list(ops.iter_my_businesses(graph))
        except GraphError as err:
            return SharePage([], None, [], problem=err.describe())
        wanted = onboarding.client_meta_id or business_id
        business = None
        if wanted:
            business = next((b for b in businesses if b.id == wanted), None)
            if business is None and onboarding.client_meta_id:
                return SharePage(
                    businesses,
                    None,
                    [],
                    problem=f"You are not in Business Manager {onboarding.client_meta_id}, the "
                    f"one {onboarding.agency.name} asked about. Log in again as one of its "
                    "admins, or ask your agency contact to check the ID.",
                )
        elif len(businesses) == 1:
            business = businesses[0]
        if business is None:
            problem = "" if businesses else "You are not in any Business Manager."
            return SharePage(businesses, None, [], problem=problem)
        choices = []
        for item in onboarding.requested:
            kind = item["kind"]
            try:
                assets = list(ops.iter_shareable_assets(graph, business.id, kind))
            except GraphError as err:
                return SharePage(businesses, business, [], problem=err.describe())
            choices.append(
                ShareChoice(
                    kind=kind,
                    kind_label=_kind_label(kind),
                    tasks=list(item["tasks"]),
                    task_labels=task_labels(kind, item["tasks"]),
                    assets=assets,
                )
            )
    warnings = []
    if (business.two_factor_type or "none") != "none":
        warnings.append(two_factor_advice(business.two_factor_type, who="you"))
    return SharePage(businesses, business, choices, warnings=warnings)


@dataclass(frozen=True)
class ShareOutcome:
    kind: str
    asset_id: str
    name: str
    tasks: list[str]
    ok: bool
    message: str


def onboarding_client_share(
    *, onboarding: Onboarding, business_id: str, picks: list[str]
) -> list[ShareOutcome]:
    """The client's admin confirmed: share each ticked asset with the agency with their own
    login (``POST /{asset_id}/agencies`` with ``business`` and ``permitted_tasks``; Meta's SDK
    AdAccount/Page/AdsPixel/ProductCatalog/InstagramBusinessAsset ``create_agency``), then
    record the client, the outcome per asset, and queue the rest of the run (partner,
    connection, first sync).

    1. Re-read the page with the login: only assets it lists (owned by the business the
       client is in) can be ticked; anything else is refused, nothing shared.
    2. Outside any transaction: one share per asset; Meta's refusal is kept in words.
    3. In one transaction: the client business, the steps (asset steps shared or failed),
       the login step done, the onboarding queued; audited."""
    page = onboarding_share_page(onboarding=onboarding, business_id=business_id)
    if page.problem or page.business is None:
        raise ValidationError(page.problem or "Choose your Business Manager first.")
    offered = {f"{c.kind}:{a.id}": (c, a) for c in page.choices for a in c.assets}
    picks = list(dict.fromkeys(p for p in picks if p))
    unknown = [p for p in picks if p not in offered]
    if unknown:
        raise ValidationError("Some ticked assets are not in your Business Manager any more.")
    if not picks:
        raise ValidationError("Tick at least one asset to share.")
    business = page.business
    if (
        Onboarding.objects.filter(client_meta_id=business.id, status__in=Onboarding.IN_PROGRESS)
        .exclude(pk=onboarding.pk)
        .exists()
    ):
        raise ValidationError(
            f"{business.name} is already being onboarded by {onboarding.agency.name} through "
            "another link: please use that one, or ask your agency contact."
        )
    agency = onboarding.agency
    outcomes: list[ShareOutcome] = []
    with ExitStack() as stack:
        graph = _login_graph(stack, onboarding)
        for pick in picks:
            choice, asset = offered[pick]
            try:
                needs_approval = ops.share_with_agency(
                    graph, asset.id, agency.meta_id, choice.tasks
                )
            except GraphError as err:
                outcomes.append(
                    ShareOutcome(
                        choice.kind, asset.id, asset.name, choice.tasks, False, err.describe()
                    )
                )
                continue
            outcomes.append(
                ShareOutcome(
                    choice.kind,
                    asset.id,
                    asset.name,
                    choice.tasks,
                    True,
                    f"Shared; {agency.name} accepts it in Meta next (there was no partner "
                    "relationship yet)."
                    if needs_approval
                    else "Shared.",
                )
            )
    actor = Actor.system("Client's admin (Facebook Login)")
    try:
        _record_client_share(
            onboarding=onboarding, business=business, outcomes=outcomes, actor=actor
        )
    except IntegrityError:
        # Another onboarding of this client started between the check above and now.
        raise ValidationError(
            f"{business.name} is already being onboarded by {agency.name} through another "
            "link; what was shared stays shared in Meta."
        ) from None
    return outcomes


def _record_client_share(
    *, onboarding: Onboarding, business: Any, outcomes: list[ShareOutcome], actor: Actor
) -> None:
    agency = onboarding.agency
    with transaction.atomic():
        locked = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
        if locked.steps.filter(key="client_login", status=Step.DONE).exists():
            raise ValidationError("These assets were already shared from this link.")
        client = _client_business(
            onboarding=locked, meta_id=business.id, name=business.name, actor=actor
        )
        locked.client_meta_id = business.id
        locked.client_business = client
        locked.meta_facts = _facts(business, "client_login")
        locked.status = Onboarding.Status.SUBMITTED
        locked.finished_at = None
        locked.save(
            update_fields=[
                "client_meta_id",
                "client_business",
                "meta_facts",
                "status",
                "finished_at",
                "updated_at",
            ]
        )
        if locked.login_token_id:
            AccessToken.objects.filter(pk=locked.login_token_id).update(business=client)
        shared = sum(o.ok for o in outcomes)
        locked.steps.filter(key="client_login").update(
            status=Step.DONE,
            attempts=1,
            message=f"The client's admin logged in and shared {shared} of {len(outcomes)} "
            "ticked assets.",
        )
        steps = []
        for position, outcome in enumerate(outcomes, start=40):
            step = _asset_step(
                locked, outcome.kind, outcome.asset_id, outcome.tasks, position, "agency gets"
            )
            step.label = (
                f"{_kind_label(outcome.kind)} '{outcome.name}' ({outcome.asset_id}): agency gets "
                f"{_tasks_text(outcome.kind, outcome.tasks)}"
            )
            step.data = {"name": outcome.name, "shared": outcome.ok}
            step.status = Step.PENDING if outcome.ok else Step.FAILED
            step.message = outcome.message
            step.attempts = 1
            steps.append(step)
        steps.append(
            OnboardingStep(
                onboarding=locked,
                key="partner",
                label="Record the partner relationship",
                position=80,
            )
        )
        steps.append(
            OnboardingStep(
                onboarding=locked,
                key="connection",
                label="Keep a token for the client's Business Manager",
                position=85,
            )
        )
        steps.append(
            OnboardingStep(
                onboarding=locked,
                key="sync",
                label=f"Queue the first sync of {client.name}",
                position=90,
            )
        )
        OnboardingStep.objects.bulk_create(steps)
        audit_record(
            actor=actor,
            action="onboarding.client_share",
            business=client,
            target=locked,
            summary=f"{client.name}'s admin shared {shared} of {len(outcomes)} assets with "
            f"{agency.name}.",
            changes={"shared": [o.asset_id for o in outcomes if o.ok]},
        )
        transaction.on_commit(lambda: _enqueue_run(locked.pk))


# --- the run ----------------------------------------------------------------------------------


class Waiting(Exception):
    """The step cannot finish until someone acts in Meta; the message says who and what."""


@dataclass
class RunContext:
    onboarding: Onboarding
    agency: Business
    client: Business
    app: DeveloperApp
    actor: Actor
    stack: ExitStack
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def user_token(self) -> str | None:
        token = self.onboarding.login_token
        if token is None or not token.is_valid or not token.is_active:
            return None
        return token.reveal()

    def agency_graph(self):
        if "agency" not in self._clients:
            self._clients["agency"], _ = self.stack.enter_context(business_client(self.agency))
        return self._clients["agency"]

    def user_graph(self):
        if "user" not in self._clients:
            token = self.user_token
            if token is None:
                raise Waiting("Waiting for the client's admin to log in (or for a token).")
            self._clients["user"], _ = self.stack.enter_context(
                graph_client(token=token, app=self.app, business_meta_id=self.client.meta_id)
            )
        return self._clients["user"]


def _claim(onboarding_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=Onboarding.Status.SUBMITTED) | Q(
        status=Onboarding.Status.RUNNING, run_lease_until__lt=now
    )
    return (
        Onboarding.objects.filter(claimable, pk=onboarding_id).update(
            status=Onboarding.Status.RUNNING, run_lease_until=now + RUN_LEASE, updated_at=now
        )
        == 1
    )


def _set_step(step: OnboardingStep, status: str, message: str = "", **data: Any) -> None:
    step.status = status
    step.message = message[:2000]
    if data:
        step.data = {**step.data, **data}
    step.save(update_fields=["status", "message", "data", "updated_at"])


def _describe(exc: Exception) -> str:
    if isinstance(exc, GraphError):
        return exc.describe()
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def onboarding_run(*, onboarding_id: int) -> Onboarding | None:
    """Run every step not yet done, in order, and settle the onboarding's status.

    1. Claim the onboarding (compare-and-swap on its status, with a lease).
    2. For each step not done: mark it running, do it, mark it done / pending (waiting for the
       client, with what they must do) / failed (Meta's words from GraphError.describe()).
       A failed or waiting step of the On Behalf Of sequence stops the steps after it.
    3. Done when every step is done; waiting when some wait for the client; else failed."""
    if not _claim(onboarding_id):
        return None
    onboarding = Onboarding.objects.select_related(
        "agency__app", "client_business__app", "login_token", "created_by"
    ).get(pk=onboarding_id)
    actor = Actor.task("onboarding", user=onboarding.created_by)
    obo = onboarding.method == Onboarding.Method.ON_BEHALF_OF
    with ExitStack() as stack:
        ctx = RunContext(
            onboarding=onboarding,
            agency=onboarding.agency,
            client=onboarding.client_business,
            app=onboarding.agency.app,
            actor=actor,
            stack=stack,
        )
        blocked = False
        index = 0
        while True:
            # Re-read each time: the "assets:<kind>" steps add asset steps as they go.
            steps = list(onboarding.steps.order_by("position", "pk"))
            if index >= len(steps):
                break
            step = steps[index]
            index += 1
            if step.status == Step.DONE:
                continue
            if step.status == Step.FAILED:
                # Failed waits for "Retry what failed" (or a new login), which sets it back
                # to pending; an On Behalf Of step that failed still holds back what follows.
                blocked = blocked or (obo and not step.key.startswith("asset"))
                continue
            if blocked and step.key != "sync":
                _set_step(step, Step.PENDING, step.message or "Waits for the steps above.")
                continue
            if step.key == "sync" and any(
                s.status != Step.DONE for s in steps if s.key in ("system_user", "connection")
            ):
                _set_step(step, Step.PENDING, "Waits for a working token for the client.")
                continue
            step.attempts += 1
            step.status = Step.RUNNING
            step.save(update_fields=["attempts", "status", "updated_at"])
            try:
                message = _run_step(ctx, step)
            except Waiting as wait:
                _set_step(step, Step.PENDING, str(wait))
                blocked = blocked or (obo and not step.key.startswith("asset"))
            except (GraphError, ValidationError, NotConnectedError, ValueError) as exc:
                logger.info("Onboarding %s step %s failed: %s", onboarding.pk, step.key, exc)
                _set_step(step, Step.FAILED, _describe(exc))
                blocked = blocked or (obo and not step.key.startswith("asset"))
            except Exception:
                # A bug or an outage must not leave the step "running" for ever; the log has
                # the traceback, the page a plain sentence.
                logger.exception("Onboarding %s step %s crashed", onboarding.pk, step.key)
                _set_step(step, Step.FAILED, "Unexpected error in the portal; see the logs.")
                blocked = blocked or (obo and not step.key.startswith("asset"))
            else:
                _set_step(step, Step.DONE, message)
    return _settle(onboarding, actor)


def _settle(onboarding: Onboarding, actor: Actor) -> Onboarding:
    statuses = list(onboarding.steps.values_list("status", flat=True))
    if all(s == Step.DONE for s in statuses):
        status = Onboarding.Status.DONE
    elif any(s == Step.FAILED for s in statuses):
        status = Onboarding.Status.FAILED
    else:
        status = Onboarding.Status.WAITING
    with transaction.atomic():
        onboarding.status = status
        onboarding.run_lease_until = None
        onboarding.finished_at = timezone.now() if status != Onboarding.Status.WAITING else None
        onboarding.save(update_fields=["status", "run_lease_until", "finished_at", "updated_at"])
        audit_record(
            actor=actor,
            action=f"onboarding.{status}",
            business=onboarding.client_business,
            target=onboarding,
            summary=f"Onboarding of {onboarding.name}: {onboarding.get_status_display().lower()}"
            f" ({statuses.count(Step.DONE)} of {len(statuses)} steps done).",
        )
    return onboarding


def _run_step(ctx: RunContext, step: OnboardingStep) -> str:
    key = step.key
    if key == "managed_business":
        return _step_managed_business(ctx)
    if key == "system_user":
        return _step_system_user(ctx)
    if key == "partner":
        return _step_partner(ctx)
    if key == "client_login":
        return _step_client_login(ctx)
    if key == "connection":
        return _step_connection(ctx)
    if key == "sync":
        return _step_sync(ctx)
    if key.startswith("assets:"):
        return _step_discover(ctx, step)
    if key.startswith("asset:"):
        if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF:
            return _step_assign(ctx, step)
        return _step_share(ctx, step)
    raise ValueError(f"Unknown onboarding step {key!r}.")


def _step_managed_business(ctx: RunContext) -> str:
    from systemusers.obo import obo_relationship_create

    token = ctx.user_token
    if token is None:
        raise Waiting(
            "Waiting for a client admin's user token: paste it in the wizard, or send the "
            "client's admin the Facebook Login link on this page."
        )
    name = obo_relationship_create(
        agency=ctx.agency, client=ctx.client, user_token=token, app=ctx.app
    )
    return f"Meta created the relationship with {name or ctx.client.name}."


def _obo_kinds(ctx: RunContext) -> list[str]:
    return [item["kind"] for item in ctx.onboarding.requested]


def _step_system_user(ctx: RunContext) -> str:
    from systemusers.obo import obo_scopes, obo_system_user_create

    system_user = obo_system_user_create(
        agency=ctx.agency,
        client=ctx.client,
        app=ctx.app,
        scopes=obo_scopes(_obo_kinds(ctx)),
        actor=ctx.actor,
    )
    ctx.client.refresh_from_db()
    return (
        f"System user '{system_user.name}' ({system_user.meta_id}) created; its token is the "
        f"client's connection."
    )


def _step_partner(ctx: RunContext) -> str:
    if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF:
        from systemusers.obo import obo_partner_record

        obo_partner_record(agency=ctx.agency, client=ctx.client, actor=ctx.actor)
        return "Active, On Behalf Of."
    confirmed = AssetAccess.objects.filter(
        business=ctx.agency,
        asset__owner_business=ctx.client,
        access_status=AssetAccess.AccessStatus.CONFIRMED,
        removed_at__isnull=True,
    ).exists()
    status = PartnerRelationship.Status.ACTIVE if confirmed else PartnerRelationship.Status.PENDING
    with transaction.atomic():
        relationship, _ = PartnerRelationship.objects.update_or_create(
            agency=ctx.agency,
            client=ctx.client,
            defaults={"origin": PartnerRelationship.Origin.CLIENT_GRANT, "status": status},
        )
        audit_record(
            actor=ctx.actor,
            action="partner.client_grant",
            business=ctx.client,
            target=relationship,
            summary=f"{ctx.client.name} shares assets with {ctx.agency.name} "
            f"({relationship.get_status_display().lower()}).",
        )
    if not confirmed:
        raise Waiting(
            "Waiting until at least one shared asset is confirmed (an admin of the agency "
            "accepts new shares in Meta Business Settings → Requests)."
        )
    return "Active: the client shares assets with the agency."


def _step_client_login(ctx: RunContext) -> str:
    # Done by onboarding_client_share when the client confirms on our page; until then the
    # onboarding waits for them.
    raise Waiting(
        "Waiting for the client's admin: send them the Login link on this page. They log in, "
        "tick the assets to share and confirm."
    )


def _step_connection(ctx: RunContext) -> str:
    from businesses.connect import business_connect

    token = ctx.user_token
    if token is None:
        if AccessToken.objects.filter(
            business=ctx.client, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).exists():
            return "The client already has a connection token."
        raise Waiting(
            "No token for the client's own Business Manager yet: the client's admin can log in "
            "with the link on this page (the agency still reaches the shared assets)."
        )
    business_connect(
        business_meta_id=ctx.client.meta_id,
        app=ctx.app,
        token=token,
        actor=ctx.actor,
        name=ctx.client.name,
    )
    return "The client admin's long-lived token is the client's connection."


def _step_sync(ctx: RunContext) -> str:
    from sync.engine import business_sync_request

    run = business_sync_request(business=ctx.client, trigger="onboarding", actor=ctx.actor)
    return f"Sync #{run.pk} queued; the client's assets appear when it finishes."


def _step_discover(ctx: RunContext, step: OnboardingStep) -> str:
    """Expand "every <kind> the client owns" into one step per asset, with the client's token."""
    kind = step.asset_kind
    graph = ctx.user_graph()
    nodes = list(ops.iter_assets(graph, ctx.client.meta_id, kind, "owned"))
    how = (
        "system user gets"
        if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF
        else "agency gets"
    )
    existing = set(ctx.onboarding.steps.values_list("key", flat=True))
    new = []
    for node in nodes:
        if f"asset:{kind}:{node.id}" in existing:
            continue
        new_step = _asset_step(ctx.onboarding, kind, node.id, step.tasks, step.position, how)
        new_step.label = (
            f"{_kind_label(kind)} '{node.name}' ({node.id}): {how} {_tasks_text(kind, step.tasks)}"
        )
        new_step.data = {"name": node.name}
        new.append(new_step)
    OnboardingStep.objects.bulk_create(new)
    if not nodes:
        return f"The client owns no {_kind_label(kind).lower()}s."
    return f"Found {len(nodes)} {_kind_label(kind).lower()}{'s' if len(nodes) != 1 else ''}."


def _step_assign(ctx: RunContext, step: OnboardingStep) -> str:
    from systemusers.obo import obo_asset_assign, obo_system_user

    system_user = obo_system_user(ctx.client)
    if system_user is None or not system_user.meta_id:
        raise Waiting("Waits for the client's system user.")
    token = ctx.user_token
    if token is None:
        raise Waiting("Waiting for the client admin's user token to assign assets.")
    applied = obo_asset_assign(
        client=ctx.client,
        system_user=system_user,
        asset_id=step.asset_meta_id,
        tasks=step.tasks,
        user_token=token,
        app=ctx.app,
    )
    onboarding_record_asset(
        ctx=ctx,
        kind=step.asset_kind,
        asset_id=step.asset_meta_id,
        name=step.data.get("name", ""),
        system_user=system_user,
        tasks=step.tasks,
        applied=applied,
    )
    return f"Applied: {_tasks_text(step.asset_kind, applied)}."


def _agency_sees(ctx: RunContext, kind: str) -> dict[str, Any]:
    """The client's assets of one kind the agency has access to, by id (one listing per kind)."""
    cache_key = f"client:{kind}"
    if cache_key not in ctx._clients:
        ctx._clients[cache_key] = {
            node.id: node
            for node in ops.iter_assets(ctx.agency_graph(), ctx.agency.meta_id, kind, "client")
        }
    return ctx._clients[cache_key]


def _step_share(ctx: RunContext, step: OnboardingStep) -> str:
    """Client grants: with the client admin's token, share from the owner's side (POST
    /{asset}/agencies, DOMAIN decision 7); without it, look whether the client shared it."""
    kind, asset_id, tasks = step.asset_kind, step.asset_meta_id, step.tasks
    needs_approval = False
    if ctx.user_token is not None and not step.data.get("shared"):
        # A preset never takes away what the agency is already permitted on the asset: send
        # the union (the agencies POST sets the permitted tasks, like assigned_users).
        shared = _agency_sees(ctx, kind).get(asset_id)
        held = list(shared.permitted_tasks) if shared is not None else []
        needs_approval = ops.share_with_agency(
            ctx.user_graph(), asset_id, ctx.agency.meta_id, list(dict.fromkeys([*held, *tasks]))
        )
        _set_step(step, Step.RUNNING, "", shared=True)
    node = _agency_sees(ctx, kind).get(asset_id)
    if node is None:
        # The listing above was read before this share; read once more for this asset.
        ctx._clients.pop(f"client:{kind}", None)
        node = _agency_sees(ctx, kind).get(asset_id)
    # client_* edges list only assets the agency holds; a request waits in pending_client_*.
    if node is None:
        if needs_approval or step.data.get("shared"):
            raise Waiting(
                f"Shared; waiting for an admin of {ctx.agency.name} to accept it in Meta "
                "Business Settings → Requests."
            )
        raise Waiting(
            f"Waiting for the client to share it with Business ID {ctx.agency.meta_id} "
            f"({_tasks_text(kind, tasks)})."
        )
    missing = set(tasks) - set(node.permitted_tasks)
    if node.permitted_tasks and missing:
        raise ValueError(
            f"Shared with {_tasks_text(kind, node.permitted_tasks)}, but "
            f"{_tasks_text(kind, sorted(missing))} "
            "is missing: ask the client to share it again with the full access."
        )
    onboarding_record_asset(
        ctx=ctx,
        kind=kind,
        asset_id=asset_id,
        name=node.name,
        permitted=list(node.permitted_tasks) or tasks,
    )
    return f"Shared with the agency: {_tasks_text(kind, node.permitted_tasks or tasks)}."


def onboarding_record_asset(
    *,
    ctx: RunContext,
    kind: str,
    asset_id: str,
    name: str = "",
    system_user=None,
    tasks: list[str] | None = None,
    applied: list[str] | None = None,
    permitted: list[str] | None = None,
) -> Asset:
    """Record what onboarding just did in Meta (read back), so the asset shows up before the
    first sync finishes; the sync upserts the same rows by the same keys."""
    now = timezone.now()
    with transaction.atomic():
        asset, _ = Asset.objects.get_or_create(
            kind=kind,
            meta_id=asset_id,
            defaults={
                "name": name,
                "owner_business": ctx.client,
                "owner_meta_id": ctx.client.meta_id,
                "last_seen_at": now,
            },
        )
        if name and not asset.name:
            asset.name = name
            asset.save(update_fields=["name", "updated_at"])
        AssetAccess.objects.get_or_create(
            asset=asset,
            business=ctx.client,
            defaults={"access_type": AssetAccess.AccessType.OWNER},
        )
        if permitted is not None:
            AssetAccess.objects.update_or_create(
                asset=asset,
                business=ctx.agency,
                defaults={
                    "access_type": AssetAccess.AccessType.AGENCY,
                    "access_status": AssetAccess.AccessStatus.CONFIRMED,
                    "permitted_tasks": permitted,
                    "removed_at": None,
                },
            )
        if system_user is not None:
            grant = (
                Grant.objects.filter(asset=asset, system_user=system_user, asset_group=None)
                .exclude(push_state=PushState.REMOVED)
                .first()
            ) or Grant(asset=asset, system_user=system_user, business=ctx.client)
            grant.tasks = tasks or []
            grant.applied_tasks = applied or []
            grant.push_state = PushState.IN_SYNC
            grant.push_error = ""
            grant.last_pushed_at = grant.verified_at = now
            grant.save()
        audit_record(
            actor=ctx.actor,
            action="onboarding.asset",
            business=ctx.client,
            target=asset,
            summary=(
                f"Onboarding: {system_user.name} holds {', '.join(applied or [])} on {asset}."
                if system_user is not None
                else f"Onboarding: {ctx.agency.name} has {', '.join(permitted or [])} on {asset}."
            ),
        )
    return asset


# --- pre-flight: what Meta will refuse, said before submitting -----------------------------


@dataclass(frozen=True)
class PreflightIssue:
    title: str
    why: str
    todo: str
    who: str  # "client" or "staff"
    blocking: bool = False


def two_factor_advice(two_factor_type: str, *, who: str = "the client's admin") -> str:
    scope = "every person" if two_factor_type == "all_required" else "its admins"
    return (
        f"This Business Manager requires two-factor authentication of {scope}: Meta refuses "
        f"the shares (error 415) unless {who} turned two-factor authentication on and passed "
        "it in this session. Turn it on in Meta (Accounts Center → Password and security) "
        "before continuing."
    )


def onboarding_preflight(onboarding: Onboarding) -> list[PreflightIssue]:
    """What Meta will refuse for this draft, and what must happen first: from what Meta said
    in step 1 (or at the client's login), the app's tier, and the client's system users (the
    portal's rows, else as Meta lists them to the client admin's login)."""
    issues: list[PreflightIssue] = []
    obo = onboarding.method == Onboarding.Method.ON_BEHALF_OF
    kinds = {item["kind"] for item in onboarding.requested}
    facts = onboarding.meta_facts or {}
    two_factor = facts.get("two_factor_type") or ""
    if two_factor and two_factor != "none":
        issues.append(
            PreflightIssue(
                title="The client requires two-factor authentication for this change",
                why=f"Its Business Manager's two-factor rule is '{two_factor}'. "
                + (
                    "Creating the relationship and the system user in it"
                    if obo
                    else "Sharing assets with the agency"
                )
                + " is a protected change: Meta answers error 415 until the person acting has "
                "passed two-factor authentication.",
                todo="Ask the client's admin to turn on two-factor authentication in Meta "
                "(Accounts Center → Password and security) before logging in with the link.",
                who="client",
            )
        )
    elif onboarding.client_meta_id and not facts.get("checked_with"):
        issues.append(
            PreflightIssue(
                title="Meta does not show the agency this Business Manager yet",
                why="A new client is visible only to its own people, so its two-factor rule "
                "is not known until its admin logs in.",
                todo="Nothing now: the client's page checks it after they log in and says what "
                "to do.",
                who="client",
            )
        )
    app = onboarding.agency.app
    if app is not None and app.access_level == AccessLevel.STANDARD:
        case = BY_SLUG["on_behalf_of" if obo else "manage_client_bms"]
        issues.append(
            PreflightIssue(
                title=f"The agency's app has {AccessLevel.STANDARD.label} access",
                why="With it, Facebook Login asks permissions only of people who have a role "
                "on the app, so the client's admin cannot grant business_management through "
                f"{app.name}; and {case.label[0].lower()}{case.label[1:]} needs "
                f"{AccessLevel.ADVANCED.label} access: {case.why}",
                todo=f"Apply for {AccessLevel.ADVANCED.label} access for {app.name} through "
                "App Review (see App eligibility); until then, give the client's admin a role "
                "on the app (Tester, in the app dashboard) before they log in.",
                who="staff",
                blocking=True,
            )
        )
    if obo:
        seen = _client_system_users(onboarding)
        if seen is not None and seen.used >= seen.allowed:
            holders = ", ".join(f"'{name}'" for name in seen.names)
            issues.append(
                PreflightIssue(
                    title="The client's system-user cap is reached",
                    why=f"On Behalf Of creates one system user in {onboarding.name}; "
                    f"{seen.level_label} access allows {seen.allowed} and it has {seen.used}"
                    + (f" ({holders})" if holders else "")
                    + ". Meta cannot delete system users (retired ones still count), so it "
                    "refuses another (error 3949).",
                    todo="Choose the client grants partner access instead, or get "
                    f"{AccessLevel.ADVANCED.label} access for the app first.",
                    who="staff",
                    blocking=True,
                )
            )
        if AssetKind.PIXEL in kinds:
            issues.append(
                PreflightIssue(
                    title="Pixels: no per-person removal through the API",
                    why="Meta's API can give a system user tasks on a pixel but offers no call to "
                    "take them away again (the pixel's assigned users cannot be deleted through "
                    "the API).",
                    todo="Know that removing the system user's pixel access later takes a "
                    "client admin in Business Settings; or share pixels with the agency "
                    "(client grants), which can be revoked.",
                    who="staff",
                )
            )
    return issues


@dataclass(frozen=True)
class SlotsSeen:
    used: int
    allowed: int
    level_label: str
    names: list[str]


def _client_system_users(onboarding: Onboarding) -> SlotsSeen | None:
    """The client's employee system-user slots: from the portal's rows when it knows the
    client, else as Meta lists them to the client admin's login (None when neither is known,
    or the client already has the On Behalf Of system user, which is reused)."""
    client = (
        Business.objects.filter(meta_id=onboarding.client_meta_id).select_related("app").first()
        if onboarding.client_meta_id
        else None
    )
    if client is not None:
        if obo_system_user(client) is not None:
            return None
        meter = cap_meter(client)
        names = [
            su.name
            for su in client.system_users.exclude(status=SystemUser.Status.FAILED)
            if su.role == SystemUser.Role.EMPLOYEE
        ]
        return SlotsSeen(meter.employee_used, meter.employee_allowed, meter.level_label, names)
    token = onboarding.login_token
    app = onboarding.agency.app
    if not onboarding.client_meta_id or token is None or not token.is_active or app is None:
        return None
    try:
        with graph_client(
            token=token.reveal(), app=app, business_meta_id=onboarding.client_meta_id
        ) as (graph, _):
            employees = [
                su.name
                for su in ops.iter_system_users(graph, onboarding.client_meta_id)
                if su.role == SystemUser.Role.EMPLOYEE
            ]
    except GraphError:
        return None
    level = AccessLevel(app.access_level)
    return SlotsSeen(
        len(employees), cap_for(level, SystemUser.Role.EMPLOYEE), level.label, employees
    )


@dataclass(frozen=True)
class RepeatedFailure:
    message: str
    count: int
    keys: list[str]


def group_refusals(refused: list[tuple[str, str]], *, at_least: int = 2) -> list[RepeatedFailure]:
    """(key, Meta's message) pairs grouped by message: a refusal that repeats on every asset
    is said once, with the count. Meta's trace id differs on every answer and is ignored."""
    by_message: dict[str, list[str]] = {}
    for key, message in refused:
        message = re.sub(r"\s*fbtrace_id=\S+", "", message).strip()
        by_message.setdefault(message, []).append(key)
    return [
        RepeatedFailure(message=m, count=len(keys), keys=keys)
        for m, keys in by_message.items()
        if len(keys) >= at_least
    ]


def repeated_failures(steps: list[OnboardingStep], *, at_least: int = 2) -> list[RepeatedFailure]:
    """Asset steps that failed with the same message, grouped (see group_refusals)."""
    return group_refusals(
        [(s.key, s.message) for s in steps if s.is_asset and s.status == Step.FAILED and s.message],
        at_least=at_least,
    )


def onboarding_client_assets(
    *, onboarding: Onboarding, kinds: list[str]
) -> tuple[dict[str, list[Any]], str]:
    """On Behalf Of: the client's own assets per kind, read with the client admin's login on
    file, for staff to pick from ({} and a sentence when there is no login or Meta refuses)."""
    token = onboarding.login_token
    if not onboarding.client_meta_id or token is None or not token.is_active or not token.is_valid:
        return {}, (
            "The client's assets are listed here once its admin has logged in with the link "
            "in step 2; until then the agency gets every asset of each chosen kind."
        )
    found: dict[str, list[Any]] = {}
    with graph_client(
        token=token.reveal(), app=onboarding.agency.app, business_meta_id=onboarding.client_meta_id
    ) as (graph, _):
        for kind in kinds:
            try:
                found[kind] = list(
                    ops.iter_shareable_assets(graph, onboarding.client_meta_id, kind)
                )
            except GraphError as err:
                return {}, f"Meta did not list the client's assets: {err.describe()}"
    return found, ""
