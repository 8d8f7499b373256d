"""Meta's refusals that repeat on many assets, said once with the count (status page, the
client's page)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from onboarding.models import OnboardingStep

Step = OnboardingStep.Status


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
