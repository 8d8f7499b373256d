"""Client onboarding: the wizard's draft, the submission, and the run that ticks off steps.

The wizard (onboarding/views/) calls ``onboarding_start``, ``onboarding_set_method``,
``onboarding_set_items`` and ``onboarding_submit``; the Facebook Login callback calls
``onboarding_record_login``; the task calls ``onboarding_run``; the status page's retry button
calls ``onboarding_resume``. Meta is only ever called outside a transaction; every write is
audited; the client admin's token lives encrypted in an AccessToken, never in a task argument.

The run, for both methods, is a list of OnboardingStep rows. A step that is done is never
redone, so resuming after a failure repeats nothing:

On Behalf Of (systemusers/obo.py):
    managed_business → system_user → partner → assets:<kind> / asset:<kind>:<id> → sync
Client grants partner access:
    client_login (waits until the client's admin logs in with the single-use Login link and
    ticks their assets on our page, ``onboarding_client_share``, which shares them with that
    login and adds:) asset:<kind>:<id> → partner → connection → sync

The Login link's ``state`` is issued, checked and spent in one place (``login_state_*``): it
works once and expires. The review step's ``onboarding_preflight`` says beforehand what Meta
will refuse.

One module per family (``draft``, ``login``, ``submission``, ``client_share``, ``run`` with its
``steps``, ``preflight``, ``client_assets``, ``refusals``); this package names what the views,
the task and the tests call (the reads in onboarding/selectors.py too).
"""

from __future__ import annotations

from onboarding.selectors import onboarding_agency, share_onboarding, visible_onboardings
from onboarding.services.client_assets import onboarding_client_assets
from onboarding.services.client_share import (
    SHARE_SESSION_TTL,
    ShareOutcome,
    SharePage,
    onboarding_client_share,
    onboarding_share_page,
)
from onboarding.services.draft import (
    clean_items,
    onboarding_set_items,
    onboarding_set_method,
    onboarding_start,
)
from onboarding.services.login import (
    LOGIN_LINK_INVALID,
    LOGIN_LINK_TTL,
    login_dialog_url,
    login_state_current,
    login_state_find,
    login_state_spend,
    onboarding_record_login,
)
from onboarding.services.preflight import PreflightIssue, onboarding_preflight, two_factor_advice
from onboarding.services.refusals import RepeatedFailure, group_refusals, repeated_failures
from onboarding.services.run import onboarding_run
from onboarding.services.steps import onboarding_record_asset
from onboarding.services.submission import onboarding_resume, onboarding_submit, resume_summary

__all__ = [
    "LOGIN_LINK_INVALID",
    "LOGIN_LINK_TTL",
    "SHARE_SESSION_TTL",
    "PreflightIssue",
    "RepeatedFailure",
    "ShareOutcome",
    "SharePage",
    "clean_items",
    "group_refusals",
    "login_dialog_url",
    "login_state_current",
    "login_state_find",
    "login_state_spend",
    "onboarding_agency",
    "onboarding_client_assets",
    "onboarding_client_share",
    "onboarding_preflight",
    "onboarding_record_asset",
    "onboarding_record_login",
    "onboarding_resume",
    "onboarding_run",
    "onboarding_set_items",
    "onboarding_set_method",
    "onboarding_share_page",
    "onboarding_start",
    "onboarding_submit",
    "repeated_failures",
    "resume_summary",
    "share_onboarding",
    "two_factor_advice",
    "visible_onboardings",
]
