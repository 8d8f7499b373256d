from __future__ import annotations

import json

from graph.usage import parse_usage


def test_usage_reads_all_three_headers_as_percentages():
    usage = parse_usage(
        {
            "X-App-Usage": json.dumps({"call_count": 28, "total_time": 25, "total_cputime": 12}),
            "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 9.67, "reset_time_duration": 100}),
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    "1001": [
                        {"type": "ads_management", "call_count": 95, "total_cputime": 20,
                         "total_time": 20, "estimated_time_to_regain_access": 0},
                        {"type": "pages", "call_count": 10, "total_time": 99},
                    ],
                    "act_7": [{"type": "ads_insights", "call_count": 3}],
                }
            ),
        }
    )  # fmt: skip
    assert usage.seen
    assert usage.app_pct == 28
    assert usage.ad_account_pct == 9.67
    assert usage.business_pct == {"1001": 99, "act_7": 3}
    assert usage.max_pct == 99
    assert usage.regain_seconds == 0


def test_usage_turns_minutes_to_regain_access_into_seconds():
    header = {"1": [{"call_count": 100, "estimated_time_to_regain_access": 3}]}
    usage = parse_usage({"x-business-use-case-usage": json.dumps(header)})
    assert usage.regain_seconds == 180


def test_usage_tolerates_garbage_headers():
    usage = parse_usage(
        {
            "X-App-Usage": "{not json",
            "X-Ad-Account-Usage": json.dumps(["a", "list"]),
            "X-Business-Use-Case-Usage": json.dumps(
                {"1": "text", "2": [None, 5, {"call_count": "NaN"}, {"call_count": -4}],
                 "3": {"call_count": "57"}}
            ),
        }
    )  # fmt: skip
    assert usage.app_pct == 0
    assert usage.business_pct == {"1": 0, "2": 0, "3": 57}
    assert usage.max_pct == 57


def test_no_usage_headers_means_nothing_seen():
    usage = parse_usage({"Content-Type": "application/json"})
    assert not usage.seen
    assert usage.max_pct == 0
