"""The wizard's draft, steps 1 to 3: the client's details (and what Meta says about its
Business Manager), the access method (with an optional client admin's token), and the assets
with the access asked on each. A submitted onboarding no longer changes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from assets.models import GRANTABLE_KINDS, AssetKind
from assets.services import preset_tasks
from businesses import scoping
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.connect import business_lookup, token_inspect
from businesses.models import AccessToken, Business, PartnerRelationship
from businesses.models.base import ad_account_id_validator, meta_id_validator
from onboarding.models import Onboarding
from onboarding.selectors import onboarding_app, visible_onboardings
from onboarding.services.login import business_facts, login_state_new, login_token_store

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
                facts = business_facts(
                    business_lookup(agency=agency, business_meta_id=meta_id), "agency"
                )
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
            facts = business_facts(node, "client_admin")
    with transaction.atomic():
        created = onboarding is None
        if onboarding is None:
            state, expires = login_state_new()
            onboarding = Onboarding(
                agency=agency,
                created_by_id=actor.user_id,
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
            login_token_store(onboarding=onboarding, token=client_admin_token, actor=actor)
        seen = (
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
            f"({meta_id or 'no Business ID yet'}; {seen}).",
            changes={"client_meta_id": meta_id, "meta_name": facts.get("name", "")},
        )
    return onboarding


def require_draft(onboarding: Onboarding) -> None:
    if onboarding.status != Onboarding.Status.DRAFT:
        raise ValidationError("This onboarding was already submitted; it can no longer change.")


def onboarding_set_method(
    *, onboarding: Onboarding, method: str, actor: Actor, client_admin_token: str = ""
) -> Onboarding:
    """Step 2: the access method, and for On Behalf Of optionally the client admin's user token
    (checked with Meta's debug_token, then stored encrypted; never shown again)."""
    require_draft(onboarding)
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
            info = token_inspect(token=client_admin_token, app=onboarding_app(onboarding))
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
            login_token_store(
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
        tasks = preset_tasks(preset_slug=preset, asset_kind=kind)
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
        entry: dict[str, Any] = {"kind": kind, "preset": preset, "tasks": tasks, "asset_ids": ids}
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
    require_draft(onboarding)
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
