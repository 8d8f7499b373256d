"""Advanced-access eligibility: counted by the database, judged by the rule in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from businesses.eligibility import RULES, app_eligibility, chart
from businesses.models import GraphCall
from tests.factories import DeveloperAppFactory


@pytest.fixture(autouse=True, params=["now", "00:00:30", "23:59:30"])
def clock(request):
    """Every test at the time it runs, and at both edges of a UTC day: the window counts
    calendar days, so data placed by "now minus n days" would slip out of it near midnight."""
    if request.param == "now":
        yield
        return
    hour, minute, second = (int(part) for part in request.param.split(":"))
    at = datetime(2026, 3, 10, hour, minute, second, tzinfo=UTC)
    with time_machine.travel(at, tick=True):
        yield


def _at(days_ago: int) -> datetime:
    """A moment inside the calendar day ``days_ago`` days back (its noon), never in the future."""
    now = timezone.now()
    day = timezone.localdate(now) - timedelta(days=days_ago)
    noon = datetime.combine(day, dt_time(12), tzinfo=timezone.get_current_timezone())
    return min(now, noon)


def _calls(app, *, days_ago: int, ok: int, failed: int = 0) -> None:
    at = _at(days_ago)
    rows = [GraphCall(at=at, app=app, method="GET", path="/x", status=200) for _ in range(ok)]
    rows += [
        GraphCall(at=at, app=app, method="GET", path="/x", status=400, error_code=100)
        for _ in range(failed)
    ]
    GraphCall.objects.bulk_create(rows)


@pytest.fixture
def app(db):
    return DeveloperAppFactory()


def test_the_seed_rule_needs_1500_successful_calls_and_under_10_percent_errors(app):
    for day in range(15):
        _calls(app, days_ago=day, ok=100, failed=5)
    result = app_eligibility(app, rule=RULES["seed"])
    assert (result.calls, result.successful) == (1575, 1500)
    assert result.error_rate == pytest.approx(75 / 1575)
    assert result.qualifies


def test_the_seed_rule_refuses_a_high_error_rate(app):
    for day in range(15):
        _calls(app, days_ago=day, ok=110, failed=15)
    result = app_eligibility(app, rule=RULES["seed"])
    assert result.calls_ok and not result.errors_ok
    assert not result.qualifies
    assert "error rate" in result.summary()


def test_calls_older_than_15_days_do_not_count(app):
    _calls(app, days_ago=20, ok=5000)
    _calls(app, days_ago=1, ok=10)
    result = app_eligibility(app, rule=RULES["seed"])
    assert result.successful == 10
    assert len(result.days) == 15


def test_the_2026_rule_measures_errors_over_the_last_500_calls(app):
    _calls(app, days_ago=10, ok=400, failed=300)  # old errors, beyond the last 500 calls
    _calls(app, days_ago=0, ok=500)
    result = app_eligibility(app, rule=RULES["meta_2026"])
    assert result.error_rate == 0
    assert result.qualifies
    seed = app_eligibility(app, rule=RULES["seed"])
    assert not seed.qualifies  # 900 successful < 1,500


def test_the_projection_says_when_it_will_qualify_at_this_pace(app):
    for day in range(7):
        _calls(app, days_ago=day, ok=50)
    result = app_eligibility(app, rule=RULES["meta_2026"])
    assert not result.qualifies
    # 350 now at 50 a day: 500 in 3 more days.
    assert result.qualifies_on == timezone.localdate() + timedelta(days=3)


def test_the_projection_says_when_qualifying_lapses(app):
    _calls(app, days_ago=14, ok=1500)
    _calls(app, days_ago=1, ok=7)
    result = app_eligibility(app, rule=RULES["seed"])
    assert result.qualifies
    assert result.lapses_on == timezone.localdate() + timedelta(days=1)


def test_the_setting_picks_the_rule_and_the_page_names_it(client, app, settings, admin_user):
    settings.META_ELIGIBILITY_RULE = "meta_2026"
    client.force_login(admin_user)
    page = client.get(reverse("portal:eligibility_app", args=[app.pk])).content.decode()
    assert "Meta&#x27;s 2026 rule" in page or "Meta's 2026 rule" in page
    assert "<svg" in page and "eligibility-chart" in page
    settings.META_ELIGIBILITY_RULE = "seed"
    page = client.get(reverse("portal:eligibility_app", args=[app.pk])).content.decode()
    assert "Meta&#x27;s rule before May 2026" in page


def test_the_chart_draws_one_bar_per_day_and_the_rules_lines(app):
    _calls(app, days_ago=2, ok=300, failed=30)
    c = chart(app_eligibility(app, rule=RULES["seed"]))
    assert len(c.bars) == 15
    assert c.plot_top <= c.pace_line_y <= c.plot_bottom
    assert c.pace_label == "100 successful calls/day needed"
    assert len(c.error_points.split()) == 15


def test_eligibility_costs_two_queries_whatever_the_number_of_calls(app, django_assert_num_queries):
    for day in range(15):
        _calls(app, days_ago=day, ok=40, failed=2)
    with django_assert_num_queries(1):
        app_eligibility(app, rule=RULES["seed"])
    with django_assert_num_queries(2):
        app_eligibility(app, rule=RULES["meta_2026"])
