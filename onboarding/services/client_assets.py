"""Step 3 for On Behalf Of: the client's own assets, listed with the client admin's login, for
staff to pick from."""

from __future__ import annotations

from typing import Any

from businesses.graph_access import graph_client
from graph import GraphError
from graph import operations as ops
from onboarding.models import Onboarding


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
