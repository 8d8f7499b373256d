"""The client's own page (client grants partner access): after logging in, the client's admin
sees their Business Managers and the assets the agency asks for, ticks some and confirms; each
is shared with the agency with their login, and the rest of the run is planned and queued."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.selectors import task_labels
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import graph_client
from businesses.models import AccessToken
from graph import GraphClient, GraphError
from graph import operations as ops
from onboarding.models import Onboarding, OnboardingStep
from onboarding.services.login import LOGIN_LINK_INVALID, business_facts
from onboarding.services.plan import asset_step, kind_label, tasks_text
from onboarding.services.preflight import two_factor_advice
from onboarding.services.queue import run_enqueue
from onboarding.services.submission import client_business_record

Step = OnboardingStep.Status

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


def _login_graph(stack: ExitStack, onboarding: Onboarding) -> GraphClient:
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
                    kind_label=kind_label(kind),
                    tasks=list(item["tasks"]),
                    task_labels=task_labels(kind, item["tasks"]),
                    assets=assets,
                )
            )
    warnings = []
    if (business.two_factor_type or "none") != "none":
        warnings.append(two_factor_advice(business.two_factor_type or "", who="you"))
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
        client = client_business_record(
            onboarding=locked, meta_id=business.id, name=business.name, actor=actor
        )
        locked.client_meta_id = business.id
        locked.client_business = client
        locked.meta_facts = business_facts(business, "client_login")
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
            step = asset_step(
                locked, outcome.kind, outcome.asset_id, outcome.tasks, position, "agency gets"
            )
            step.label = (
                f"{kind_label(outcome.kind)} '{outcome.name}' ({outcome.asset_id}): agency gets "
                f"{tasks_text(outcome.kind, outcome.tasks)}"
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
        transaction.on_commit(lambda: run_enqueue(locked.pk))
