"""What every step of a run works with: the onboarding, both businesses, the app, and the Graph
clients opened once per run (the agency's connection, the client admin's login)."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from businesses.actors import Actor
from businesses.graph_access import business_client, graph_client
from businesses.models import Business, DeveloperApp
from graph import GraphClient
from graph.types import AssetNode
from onboarding.models import Onboarding, OnboardingStep


class Waiting(Exception):
    """The step cannot finish until someone acts in Meta; the message says who and what."""


@dataclass
class RunContext:
    onboarding: Onboarding
    agency: Business
    client_business: Business | None  # a client grant learns it from the client's login
    agency_app: DeveloperApp | None
    actor: Actor
    stack: ExitStack
    _clients: dict[str, GraphClient] = field(default_factory=dict)
    # The agency's listing of the client's assets, per kind (read once per run, see steps).
    listings: dict[str, dict[str, AssetNode]] = field(default_factory=dict)

    @property
    def client(self) -> Business:
        if self.client_business is None:
            raise ValueError("The client's Business Manager is not known yet.")
        return self.client_business

    @property
    def app(self) -> DeveloperApp:
        if self.agency_app is None:
            raise ValueError("The agency's Business Manager has no app on file.")
        return self.agency_app

    @property
    def user_token(self) -> str | None:
        token = self.onboarding.login_token
        if token is None or not token.is_valid or not token.is_active:
            return None
        return token.reveal()

    def agency_graph(self) -> GraphClient:
        if "agency" not in self._clients:
            self._clients["agency"], _ = self.stack.enter_context(business_client(self.agency))
        return self._clients["agency"]

    def user_graph(self) -> GraphClient:
        if "user" not in self._clients:
            token = self.user_token
            if token is None:
                raise Waiting("Waiting for the client's admin to log in (or for a token).")
            self._clients["user"], _ = self.stack.enter_context(
                graph_client(token=token, app=self.app, business_meta_id=self.client.meta_id)
            )
        return self._clients["user"]


def step_set(step: OnboardingStep, status: str, message: str = "", **data: object) -> None:
    """Save a step's outcome; ``data`` is merged into what the step already keeps."""
    step.status = status
    step.message = message[:2000]
    if data:
        step.data = {**step.data, **data}
    step.save(update_fields=["status", "message", "data", "updated_at"])
