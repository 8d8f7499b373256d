from __future__ import annotations

import logging
import traceback

import pytest

from graph.redaction import RedactSecretsFilter, redact, scrub_exception_chain

TOKEN = "EAAJsecretToken0123456789abcdefghijk"
PROOF = "5f1c0aa0e4b0d7e2a9f3c3e6a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e"
APP_TOKEN = "1234567890123|0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "text",
    [
        f"GET /v25.0/me?fields=id&access_token={TOKEN}&appsecret_proof={PROOF}",
        f"access_token={TOKEN}",
        f"url: /v25.0/debug_token?input_token={TOKEN}&access_token={APP_TOKEN}",
        f"client_secret={PROOF}&fb_exchange_token={TOKEN}",
        "code=AQBsecretcode&redirect_uri=x",
        f"body=user%3D1%26access_token%3D{TOKEN}",
        f'{{"access_token": "{TOKEN}", "token_type": "bearer"}}',
        f"token is {TOKEN} here",
        f"app token {APP_TOKEN} and encoded 1234567890123%7C0123456789abcdef0123456789abcdef",
        f"Authorization: OAuth {TOKEN}",
    ],
)
def test_redact_removes_every_kind_of_secret(text):
    out = redact(text)
    assert TOKEN not in out
    assert PROOF not in out
    assert "0123456789abcdef0123456789abcdef" not in out
    assert "AQBsecretcode" not in out


def test_redact_keeps_harmless_text():
    text = 'error_code=190 "code": 190 fields=id,name limit=100 business=1001'
    assert redact(text) == text


def test_the_filter_keeps_secrets_out_of_a_real_log_handler(caplog):
    logger = logging.getLogger("test.graph.redaction")
    caplog.handler.addFilter(RedactSecretsFilter())
    with caplog.at_level(logging.DEBUG, logger="test.graph.redaction"):
        logger.info("calling %s", f"https://graph.example/v25.0/me?access_token={TOKEN}")
        logger.warning(f"token {TOKEN} in the format string")
        logger.info("dict args %(t)s", {"t": TOKEN})
        try:
            raise RuntimeError(f"failed with appsecret_proof={PROOF}")
        except RuntimeError:
            logger.exception("boom")
    assert len(caplog.records) == 4
    for record in caplog.records:
        formatted = caplog.handler.format(record)
        assert TOKEN not in formatted
        assert PROOF not in formatted
    assert "calling https://graph.example/v25.0/me?access_token=[REDACTED]" in caplog.text


def test_scrubbing_an_exception_chain_removes_urls_from_every_message():
    try:
        try:
            raise ValueError(f"inner /v25.0/me?access_token={TOKEN}")
        except ValueError as inner:
            raise ConnectionError(f"outer http://h/v25.0/x?appsecret_proof={PROOF}") from inner
    except ConnectionError as outer:
        scrub_exception_chain(outer)
        text = "".join(traceback.format_exception(outer))
    assert TOKEN not in text
    assert PROOF not in text
    assert "[query removed]" in text
