"""Journeys 2, 3 and 7 in a real browser: a staff member onboards one client On Behalf Of and
one by client grant (with the Facebook Login callback), watches the status page finish, finds
the new assets in search; a colleague not assigned to those clients sees none of it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from businesses.models import GraphCall
from onboarding.models import Onboarding
from tests.factories import StaffFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery staple"


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/portal/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/portal/$"))
    return page


def _step_one(page, live_server, *, name, bm_id=""):
    page.goto(f"{live_server.url}/admin/portal/onboarding/new/")
    page.fill("#id_name", name)
    page.fill("#id_contact_name", "Iris Novak")
    page.fill("#id_contact_email", "iris@example.com")
    page.fill("#id_client_meta_id", bm_id)
    page.click("input[type=submit][value='Check with Meta and continue']")
    page.wait_for_load_state()
    errors = page.locator(".errorlist, .errornote").all_inner_texts()
    assert not errors, errors
    page.wait_for_url(re.compile(r".*/method/$"))


def _echo_client(world, agency_id, app_id):
    """A second prospective client who already added the agency as a partner."""
    echo = world.add_business("Echo Lake Books", verification_status="verified")
    world.add_business_user(echo.id, "Eve Lake", "ADMIN", "eve@echolake.example")
    for market in ("US", "CA"):
        world.add_asset("ad_account", echo.id, f"Echo Lake - {market} Prospecting")
    world.add_partner(agency_id, echo.id, status="CONFIRMED")
    return echo


def _log_in_as_client_admin(browser, login_url, who, screenshot=None):
    """The client's admin opens the Login link in their own browser (no portal login) and
    accepts in the Login dialog (the sandbox's stand-in for Facebook's)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    client_page = context.new_page()
    client_page.set_default_timeout(20_000)
    client_page.goto(login_url)
    assert "Log in with Facebook" in client_page.content()
    if screenshot:
        client_page.screenshot(path=screenshot, full_page=True)
    client_page.click(f"button:has-text('Continue as {who}')")
    client_page.wait_for_load_state()
    return client_page


def test_staff_onboard_two_clients_and_a_colleague_sees_none_of_it(
    browser,
    live_server,
    connected,
    screenshot_dir,
    staff_groups,
):
    StaffFactory(username="carol", group="Account manager", password=PASSWORD)
    StaffFactory(username="dave", group="Account manager", password=PASSWORD)
    creds = connected.creds
    delta = creds["unconnected_client"]
    world = connected.sandbox.world
    echo = _echo_client(world, connected.agency.meta_id, connected.app.meta_id)

    page = _login(browser, live_server, "carol")

    # --- On Behalf Of: the client's admin logs in, staff pick the client's assets ----------
    # First a typo: nothing is wrong with an id Meta does not show the agency (a new client),
    # but a malformed one is refused and what was typed is kept.
    page.goto(f"{live_server.url}/admin/portal/onboarding/new/")
    page.fill("#id_name", "Delta Ridge Fitness")
    page.fill("#id_client_meta_id", "12.5")
    page.click("input[type=submit][value='Check with Meta and continue']")
    assert "Business Manager ID: digits only" in page.content()
    assert page.input_value("#id_name") == "Delta Ridge Fitness"  # kept what was typed
    _step_one(page, live_server, name="Delta Ridge Fitness", bm_id=delta["business_id"])
    page.check("input[value=on_behalf_of]")
    page.screenshot(path=str(screenshot_dir / "wizard_method.png"), full_page=True)
    login_url = page.inner_text("#login-url")
    client_page = _log_in_as_client_admin(
        browser, login_url, "Iris Novak", str(screenshot_dir / "login_dialog.png")
    )
    assert "Thank you" in client_page.content()
    client_page.context.close()
    # The link worked once: opening it again is refused.
    replay = browser.new_context().new_page()
    replay.goto(login_url)
    replay.click("button:has-text('Continue as Iris Novak')")
    assert "already been used or has expired" in replay.content()
    replay.context.close()
    page.click("input[type=submit][value='Continue']")
    page.wait_for_url(re.compile(r".*/assets/$"))
    # Staff pick from the client's own assets, read with the admin's login: no ids typed.
    delta_pages = [
        a for a in world.assets.values() if a.owner_id == delta["business_id"] and a.kind == "page"
    ]
    page.select_option("#id_ad_account_preset", "media_buyer")
    page.select_option("#id_page_preset", "analyst")
    for asset in delta_pages[:2]:
        page.check(f"input[name=page_assets][value='{asset.id}']")
    page.screenshot(path=str(screenshot_dir / "wizard_assets.png"), full_page=True)
    page.click("input[type=submit][value='Continue to review']")
    page.wait_for_url(re.compile(r".*/review/$"))
    # Pre-flight: what Meta will refuse, before submitting.
    preflight = page.inner_text("#preflight")
    assert "The agency's app has Limited (formerly Standard) access" in preflight
    assert "Staff must" in preflight
    page.screenshot(path=str(screenshot_dir / "wizard_review.png"), full_page=True)
    page.click("input[type=submit][value='Submit and start']")
    page.wait_for_selector("#onboarding-status:has-text('Done')")
    assert delta["admin_user_token"] not in page.content()
    assert (
        page.locator("#asset-steps tr[data-key^='asset:'] .pill.done").count() == 8
    )  # 6 ad accounts (all of them), the 2 pages ticked
    page.screenshot(path=str(screenshot_dir / "status_on_behalf_of.png"), full_page=True)
    obo = Onboarding.objects.get(client_meta_id=delta["business_id"])

    # --- The client grants access: no Business ID, no token, the client ticks -------------
    _step_one(page, live_server, name="Echo Lake Books")
    page.check("input[value=client_grant]")
    page.click("input[type=submit][value='Continue']")
    page.select_option("#id_ad_account_preset", "media_buyer")
    page.click("input[type=submit][value='Continue to review']")
    page.click("input[type=submit][value='Submit and start']")
    page.wait_for_selector("#onboarding-status:has-text('Waiting for the client')")
    login_url = page.inner_text("#login-url")
    query = parse_qs(urlparse(login_url).query)
    assert query["scope"] == ["ads_management,ads_read,business_management"]
    assert query["redirect_uri"][0].endswith("/admin/portal/oauth/callback/")
    page.screenshot(path=str(screenshot_dir / "status_client_grant_waiting.png"), full_page=True)
    client_page = _log_in_as_client_admin(browser, login_url, "Eve Lake")
    # Our page, in the client's browser: their own assets with the access asked.
    client_page.wait_for_selector("#share-form")
    assert "Echo Lake Books" in client_page.content()
    assert "Manage campaigns, View performance" in client_page.content()
    client_page.check("label:has-text('Echo Lake - US Prospecting') input")
    client_page.screenshot(path=str(screenshot_dir / "client_share_tick.png"), full_page=True)
    client_page.click("button:has-text('Share the ticked assets')")
    client_page.wait_for_selector("#share-result")
    result = client_page.inner_text("#share-result")
    assert "Echo Lake - US Prospecting" in result and "CA Prospecting" not in result
    client_page.screenshot(path=str(screenshot_dir / "client_share_done.png"), full_page=True)
    client_page.context.close()
    # The staff member's status page refreshes itself and finishes.
    page.wait_for_selector("#onboarding-status:has-text('Done')", timeout=30_000)
    page.screenshot(path=str(screenshot_dir / "status_client_grant_done.png"), full_page=True)
    grant = Onboarding.objects.get(client_meta_id=echo.id)
    assert grant.steps.filter(key__startswith="asset:").count() == 1

    # --- The new assets are found in search ------------------------------------------------
    page.goto(f"{live_server.url}/admin/portal/search/?q=Delta+Ridge+-+US")
    assert "Delta Ridge - US Prospecting" in page.inner_text("#asset-results")
    assert "SYSTEM USER" in page.inner_text("#asset-results")
    page.goto(f"{live_server.url}/admin/portal/search/?q=Echo+Lake")
    assert "Echo Lake - US Prospecting" in page.inner_text("#asset-results")

    # --- The morning check and the eligibility chart ----------------------------------------
    now = timezone.now()
    GraphCall.objects.bulk_create(
        GraphCall(
            at=now - timedelta(days=day, minutes=n),
            app=connected.app,
            method="GET",
            path="/x",
            status=400 if n % (9 + day) == 0 else 200,
            error_code=100 if n % (9 + day) == 0 else None,
        )
        for day in range(15)
        for n in range(40 + day * 6)
    )
    page.goto(f"{live_server.url}/admin/portal/")
    assert "Delta Ridge Fitness" in page.inner_text("#clients")
    page.screenshot(path=str(screenshot_dir / "home.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/portal/eligibility/")
    assert "rule before May 2026" in page.inner_text("#rule")
    page.screenshot(path=str(screenshot_dir / "eligibility.png"), full_page=True)
    page.context.close()

    # --- A colleague not assigned to these clients sees none of it ---------------------------
    other = _login(browser, live_server, "dave")
    assert "Delta Ridge" not in other.content()
    assert "Echo Lake" not in other.content()
    for onboarding in (obo, grant):
        response = other.goto(f"{live_server.url}/admin/portal/onboarding/{onboarding.pk}/")
        assert response.status == 404
        response = other.goto(
            f"{live_server.url}/admin/portal/clients/{onboarding.client_business_id}/readiness/"
        )
        assert response.status == 404
    other.goto(f"{live_server.url}/admin/portal/search/?q=Prospecting")
    assert "Delta Ridge" not in other.content() and "Echo Lake" not in other.content()
    with other.expect_download() as download:
        other.evaluate(
            "url => { window.location.href = url }",
            f"{live_server.url}/admin/portal/reports/access.csv",
        )
    body = Path(download.value.path()).read_text()
    assert "Delta Ridge" not in body and "Echo Lake" not in body
    other.context.close()


def test_the_review_step_says_what_meta_will_refuse_before_submitting(
    browser, live_server, connected, screenshot_dir, staff_groups
):
    """Pre-flight: Cedar & Pine requires two-factor authentication of everyone, and the
    agency's app has Limited access: both are said on the review step, with who must act."""
    StaffFactory(username="carol", group="Account manager", password=PASSWORD)
    cedar = connected.creds["clients"][2]
    page = _login(browser, live_server, "carol")
    _step_one(page, live_server, name="Cedar & Pine Dental", bm_id=cedar["business_id"])
    page.check("input[value=client_grant]")
    page.click("input[type=submit][value='Continue']")
    page.select_option("#id_page_preset", "analyst")
    page.select_option("#id_pixel_preset", "analyst")
    page.click("input[type=submit][value='Continue to review']")
    page.wait_for_url(re.compile(r".*/review/$"))
    issues = page.locator("#preflight .preflight-issue")
    assert issues.count() == 2
    client_issue = page.inner_text("#preflight .preflight-issue[data-who=client]")
    assert "requires two-factor authentication for this change" in client_issue
    assert "all_required" in client_issue and "The client must" in client_issue
    staff_issue = page.inner_text("#preflight .preflight-issue[data-who=staff]")
    assert "Limited (formerly Standard)" in staff_issue and "App Review" in staff_issue
    page.screenshot(path=str(screenshot_dir / "review_preflight.png"), full_page=True)
    page.context.close()
