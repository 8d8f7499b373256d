from __future__ import annotations

import json
import pickle

import pytest

from graph.errors import (
    ERROR_CLASSES,
    BadRequestError,
    CapReachedError,
    GraphError,
    LastAdminError,
    NotFoundError,
    PermissionMissingError,
    PolicyBlockedError,
    ReduceDataError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    TwoFactorRequiredError,
    error_from_envelope,
    error_from_status,
)

TOKEN = "EAAJsecretToken0123456789abcdefghijk"


def envelope(code: int | None, subcode: int | None = None, **extra: object) -> dict:
    err: dict = {"message": "msg", "type": "OAuthException", "fbtrace_id": "Atrace1", **extra}
    if code is not None:
        err["code"] = code
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


@pytest.mark.parametrize(
    ("code", "subcode", "expected"),
    [
        (1, None, TransientError),
        (2, None, TransientError),
        (3912, None, TransientError),
        (3919, None, TransientError),
        (4, None, ThrottledError),
        (17, 2446079, ThrottledError),
        (32, None, ThrottledError),
        (341, None, ThrottledError),
        (613, 1487742, ThrottledError),
        (80000, None, ThrottledError),
        (80004, 2446079, ThrottledError),
        (80014, None, ThrottledError),
        (190, None, TokenInvalidError),
        (190, 463, TokenInvalidError),
        (102, None, TokenInvalidError),
        (999, 458, TokenInvalidError),
        (10, None, PermissionMissingError),
        (200, None, PermissionMissingError),
        (294, None, PermissionMissingError),
        (3910, None, PermissionMissingError),
        (3911, None, PermissionMissingError),
        (3913, None, PermissionMissingError),
        (415, None, TwoFactorRequiredError),
        (3914, None, LastAdminError),
        (3949, None, CapReachedError),
        (3965, None, CapReachedError),
        (368, None, PolicyBlockedError),
        (100, None, BadRequestError),
        (100, 1752129, BadRequestError),
        (100, 33, NotFoundError),
        (803, None, NotFoundError),
        (1, 99, TransientError),
        (2500, None, BadRequestError),
        (104001, None, BadRequestError),
    ],
)
def test_each_meta_code_maps_to_the_class_that_says_what_to_do_next(code, subcode, expected):
    err = error_from_envelope(envelope(code, subcode), http_status=400)

    assert type(err) is expected
    assert err.code == code
    assert err.subcode == subcode
    assert err.fbtrace_id == "Atrace1"
    assert err.http_status == 400


def test_the_error_table_is_one_mapping_of_codes_to_classes():
    assert ERROR_CLASSES[415] is TwoFactorRequiredError
    assert (1, 99) not in ERROR_CLASSES  # code 1 covers it: "An unknown error occurred"
    assert all(ERROR_CLASSES[c] is ThrottledError for c in range(80000, 80015))
    assert all(ERROR_CLASSES[c] is PermissionMissingError for c in range(200, 300))


def test_reduce_the_amount_of_data_is_recognised_by_its_message_too():
    body = envelope(1, message="Please reduce the amount of data you're asking for, then retry")
    assert isinstance(error_from_envelope(body, http_status=500), ReduceDataError)


def test_an_unknown_code_marked_transient_is_retried_like_a_transient_error():
    err = error_from_envelope(envelope(12345, is_transient=True), http_status=400)
    assert isinstance(err, TransientError)
    assert err.is_transient


def test_an_unknown_code_on_a_server_error_is_transient_and_on_a_client_error_is_a_bad_request():
    assert isinstance(error_from_envelope(envelope(12345), http_status=500), TransientError)
    assert isinstance(error_from_envelope(envelope(12345), http_status=400), BadRequestError)
    assert isinstance(error_from_status(502), TransientError)
    assert isinstance(error_from_status(429), ThrottledError)
    assert isinstance(error_from_status(404), BadRequestError)


def test_throttled_error_waits_as_long_as_meta_estimates():
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(
            {"1001": [{"type": "ads_management", "call_count": 100,
                       "estimated_time_to_regain_access": 7}]}
        )
    }  # fmt: skip
    err = error_from_envelope(envelope(80004), http_status=400, headers=headers)
    assert isinstance(err, ThrottledError)
    assert err.retry_after == 7 * 60


def test_throttled_error_without_an_estimate_uses_the_default_wait():
    err = error_from_envelope(envelope(4), http_status=400, default_retry_after=42)
    assert err.retry_after == 42
    assert error_from_envelope(envelope(4), http_status=400).retry_after == 60


def test_cap_reached_error_says_which_cap():
    assert error_from_envelope(envelope(3949), http_status=400).role == "EMPLOYEE"
    assert error_from_envelope(envelope(3965), http_status=400).role == "ADMIN"


def test_token_error_says_what_the_owner_must_do():
    err = error_from_envelope(envelope(190, 460), http_status=400)
    assert "password" in err.needs
    assert "password" in err.describe()


def test_describe_gives_a_person_what_happened_and_what_to_do():
    two_fa = error_from_envelope(envelope(415), http_status=400)
    assert "two-factor authentication in Meta" in two_fa.describe()
    last_admin = error_from_envelope(envelope(3914), http_status=400)
    assert "another person an admin" in last_admin.describe()
    assert "Wait about 2 minute" in ThrottledError("slow", retry_after=120).describe()
    bad = error_from_envelope(envelope(100, error_user_msg="Pick other tasks."), http_status=400)
    assert "Pick other tasks" in bad.describe()


def test_error_text_never_contains_a_token_that_meta_echoed():
    body = envelope(190, message=f"Malformed access token {TOKEN}", error_user_msg=f"token {TOKEN}")
    err = error_from_envelope(body, http_status=400)
    for text in (str(err), repr(err), err.describe(), err.message, err.user_msg):
        assert TOKEN not in text


def test_errors_survive_pickling_for_task_queues():
    err = error_from_envelope(envelope(3965), http_status=400)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is CapReachedError
    assert (copy.code, copy.role, str(copy)) == (3965, "ADMIN", str(err))


def test_every_error_is_a_graph_error():
    for cls in set(ERROR_CLASSES.values()):
        assert issubclass(cls, GraphError)
