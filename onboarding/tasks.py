"""Onboarding tasks: thin, by id, never a token (STYLE 5-6). The service records every step's
outcome itself, so the task does not retry: the status page's "retry" resumes the run."""

from __future__ import annotations

from celery import shared_task

from onboarding.services.run import onboarding_run


@shared_task(name="onboarding.tasks.onboarding_run_task", ignore_result=True)
def onboarding_run_task(onboarding_id: int) -> None:
    onboarding_run(onboarding_id=onboarding_id)
