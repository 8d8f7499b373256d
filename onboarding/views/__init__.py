"""The onboarding pages (portal/urls.py routes them): the wizard, the status page and retry,
and the client admin's side (the Login callback and their share page)."""

from __future__ import annotations

from onboarding.views.client import client_share, oauth_callback
from onboarding.views.status import (
    onboarding_list,
    onboarding_retry,
    onboarding_status,
    onboarding_status_json,
)
from onboarding.views.wizard import (
    onboarding_assets,
    onboarding_details,
    onboarding_method,
    onboarding_review,
)

__all__ = [
    "client_share",
    "oauth_callback",
    "onboarding_assets",
    "onboarding_details",
    "onboarding_list",
    "onboarding_method",
    "onboarding_retry",
    "onboarding_review",
    "onboarding_status",
    "onboarding_status_json",
]
