"""The steps a run is planned as, and how they are labelled (Meta's names for the tasks)."""

from __future__ import annotations

from collections.abc import Iterable

from assets.models import AssetKind
from assets.selectors import task_labels
from businesses.models import Business
from onboarding.models import Onboarding, OnboardingStep


def kind_label(kind: str) -> str:
    return AssetKind(kind).label


def tasks_text(kind: str, tasks: Iterable[str]) -> str:
    """Tasks as Meta's Business Settings names them (labels are data)."""
    return ", ".join(task_labels(kind, tasks))


def asset_step(
    onboarding: Onboarding, kind: str, asset_id: str, tasks: list[str], position: int, how: str
) -> OnboardingStep:
    """The step giving the agency (or the system user) ``tasks`` on one asset."""
    return OnboardingStep(
        onboarding=onboarding,
        key=f"asset:{kind}:{asset_id}",
        label=f"{kind_label(kind)} {asset_id}: {how} {tasks_text(kind, tasks)}",
        position=position,
        asset_kind=kind,
        asset_meta_id=asset_id,
        tasks=tasks,
    )


def plan_steps(onboarding: Onboarding, client: Business) -> list[OnboardingStep]:
    """The steps of an On Behalf Of run, planned at submission (client grants plan theirs when
    the client confirms, ``onboarding_client_share``)."""
    obo = onboarding.method == Onboarding.Method.ON_BEHALF_OF
    how = "system user gets" if obo else "agency gets"
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
                step = asset_step(onboarding, kind, asset_id, tasks, position, how)
                if names.get(asset_id):
                    step.label = (
                        f"{kind_label(kind)} '{names[asset_id]}' ({asset_id}): {how} "
                        f"{tasks_text(kind, tasks)}"
                    )
                    step.data = {"name": names[asset_id]}
                steps.append(step)
                position += 1
        else:
            steps.append(
                OnboardingStep(
                    onboarding=onboarding,
                    key=f"assets:{kind}",
                    label=f"Find every {kind_label(kind).lower()} {client.name} owns "
                    f"({how} {tasks_text(kind, tasks)} on each)",
                    position=position,
                    asset_kind=kind,
                    tasks=tasks,
                )
            )
            position += 1
    add("sync", f"Queue the first sync of {client.name}", 90)
    return steps
