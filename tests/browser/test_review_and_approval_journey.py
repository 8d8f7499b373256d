"""A staff member reviews security across her clients and dismisses a finding with a reason;
with two-person approval on, her offboarding waits as a request until a colleague who manages
the same client approves it, and only then is the person removed in Meta (the sandbox)."""

from __future__ import annotations

import re

import pytest

from approvals.models import ChangeRequest
from approvals.services import approval_policy_set
from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.models import AuditEvent, BusinessUser
from liveaccounts.refresh import account_activity_refresh
from security.models import FindingDismissal
from sync.run import business_sync
from tests.factories import StaffFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery staple"


def _login(browser, live_server, username, next_path):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(rf".*{re.escape(next_path)}$"))
    return context, page


def test_review_dismiss_then_offboarding_approved_by_a_second_person(
    browser, live_server, connected, screenshot_dir, staff_groups
):
    acme_creds = connected.creds["clients"][0]
    acme = business_connect(
        business_meta_id=acme_creds["business_id"],
        app=connected.app,
        token=acme_creds["admin_user_token"],
        actor=Actor.system("test"),
    )
    business_sync(business_id=acme.pk)
    account_activity_refresh(business=acme)
    StaffFactory(username="carol", group="Account manager", password=PASSWORD, businesses=[acme])
    StaffFactory(username="dave", group="Account manager", password=PASSWORD, businesses=[acme])
    approval_policy_set(
        agency=connected.agency, enabled=True, expires_after_hours=48, actor=Actor.system()
    )
    leaver = (
        BusinessUser.objects.filter(
            business=acme, status=BusinessUser.Status.ACTIVE, role=BusinessUser.Role.EMPLOYEE
        )
        .exclude(email="")
        .first()
    )

    # --- Home: which ad accounts are live ------------------------------------------------
    carol, page = _login(browser, live_server, "carol", "/admin/portal/")
    row = page.locator(f"#clients tr[data-business='{acme.meta_id}']")
    assert "1 live" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "live-1-home.png"), full_page=True)

    # --- Security review: findings sorted by risk, one dismissed with a reason -----------
    page.goto(f"{live_server.url}/admin/portal/security/")
    rows = page.locator("#findings tbody tr[data-key]")
    assert rows.count() > 0
    risks = [
        r.split()[0] for r in page.locator("#findings tbody tr td:first-child").all_inner_texts()
    ]
    order = {"High": 0, "Medium": 1, "Low": 2}
    assert risks == sorted(risks, key=order.__getitem__)
    page.screenshot(path=str(screenshot_dir / "review-1-findings.png"), full_page=True)
    row = page.locator("#findings tbody tr[data-key^='admin_system_user']").first
    row.locator("input[name=reason]").fill("Our deploy automation; token kept in the vault.")
    row.locator("input[type=submit][value=Dismiss]").click()
    page.wait_for_selector("text=Finding dismissed")
    assert FindingDismissal.objects.get().dismissed_by.username == "carol"
    assert page.locator("#findings tbody tr[data-key^='admin_system_user']").count() == 0

    # --- Offboarding waits for a second person -------------------------------------------
    page.goto(f"{live_server.url}/admin/portal/offboarding/?email={leaver.email}")
    page.click("#offboard-preview ~ form input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/portal/approvals/$"))
    assert "Two-person approval is on" in page.content()
    assert "Yours: another staff member decides." in page.inner_text("#pending")
    page.screenshot(path=str(screenshot_dir / "approval-1-requested.png"), full_page=True)
    leaver.refresh_from_db()
    assert leaver.status == BusinessUser.Status.ACTIVE
    carol.close()

    # --- Dave approves; only now is the person removed in Meta ---------------------------
    dave, page = _login(browser, live_server, "dave", "/admin/portal/approvals/")
    page.fill("#pending input[name=note]", "Checked with HR: left on Friday.")
    page.click("#pending button[value=approve]")
    page.wait_for_selector("#decided >> text=Approved and applied")
    page.screenshot(path=str(screenshot_dir / "approval-2-approved.png"), full_page=True)
    dave.close()

    request = ChangeRequest.objects.get()
    assert (request.requested_by.username, request.decided_by.username) == ("carol", "dave")
    leaver.refresh_from_db()
    assert leaver.status == BusinessUser.Status.REMOVED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"approval.request", "approval.approve", "approval.done", "person.remove"} <= actions
