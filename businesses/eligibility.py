"""Advanced-access (Full tier) eligibility of a developer app, from the Graph call ledger.

Two rules, one setting (DOMAIN.md decision 5, settings.META_ELIGIBILITY_RULE):

- ``seed``: at least 1,500 successful Marketing API calls and an error rate below 10 % in the
  last 15 days (seed 000, the default);
- ``meta_2026``: at least 500 successful calls in the last 15 days and an error rate below 15 %
  over the last 500 calls (Meta since 2026-05-04).

Everything is counted by the database (TruncDate + conditional Count), never by looping over
ledger rows in Python: an app makes tens of thousands of calls in 15 days."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from businesses.models import DeveloperApp, GraphCall

WINDOW_DAYS = 15
# Horizon of the "when will it qualify / lapse" projection.
PROJECTION_DAYS = 60


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    min_successful_calls: int
    max_error_rate: float  # a fraction: 0.10 = 10 %
    error_window_calls: int | None  # None: the error rate is over the 15 days
    source: str

    @property
    def daily_pace_needed(self) -> float:
        return self.min_successful_calls / WINDOW_DAYS

    def describe(self) -> str:
        over = (
            f"over the last {self.error_window_calls} calls"
            if self.error_window_calls
            else f"in the last {WINDOW_DAYS} days"
        )
        return (
            f"at least {self.min_successful_calls:,} successful calls in the last {WINDOW_DAYS} "
            f"days and an error rate below {self.max_error_rate:.0%} {over}"
        )


RULES: dict[str, Rule] = {
    "seed": Rule(
        key="seed",
        name="Meta's rule before May 2026 (Ads Management Standard Access)",
        min_successful_calls=1500,
        max_error_rate=0.10,
        error_window_calls=None,
        source="Meta's Marketing API Authorization page (access levels)",
    ),
    "meta_2026": Rule(
        key="meta_2026",
        name="Meta's 2026 rule (Marketing API Access Tier, since 2026-05-04)",
        min_successful_calls=500,
        max_error_rate=0.15,
        error_window_calls=500,
        source="Meta's Marketing API changelog, 2026-05-04",
    ),
}


def current_rule() -> Rule:
    return RULES[settings.META_ELIGIBILITY_RULE]


@dataclass(frozen=True)
class Day:
    day: date
    calls: int
    successful: int

    @property
    def errors(self) -> int:
        return self.calls - self.successful

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class Eligibility:
    app: DeveloperApp
    rule: Rule
    days: list[Day]  # oldest first, every day of the window, zeros included
    calls: int
    successful: int
    error_rate: float  # measured the rule's way
    pace_per_day: float  # successful calls per day over the last 7 days
    qualifies: bool
    qualifies_on: date | None  # projection when not qualifying now
    lapses_on: date | None  # projection when qualifying now

    @property
    def calls_ok(self) -> bool:
        return self.successful >= self.rule.min_successful_calls

    @property
    def errors_ok(self) -> bool:
        return self.error_rate < self.rule.max_error_rate

    @property
    def calls_missing(self) -> int:
        return max(0, self.rule.min_successful_calls - self.successful)

    def __str__(self) -> str:
        return f"{self.rule.key}: {self.successful} successful of {self.calls} calls, " + (
            f"{self.error_rate:.1%} errors — {'qualifies' if self.qualifies else 'does not qualify'}"
        )

    def summary(self) -> str:
        if self.qualifies:
            if self.lapses_on:
                return (
                    f"Qualifies now; at the current pace ({self.pace_per_day:,.0f} successful "
                    f"calls a day) it would fall below the threshold on {self.lapses_on:%d %b %Y}."
                )
            return "Qualifies now, and keeps qualifying at the current pace."
        reasons = []
        if not self.calls_ok:
            reasons.append(f"{self.calls_missing:,} more successful calls are needed")
        if not self.errors_ok:
            reasons.append(
                f"the error rate ({self.error_rate:.1%}) must fall below "
                f"{self.rule.max_error_rate:.0%}"
            )
        text = "Does not qualify yet: " + " and ".join(reasons) + "."
        if self.qualifies_on and self.errors_ok:
            text += (
                f" At the current pace ({self.pace_per_day:,.0f} successful calls a day) it "
                f"would qualify on {self.qualifies_on:%d %b %Y}."
            )
        elif not self.calls_ok:
            text += f" At the current pace it would not qualify within {PROJECTION_DAYS} days."
        return text


def daily_counts(app: DeveloperApp, *, since: datetime) -> dict[date, tuple[int, int]]:
    """{day: (calls, successful)} for one app since ``since``, grouped by the database."""
    succeeded = Q(error_code__isnull=True, status__isnull=False, status__lt=400)
    rows = (
        GraphCall.objects.filter(app=app, at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(calls=Count("id"), successful=Count("id", filter=succeeded))
        .order_by("day")
    )
    return {row["day"]: (row["calls"], row["successful"]) for row in rows}


def last_calls_error_rate(app: DeveloperApp, n: int) -> tuple[int, float]:
    """(calls counted, error rate) over the app's last ``n`` calls."""
    last = GraphCall.objects.filter(app=app).order_by("-at").values("pk")[:n]
    totals = GraphCall.objects.filter(pk__in=last).aggregate(
        calls=Count("id"),
        failed=Count(
            "id", filter=~Q(error_code__isnull=True, status__isnull=False, status__lt=400)
        ),
    )
    calls = totals["calls"] or 0
    return calls, (totals["failed"] / calls if calls else 0.0)


def _project(
    successful_by_day: list[int], pace: float, threshold: int, today: date, want_above: bool
) -> date | None:
    """First future day when the rolling 15-day sum crosses the threshold, assuming every new
    day brings ``pace`` successful calls and the oldest day drops out of the window."""
    window = list(successful_by_day[-WINDOW_DAYS:])
    for k in range(1, PROJECTION_DAYS + 1):
        window = [*window[1:], pace]
        total = sum(window)
        if want_above and total >= threshold:
            return today + timedelta(days=k)
        if not want_above and total < threshold:
            return today + timedelta(days=k)
    return None


def app_eligibility(app: DeveloperApp, *, rule: Rule | None = None) -> Eligibility:
    """Measure one app against the rule in force and project when it qualifies or lapses."""
    rule = rule or current_rule()
    now = timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    since = now - timedelta(days=WINDOW_DAYS)
    counts = daily_counts(app, since=since)
    days = []
    for offset in range(WINDOW_DAYS):
        day = first_day + timedelta(days=offset)
        calls, successful = counts.get(day, (0, 0))
        days.append(Day(day=day, calls=calls, successful=successful))
    calls = sum(d.calls for d in days)
    successful = sum(d.successful for d in days)
    if rule.error_window_calls:
        _counted, error_rate = last_calls_error_rate(app, rule.error_window_calls)
    else:
        error_rate = (calls - successful) / calls if calls else 0.0
    pace = sum(d.successful for d in days[-7:]) / 7
    qualifies = successful >= rule.min_successful_calls and error_rate < rule.max_error_rate
    series = [d.successful for d in days]
    qualifies_on = lapses_on = None
    if qualifies:
        lapses_on = _project(series, pace, rule.min_successful_calls, today, want_above=False)
    elif successful < rule.min_successful_calls and math.isfinite(pace):
        qualifies_on = _project(series, pace, rule.min_successful_calls, today, want_above=True)
    return Eligibility(
        app=app,
        rule=rule,
        days=days,
        calls=calls,
        successful=successful,
        error_rate=error_rate,
        pace_per_day=pace,
        qualifies=qualifies,
        qualifies_on=qualifies_on,
        lapses_on=lapses_on,
    )


# --- the chart: plain SVG geometry computed here, drawn by the template -----------------------


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    y_total: float
    h_total: float
    y_ok: float
    h_ok: float
    label: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    plot_right: int
    bars: list[Bar]
    max_calls: int
    pace_line_y: float
    pace_label: str
    error_points: str  # SVG polyline points
    error_limit_y: float
    error_limit_label: str
    y_ticks: list[tuple[float, str]]
    err_ticks: list[tuple[float, str]]


def _nice_ceiling(value: float) -> int:
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return math.ceil(step * magnitude)
    return math.ceil(value)


def chart(result: Eligibility, *, width: int = 760, height: int = 300) -> Chart:
    """Daily calls (bars, successful part darker) against the daily pace the rule needs, and
    the daily error rate (line, right axis) against the rule's limit."""
    left, right, top, bottom = 56, width - 56, 20, height - 40
    plot_h = bottom - top
    rule = result.rule
    max_calls = _nice_ceiling(max([d.calls for d in result.days] + [rule.daily_pace_needed * 1.2]))
    max_err = max(0.25, _nice_ceiling(max(d.error_rate for d in result.days) * 100) / 100)
    slot = (right - left) / len(result.days)

    def y_calls(v: float) -> float:
        return round(bottom - plot_h * v / max_calls, 1)

    def y_err(v: float) -> float:
        return round(bottom - plot_h * min(v, max_err) / max_err, 1)

    bars, points = [], []
    for i, d in enumerate(result.days):
        x = round(left + i * slot + slot * 0.15, 1)
        bars.append(
            Bar(
                x=x,
                width=round(slot * 0.7, 1),
                y_total=y_calls(d.calls),
                h_total=round(bottom - y_calls(d.calls), 1),
                y_ok=y_calls(d.successful),
                h_ok=round(bottom - y_calls(d.successful), 1),
                label=d.day.strftime("%d %b"),
                title=f"{d.day:%d %b}: {d.calls:,} calls, {d.successful:,} successful, "
                f"{d.error_rate:.1%} errors",
            )
        )
        points.append(f"{round(left + i * slot + slot / 2, 1)},{y_err(d.error_rate)}")
    return Chart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        plot_left=left,
        plot_right=right,
        bars=bars,
        max_calls=max_calls,
        pace_line_y=y_calls(rule.daily_pace_needed),
        pace_label=f"{rule.daily_pace_needed:,.0f} successful calls/day needed",
        error_points=" ".join(points),
        error_limit_y=y_err(rule.max_error_rate),
        error_limit_label=f"error limit {rule.max_error_rate:.0%}",
        y_ticks=[
            (y_calls(max_calls * f), f"{int(max_calls * f):,}") for f in (0, 0.25, 0.5, 0.75, 1)
        ],
        err_ticks=[(y_err(max_err * f), f"{max_err * f:.0%}") for f in (0, 0.5, 1)],
    )
