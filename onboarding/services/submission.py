"""Step 4, the submission: the client business, the system-user slot (On Behalf Of), the planned
steps, the queued run; and "Retry what failed", which resumes it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import AccessToken, Business
from businesses.services import staff_assign
from onboarding.models import Onboarding, OnboardingStep
from onboarding.services.draft import clean_items, require_draft
from onboarding.services.plan import plan_steps
from onboarding.services.queue import run_enqueue
from systemusers.errors import SystemUserCapError, cap_reached_alert
from systemusers.obo import obo_system_user_reserve

Step = OnboardingStep.Status


def client_business_record(
    *, onboarding: Onboarding, meta_id: str, name: str, actor: Actor
) -> Business:
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
        staff_assign(user=user, business=client, actor=actor)
    return client


def onboarding_submit(*, onboarding: Onboarding, actor: Actor) -> Onboarding:
    """Step 4: create the client business, reserve the system-user slot (On Behalf Of), plan
    the steps and queue the run after commit. All or nothing: a full cap saves nothing.

    Client grants: nothing is shared yet. The onboarding waits for the client's admin to log
    in with the link and tick the assets on our page (``onboarding_client_share``); the
    client business is created now when its ID is known, else when the login tells it."""
    require_draft(onboarding)
    if not onboarding.method:
        raise ValidationError({"method": "Access method: choose it in step 2."})
    clean_items(onboarding.requested)
    grant = onboarding.method == Onboarding.Method.CLIENT_GRANT
    try:
        with transaction.atomic():
            locked = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
            require_draft(locked)
            client = None
            if onboarding.client_meta_id:
                client = client_business_record(
                    onboarding=onboarding,
                    meta_id=onboarding.client_meta_id,
                    name=onboarding.name,
                    actor=actor,
                )
            planned: list[OnboardingStep] = []
            if onboarding.method == Onboarding.Method.ON_BEHALF_OF:
                if client is None:
                    # Step 2 refuses On Behalf Of without the ID; step 1 may have cleared it since.
                    raise ValidationError(
                        {
                            "method": "Business On Behalf Of needs the client's Business Manager "
                            "ID: enter it in step 1."
                        }
                    )
                # The cap is checked before anything is sent: SystemUserCapError rolls back.
                obo_system_user_reserve(client=client, actor=actor)
                planned = plan_steps(onboarding, client)
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
                OnboardingStep.objects.bulk_create(planned)
            audit_record(
                actor=actor,
                action="onboarding.submit",
                business=client,
                target=onboarding,
                summary=f"Submitted onboarding of {onboarding.name} "
                f"({onboarding.get_method_display()}).",
            )
            transaction.on_commit(lambda: run_enqueue(onboarding.pk))
    except SystemUserCapError as refusal:
        # The reservation's own alert went with the rollback: raise it again now.
        cap_reached_alert(refusal)
        raise
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
        transaction.on_commit(lambda: run_enqueue(onboarding.pk))
    return onboarding
