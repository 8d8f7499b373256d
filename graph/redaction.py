"""Keep tokens and secrets out of logs and exception text.

Meta's tokens travel in query strings and form bodies, so any URL, request body or library
exception message (requests and urllib3 put the full URL in theirs) may carry one. `redact` is
applied to everything the client writes into an exception, and `RedactSecretsFilter` is attached to
every log handler (config/settings/base.py) as the last line of defence.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

REDACTED = "[REDACTED]"

# Parameters whose value is a secret or a credential (DOMAIN 3.5, 5.1, 5.4).
SECRET_PARAMS = (
    "access_token",
    "input_token",
    "appsecret_proof",
    "client_secret",
    "fb_exchange_token",
    "revoke_token",
    "code",
)
_NAMES = "|".join(SECRET_PARAMS)

# name=value in a query string or form body, also once URL-encoded (a form body inside a batch
# item or a logged URL). `\b` keeps `error_code=` and `fbtrace_code=` untouched.
_PARAM_RE = re.compile(
    rf"(?i)\b({_NAMES})(=|%3D)(.+?)(?=&|%26|[\s\"'<>#,;)\]}}]|$)",
)
# "name": "value" in JSON (a logged response or batch body); numeric values such as an error
# "code": 190 are not secrets and are left alone.
_JSON_RE = re.compile(rf'(?i)(\\?"(?:{_NAMES})\\?"\s*:\s*\\?")([^"\\]*)')
# Authorization headers, should a caller ever log one.
_AUTH_RE = re.compile(r"(?i)\b(OAuth|Bearer)\s+[A-Za-z0-9|%._\-]{8,}")
# Token-shaped strings wherever they appear: Meta user/system-user/page tokens start with EAA;
# app tokens are "{app_id}|{app_secret}" (also URL-encoded as %7C).
_TOKEN_RE = re.compile(r"EAA[A-Za-z0-9]{20,}")
_APP_TOKEN_RE = re.compile(r"\b\d{5,}(?:\||%7C|%7c)[A-Za-z0-9_\-]{16,}")
_QUERY_RE = re.compile(r"(https?://[^\s?'\"]+|\s/[^\s?'\"]*)\?[^\s'\")]*")


def redact(text: str) -> str:
    """Return `text` with every known secret replaced by a marker."""
    if not text:
        return text
    text = _PARAM_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _JSON_RE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _AUTH_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _TOKEN_RE.sub(REDACTED, text)
    return _APP_TOKEN_RE.sub(REDACTED, text)


def strip_query_strings(text: str) -> str:
    """Drop query strings from URLs in `text` (used for library exception messages)."""
    return _QUERY_RE.sub(lambda m: f"{m.group(1)}?[query removed]", text)


def scrub_exception_chain(exc: BaseException) -> None:
    """Rewrite, in place, the messages of `exc` and of every exception chained to it.

    requests/urllib3 exceptions carry the full URL (with access_token) in their args, and a
    traceback prints every __cause__/__context__ in the chain. Their request/response objects are
    dropped for the same reason (a debugger or error tracker would show them).
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        try:
            current.args = tuple(_scrub_arg(a) for a in current.args)
        except Exception:  # noqa: S112 - an exotic exception type must not break error handling
            continue
        state = getattr(current, "__dict__", {})
        for attr in ("request", "response", "url"):
            if state.get(attr) is not None:
                with contextlib.suppress(Exception):  # a read-only attribute stays
                    setattr(current, attr, None)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
        pending.append(current.__cause__)
        pending.append(current.__context__)


def _scrub_arg(arg: Any) -> Any:
    if isinstance(arg, (int, float, bool)) or arg is None:
        return arg
    if isinstance(arg, BaseException):
        scrub_exception_chain(arg)
        return redact(strip_query_strings(str(arg)))
    return redact(strip_query_strings(str(arg)))


class RedactSecretsFilter(logging.Filter):
    """Logging filter that rewrites a record so no secret reaches a handler's output.

    The message is formatted here (msg % args) and the args dropped, because a secret is as likely
    to arrive in an argument (a URL) as in the format string. Exception text is formatted and
    redacted now and stored in exc_text, which Formatter.format uses instead of re-formatting.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
