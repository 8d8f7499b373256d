"""The run: claim the onboarding, do every step not yet done in order, settle its status. A
step that is done is never redone, so resuming after a failure repeats nothing."""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError
from graph import GraphError
from onboarding.models import Onboarding, OnboardingStep
from onboarding.services.context import RunContext, Waiting, step_set
from onboarding.services.steps import run_step

logger = logging.getLogger(__name__)

Step = OnboardingStep.Status


RUN_LEASE = timedelta(minutes=15)


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
            client_business=onboarding.client_business,
            agency_app=onboarding.agency.app,
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
                step_set(step, Step.PENDING, step.message or "Waits for the steps above.")
                continue
            if step.key == "sync" and any(
                s.status != Step.DONE for s in steps if s.key in ("system_user", "connection")
            ):
                step_set(step, Step.PENDING, "Waits for a working token for the client.")
                continue
            step.attempts += 1
            step.status = Step.RUNNING
            step.save(update_fields=["attempts", "status", "updated_at"])
            try:
                message = run_step(ctx, step)
            except Waiting as wait:
                step_set(step, Step.PENDING, str(wait))
                blocked = blocked or (obo and not step.key.startswith("asset"))
            except (GraphError, ValidationError, NotConnectedError, ValueError) as exc:
                logger.info("Onboarding %s step %s failed: %s", onboarding.pk, step.key, exc)
                step_set(step, Step.FAILED, _describe(exc))
                blocked = blocked or (obo and not step.key.startswith("asset"))
            except Exception:
                # A bug or an outage must not leave the step "running" for ever; the log has
                # the traceback, the page a plain sentence.
                logger.exception("Onboarding %s step %s crashed", onboarding.pk, step.key)
                step_set(step, Step.FAILED, "Unexpected error in the portal; see the logs.")
                blocked = blocked or (obo and not step.key.startswith("asset"))
            else:
                step_set(step, Step.DONE, message)
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
        if status == Onboarding.Status.FAILED:
            # Before the client is known, the agency names the onboarding.
            alerts.facts_changed(business_id=onboarding.client_business_id or onboarding.agency_id)
    return onboarding
