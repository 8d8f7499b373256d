"""Issue 9, items 1, 2, 10 and 12 in a real browser (Debian's Chromium through Playwright):
give access that never silently removes a task, a system-user cap refusal that is a form
error, the home page people live in, and offboarding by name that ends on its results."""

from __future__ import annotations

import re

import pytest

from assets.models import Asset
from assets.selectors import task_labels
from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.models import BusinessUser, PartnerRelationship
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from sync.run import business_sync
from systemusers.models import SystemUser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery staple"
SIX = ["MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE"]


@pytest.fixture
def acme(connected):
    """The demo agency connected, and its first client connected with its admin's token."""
    client = connected.creds["clients"][0]
    business = business_connect(
        business_meta_id=client["business_id"],
        app=connected.app,
        token=client["admin_user_token"],
        actor=Actor.system("test"),
    )
    business_sync(business_id=business.pk, actor=Actor.system("test"))
    return business


@pytest.fixture
def boss(django_user_model, staff_groups):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def _login(browser, live_server, username, *, width=1360):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # Item 10: logging in (no next) lands on the portal home.
    page.wait_for_url(re.compile(r".*/admin/portal/$"))
    return page


def test_give_access_adds_by_default_and_replace_lists_what_is_lost(
    browser, live_server, connected, acme, boss, screenshot_dir
):
    world = connected.sandbox.world
    priya = BusinessUser.objects.get(business=acme, email="priya.shah@acme.example")
    careers = Asset.objects.filter(owner_business=acme, kind="page").order_by("name").first()
    world.assign(careers.meta_id, priya.meta_id, SIX)
    # A full re-read: an incremental sync sees a change made in Meta within the window only.
    business_sync(business_id=acme.pk, actor=Actor.system("test"), full=True)

    # Staff read tasks as Business Settings names them.
    manage, moderate = task_labels("page", ["MANAGE", "MODERATE"])

    page = _login(browser, live_server, "boss")
    page.goto(f"{live_server.url}/admin/portal/clients/{acme.pk}/access/")
    page.select_option("#id_holder", f"p{priya.pk}")
    held = page.locator(f".held[data-asset='{careers.pk}']")
    assert "holds now:" in held.inner_text() and manage in held.inner_text()
    # Item 12: grouped by kind, a filter and select-all.
    page.fill("#asset-filter", "zzz-no-such-asset")
    assert page.locator(".asset-row:visible").count() == 0
    page.fill("#asset-filter", "")
    page.check(".select-all[data-kind='ad_account']")
    ad_accounts = page.locator(".asset-group[data-kind='ad_account'] input[name=assets]")
    assert ad_accounts.count() > 0
    assert all(ad_accounts.nth(i).is_checked() for i in range(ad_accounts.count()))
    page.check(f"#asset-{careers.pk}")
    page.select_option("#id_preset", "media_buyer")
    page.screenshot(path=str(screenshot_dir / "give_access_form.png"), full_page=True)
    page.click("input[type=submit][value='Review the change']")
    page.wait_for_selector("#review")
    assert page.locator("#loss-warning").count() == 0
    page.screenshot(path=str(screenshot_dir / "give_access_review_add.png"), full_page=True)
    page.click("#confirm")
    page.wait_for_selector("#given")
    page.wait_for_selector("#given:not(:has(.pill.pending))")
    row = page.locator(f"#given tr[data-asset='{careers.pk}']").inner_text()
    assert row.count(manage) >= 2  # before and after
    assert "removed" not in row
    assert set(SIX) <= set(world.assets[careers.meta_id].assigned[priya.meta_id])
    page.screenshot(path=str(screenshot_dir / "give_access_result_add.png"), full_page=True)

    # Replace is explicit, and the review names every task that would go, per asset.
    page.goto(f"{live_server.url}/admin/portal/clients/{acme.pk}/access/")
    page.select_option("#id_holder", f"p{priya.pk}")
    page.check(f"#asset-{careers.pk}")
    page.select_option("#id_preset", "media_buyer")
    page.check("input[name=mode][value=replace]")
    page.click("input[type=submit][value='Review the change']")
    warning = page.locator("#loss-warning").inner_text()
    assert careers.name in warning and manage in warning and moderate in warning
    page.screenshot(path=str(screenshot_dir / "give_access_review_replace.png"), full_page=True)
    page.click("#confirm")
    page.wait_for_selector("#given:not(:has(.pill.pending))")
    assert "removed" in page.locator(f"#given tr[data-asset='{careers.pk}']").inner_text()
    assert "MANAGE" not in world.assets[careers.meta_id].assigned[priya.meta_id]
    page.screenshot(path=str(screenshot_dir / "give_access_result_replace.png"), full_page=True)


def test_the_holder_picker_offers_the_agencys_people(
    browser, live_server, connected, acme, boss, screenshot_dir
):
    business_sync(business_id=connected.agency.pk, actor=Actor.system("test"))
    PartnerRelationship.objects.update_or_create(
        agency=connected.agency, client=acme, defaults={"status": "active"}
    )
    page = _login(browser, live_server, "boss")
    page.goto(f"{live_server.url}/admin/portal/clients/{acme.pk}/access/")
    groups = page.locator("#id_holder optgroup").evaluate_all("els => els.map(e => e.label)")
    assert any(g.startswith("People of Acme") for g in groups)
    assert "People of Northwind Media (agency)" in groups, groups
    assert "System users of Northwind Media (agency)" in groups, groups
    page.screenshot(path=str(screenshot_dir / "give_access_holders.png"), full_page=True)

    # An agency person on a client ad account shared with the agency: pushed with the
    # agency's token in the agency's context, read back, applied.
    shared = (
        Asset.objects.filter(
            owner_business=acme,
            kind="ad_account",
            accesses__business=connected.agency,
            accesses__access_status="CONFIRMED",
        )
        .order_by("name")
        .first()
    )
    assert shared is not None, "the demo shares Acme's ad accounts with the agency"
    buyer = BusinessUser.objects.filter(
        business=connected.agency, status="active", meta_id__isnull=False
    ).first()
    page.select_option("#id_holder", f"p{buyer.pk}")
    page.check(f"#asset-{shared.pk}")
    page.select_option("#id_preset", "media_buyer")
    page.click("input[type=submit][value='Review the change']")
    page.wait_for_selector("#review")
    page.click("#confirm")
    page.wait_for_selector("#given:not(:has(.pill.pending))")
    assert "Applied" in page.locator(f"#given tr[data-asset='{shared.pk}']").inner_text()
    in_meta = connected.sandbox.world.assets[shared.meta_id].assigned[buyer.meta_id]
    assert {"ADVERTISE", "ANALYZE"} <= set(in_meta)
    page.screenshot(path=str(screenshot_dir / "give_access_agency_person.png"), full_page=True)


def test_a_cap_refusal_after_switching_to_advanced_is_a_form_error(
    browser, live_server, connected, boss, screenshot_dir
):
    page = _login(browser, live_server, "boss")
    page.goto(f"{live_server.url}/admin/businesses/developerapp/")
    page.check(f"input[name=_selected_action][value='{connected.app.pk}']")
    page.select_option("select[name=action]", "set_level_advanced")
    page.click("button[name=index]")
    assert "System users allowed per business: 1 → 10" in page.content()
    assert "Meta decides the app" in page.content()
    page.screenshot(path=str(screenshot_dir / "app_level_confirm.png"), full_page=True)
    page.click("input[type=submit][value^='Yes, set']")
    page.wait_for_selector(".messagelist")

    before = SystemUser.objects.count()
    for _attempt in range(2):
        page.goto(f"{live_server.url}/admin/systemusers/systemuser/add/")
        page.evaluate(
            "([id, name]) => { const s = document.querySelector('#id_business');"
            " s.add(new Option(name, id, true, true)); }",
            [str(connected.agency.pk), connected.agency.name],
        )
        page.fill("#id_name", "Media bot")
        page.select_option("#id_role", "EMPLOYEE")
        page.click("input[name=_save]")
        page.wait_for_load_state()
        note = page.locator(".errornote, .errorlist.nonfield").all_inner_texts()
        text = " ".join(note)
        assert "Meta refused to create another system user" in text, text
        assert "Northwind Media Reporting" in text and "10 slots are taken" not in text
    assert SystemUser.objects.count() == before
    assert "Server Error" not in page.content()
    page.screenshot(path=str(screenshot_dir / "system_user_cap_refused.png"), full_page=True)


def test_the_home_page_syncs_refreshes_and_shows_drift_in_words(
    browser, live_server, connected, acme, boss, screenshot_dir, settings
):
    # A window of one sync interval: each sync re-reads every asset's users, so the change
    # made in Business Settings shows after this one "Sync now" (issue 12: within the window).
    settings.SYNC_EDGE_WINDOW_HOURS = 1
    world = connected.sandbox.world
    tom = BusinessUser.objects.get(business=acme, email="tom.becker@acme.example")
    account = Asset.objects.filter(owner_business=acme, kind="ad_account").order_by("name")[0]
    world.assign(account.meta_id, tom.meta_id, ["ANALYZE"])  # given in Business Settings
    Onboarding.objects.create(
        agency=connected.agency,
        client_business=acme,
        client_meta_id=acme.meta_id,
        name="Acme second try",
        method=Onboarding.Method.ON_BEHALF_OF,
        status=Onboarding.Status.FAILED,
    )
    ended = connected.sandbox.credentials["clients"][1]
    from tests.factories import BusinessFactory

    gone = BusinessFactory(
        name="Blue Harbor Foods", meta_id=ended["business_id"], app=connected.app
    )
    PartnerRelationship.objects.create(agency=connected.agency, client=gone, status="removed")

    page = _login(browser, live_server, "boss")
    assert page.locator("#failed-onboardings").inner_text().count("Acme second try") == 1
    assert "Blue Harbor Foods" in page.locator("#ended-partnerships").inner_text()
    row = page.locator(f"#client-{acme.pk}")
    row.locator("button.sync-now").click()
    page.wait_for_url(re.compile(r".*/admin/portal/.*"))
    badge = page.locator(f"#client-{acme.pk} a.drift-link")
    assert "outside the portal" in badge.inner_text()
    page.screenshot(path=str(screenshot_dir / "home_after_sync_now.png"), full_page=True)
    badge.click()
    table = page.locator("#drift").inner_text()
    assert account.name in table and "ANALYZE" in table and "Tom Becker" in table
    assert account.meta_id not in table
    page.screenshot(path=str(screenshot_dir / "drift_list.png"), full_page=True)
    assert DriftEvent.objects.filter(business=acme).exists()

    # Progress refreshes itself: a running sync moves without a reload, then the page reloads.
    run = SyncRun.objects.create(
        business=acme, status=SyncRun.Status.RUNNING, progress_done=1, progress_total=4
    )
    page.goto(f"{live_server.url}/admin/portal/")
    page.wait_for_selector(f"#client-{acme.pk} .sync-state:has-text('25%')")
    SyncRun.objects.filter(pk=run.pk).update(progress_done=3)
    page.wait_for_selector(f"#client-{acme.pk} .sync-state:has-text('75%')")
    page.screenshot(path=str(screenshot_dir / "home_progress.png"), full_page=True)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED, progress_done=4)
    page.wait_for_selector(f"#client-{acme.pk} .sync-state:has-text('succeeded')")


def test_offboarding_by_name_ends_on_what_was_removed(
    browser, live_server, connected, acme, boss, screenshot_dir
):
    page = _login(browser, live_server, "boss")
    page.goto(f"{live_server.url}/admin/portal/offboarding/")
    page.fill("#id_who", "Tom")
    page.click("input[type=submit][value='Find']")
    page.locator("#offboard-matches tr", has_text="tom.becker@acme.example").locator(
        "a.button"
    ).click()
    page.wait_for_selector("#offboard-preview")
    page.screenshot(path=str(screenshot_dir / "offboarding_preview.png"), full_page=True)
    page.click("#confirm-offboard")
    page.wait_for_url(re.compile(r".*/offboarding/done/$"))
    page.wait_for_selector("#offboard-removed")
    assert acme.name in page.locator("#offboard-removed").inner_text()
    page.screenshot(path=str(screenshot_dir / "offboarding_done.png"), full_page=True)
    assert BusinessUser.objects.get(email="tom.becker@acme.example").status == "removed"
