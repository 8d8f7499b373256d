"""The home table on a phone (390 px wide, an iPhone 12-15): every client readable without
scrolling sideways. The screenshot lands in artifacts/screenshots/home_390px.png."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import stocked  # noqa: F401 (fixture)

# Serialized like the other journeys: a plain transactional test's flush re-creates the content
# types, and the next serialized test's restore then collides with them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery staple"


def test_the_home_table_fits_a_390px_screen_one_card_per_client(
    browser,
    live_server,
    staff_groups,
    stocked,  # noqa: F811 (pytest fixture injection)
    screenshot_dir,
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/portal/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/portal/$"))
    page.screenshot(path=str(screenshot_dir / "home_390px.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide: it scrolls sideways"
    rows = page.locator("#clients tbody tr")
    assert rows.count() == 1
    box = rows.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Each cell says what it is, since the header row is hidden on a phone.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('#clients td:nth-child(3)'), '::before').content"
    )
    assert label == '"Token"'
    context.close()


def test_the_home_table_keeps_its_columns_on_a_laptop(
    browser,
    live_server,
    staff_groups,
    stocked,  # noqa: F811 (pytest fixture injection)
):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/portal/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/portal/$"))
    assert page.locator("#clients thead").is_visible()
    context.close()
