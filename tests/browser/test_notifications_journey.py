"""A staff member chooses alerts on the Notifications page, gets a signed test alert at a
webhook, sees a delivery that failed and sends it again."""

from __future__ import annotations

import re

import pytest

from notifications.models import Delivery
from tests.factories import BusinessFactory, StaffFactory
from tests.notifications.conftest import http_receiver  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery staple"
SECRET = "whsec-journey-secret-42"


def test_staff_set_up_webhook_alerts_and_resend_a_failed_one(
    browser,
    live_server,
    screenshot_dir,
    staff_groups,
    http_receiver,  # noqa: F811 (fixture)
):
    acme = BusinessFactory(name="Acme Outdoor")
    BusinessFactory(name="Birch Bakery")
    StaffFactory(username="carol", group="Account manager", password=PASSWORD, businesses=[acme])

    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/portal/notifications/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/portal/notifications/$"))

    # Only her client is offered.
    assert page.locator("label", has_text="Acme Outdoor").count() == 2
    assert page.locator("label", has_text="Birch Bakery").count() == 0
    page.check("input[name=events][value=token_invalid]")
    page.check("input[name=events][value=sync_failed_twice]")
    page.check("input[name=events][value=drift]")
    page.uncheck("#id_email_enabled")
    page.check("#id_webhook_enabled")
    page.fill("#id_webhook_url", http_receiver.url)
    page.select_option("#id_webhook_format", "slack")
    page.fill("#id_webhook_secret", SECRET)
    page.locator("input[name=watched_clients]").first.check()
    page.screenshot(path=str(screenshot_dir / "notifications-1-settings.png"), full_page=True)
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector("text=Notification settings saved.")
    assert SECRET not in page.content() and http_receiver.url not in page.content()
    assert "ending …t-42" in page.content()

    # The receiver is down: the test alert fails, and the page says so.
    http_receiver.statuses = [500]
    page.click("input[type=submit][value='Send me a test alert']")
    page.wait_for_selector("#delivery-failures")
    assert "The webhook answered 500." in page.inner_text("#deliveries")
    page.screenshot(path=str(screenshot_dir / "notifications-2-failed.png"), full_page=True)

    # Back up: send it again.
    page.click("input[type=submit][value='Send again']")
    page.wait_for_selector("text=Sending again.")
    assert "Delivered" in page.inner_text("#deliveries")
    assert page.locator("#delivery-failures").count() == 0
    page.screenshot(path=str(screenshot_dir / "notifications-3-resent.png"), full_page=True)

    assert len(http_receiver.requests) == 2
    assert SECRET.encode() not in http_receiver.requests[-1]["body"]
    assert Delivery.objects.get().state == Delivery.State.SENT
    context.close()
