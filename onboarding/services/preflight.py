"""The review step's pre-flight: what Meta will refuse for this draft, and what must happen
first (two-factor rule, the app's tier, the client's system-user cap, pixels)."""

from __future__ import annotations

from dataclasses import dataclass

from assets.models import AssetKind
from businesses.advisor import BY_SLUG
from businesses.graph_access import graph_client
from businesses.models import AccessLevel, Business
from graph import GraphError
from graph import operations as ops
from onboarding.models import Onboarding
from systemusers.caps import cap_for, cap_meter
from systemusers.models import SystemUser
from systemusers.obo import obo_system_user

# --- pre-flight: what Meta will refuse, said before submitting -----------------------------


@dataclass(frozen=True)
class PreflightIssue:
    title: str
    why: str
    todo: str
    who: str  # "client" or "staff"
    blocking: bool = False


def two_factor_advice(two_factor_type: str, *, who: str = "the client's admin") -> str:
    scope = "every person" if two_factor_type == "all_required" else "its admins"
    return (
        f"This Business Manager requires two-factor authentication of {scope}: Meta refuses "
        f"the shares (error 415) unless {who} turned two-factor authentication on and passed "
        "it in this session. Turn it on in Meta (Accounts Center → Password and security) "
        "before continuing."
    )


def onboarding_preflight(onboarding: Onboarding) -> list[PreflightIssue]:
    """What Meta will refuse for this draft, and what must happen first: from what Meta said
    in step 1 (or at the client's login), the app's tier, and the client's system users (the
    portal's rows, else as Meta lists them to the client admin's login)."""
    issues: list[PreflightIssue] = []
    obo = onboarding.method == Onboarding.Method.ON_BEHALF_OF
    kinds = {item["kind"] for item in onboarding.requested}
    facts = onboarding.meta_facts or {}
    two_factor = facts.get("two_factor_type") or ""
    if two_factor and two_factor != "none":
        issues.append(
            PreflightIssue(
                title="The client requires two-factor authentication for this change",
                why=f"Its Business Manager's two-factor rule is '{two_factor}'. "
                + (
                    "Creating the relationship and the system user in it"
                    if obo
                    else "Sharing assets with the agency"
                )
                + " is a protected change: Meta answers error 415 until the person acting has "
                "passed two-factor authentication.",
                todo="Ask the client's admin to turn on two-factor authentication in Meta "
                "(Accounts Center → Password and security) before logging in with the link.",
                who="client",
            )
        )
    elif onboarding.client_meta_id and not facts.get("checked_with"):
        issues.append(
            PreflightIssue(
                title="Meta does not show the agency this Business Manager yet",
                why="A new client is visible only to its own people, so its two-factor rule "
                "is not known until its admin logs in.",
                todo="Nothing now: the client's page checks it after they log in and says what "
                "to do.",
                who="client",
            )
        )
    app = onboarding.agency.app
    if app is not None and app.access_level == AccessLevel.STANDARD:
        case = BY_SLUG["on_behalf_of" if obo else "manage_client_bms"]
        issues.append(
            PreflightIssue(
                title=f"The agency's app has {AccessLevel.STANDARD.label} access",
                why="With it, Facebook Login asks permissions only of people who have a role "
                "on the app, so the client's admin cannot grant business_management through "
                f"{app.name}; and {case.label[0].lower()}{case.label[1:]} needs "
                f"{AccessLevel.ADVANCED.label} access: {case.why}",
                todo=f"Apply for {AccessLevel.ADVANCED.label} access for {app.name} through "
                "App Review (see App eligibility); until then, give the client's admin a role "
                "on the app (Tester, in the app dashboard) before they log in.",
                who="staff",
                blocking=True,
            )
        )
    if obo:
        seen = _client_system_users(onboarding)
        if seen is not None and seen.used >= seen.allowed:
            holders = ", ".join(f"'{name}'" for name in seen.names)
            issues.append(
                PreflightIssue(
                    title="The client's system-user cap is reached",
                    why=f"On Behalf Of creates one system user in {onboarding.name}; "
                    f"{seen.level_label} access allows {seen.allowed} and it has {seen.used}"
                    + (f" ({holders})" if holders else "")
                    + ". Meta cannot delete system users (retired ones still count), so it "
                    "refuses another (error 3949).",
                    todo="Choose the client grants partner access instead, or get "
                    f"{AccessLevel.ADVANCED.label} access for the app first.",
                    who="staff",
                    blocking=True,
                )
            )
        if AssetKind.PIXEL in kinds:
            issues.append(
                PreflightIssue(
                    title="Pixels: no per-person removal through the API",
                    why="Meta's API can give a system user tasks on a pixel but offers no call to "
                    "take them away again (the pixel's assigned users cannot be deleted through "
                    "the API).",
                    todo="Know that removing the system user's pixel access later takes a "
                    "client admin in Business Settings; or share pixels with the agency "
                    "(client grants), which can be revoked.",
                    who="staff",
                )
            )
    return issues


@dataclass(frozen=True)
class SlotsSeen:
    used: int
    allowed: int
    level_label: str
    names: list[str]


def _client_system_users(onboarding: Onboarding) -> SlotsSeen | None:
    """The client's employee system-user slots: from the portal's rows when it knows the
    client, else as Meta lists them to the client admin's login (None when neither is known,
    or the client already has the On Behalf Of system user, which is reused)."""
    client = (
        Business.objects.filter(meta_id=onboarding.client_meta_id).select_related("app").first()
        if onboarding.client_meta_id
        else None
    )
    if client is not None:
        if obo_system_user(client) is not None:
            return None
        meter = cap_meter(client)
        names = [
            su.name
            for su in client.system_users.exclude(status=SystemUser.Status.FAILED)
            if su.role == SystemUser.Role.EMPLOYEE
        ]
        return SlotsSeen(meter.employee_used, meter.employee_allowed, meter.level_label, names)
    token = onboarding.login_token
    app = onboarding.agency.app
    if not onboarding.client_meta_id or token is None or not token.is_active or app is None:
        return None
    try:
        with graph_client(
            token=token.reveal(), app=app, business_meta_id=onboarding.client_meta_id
        ) as (graph, _):
            employees = [
                su.name
                for su in ops.iter_system_users(graph, onboarding.client_meta_id)
                if su.role == SystemUser.Role.EMPLOYEE
            ]
    except GraphError:
        return None
    level = AccessLevel(app.access_level)
    return SlotsSeen(
        len(employees), cap_for(level, SystemUser.Role.EMPLOYEE), level.label, employees
    )
