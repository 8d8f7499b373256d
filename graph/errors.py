"""Graph API errors, grouped by what the caller does next.

| class                   | caller's next step                                    |
|-------------------------|-------------------------------------------------------|
| TransientError          | retry later (the client already retried)              |
| ThrottledError          | wait `retry_after` seconds, then retry                |
| TokenInvalidError       | replace the token (`needs` says how)                  |
| PermissionMissingError  | grant the permission / role / access tier             |
| TwoFactorRequiredError  | a person completes two-factor authentication in Meta  |
| LastAdminError          | add another admin first                               |
| CapReachedError         | free or raise the system-user cap                     |
| PolicyBlockedError      | stop; a person looks at the account in Meta           |
| BadRequestError         | fix the request (NotFoundError, ReduceDataError)      |

Meta says to handle errors by code/subcode, never by message text (DOMAIN 6.1); the single
exception is "Please reduce the amount of data you're asking for", which Meta sends as code 1
without a subcode, so only its message tells it from other code-1 errors. Code 1 subcode 99 is
Meta's generic "An unknown error occurred" (HTTP 500): transient, retried with back-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .redaction import redact
from .usage import parse_usage


class GraphError(Exception):
    """Base of every error the Graph client raises. `str()` never contains a secret."""

    # Whether a write that failed this way is known not to have been applied (so re-sending it
    # cannot do it twice). Subclasses and the classifier set it; see client.py "Retries".
    safe_to_resend: bool = False
    what_to_do: str = "Check the request and try again; if it keeps failing, contact support."

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        subcode: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        fbtrace_id: str | None = None,
        http_status: int | None = None,
        is_transient: bool = False,
        error_type: str | None = None,
        safe_to_resend: bool | None = None,
    ) -> None:
        self.message = redact(message or "")
        self.code = code
        self.subcode = subcode
        self.user_title = redact(user_title) if user_title else None
        self.user_msg = redact(user_msg) if user_msg else None
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status
        self.is_transient = is_transient
        self.error_type = error_type
        if safe_to_resend is not None:
            self.safe_to_resend = safe_to_resend
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message or type(self).__name__]
        if self.code is not None:
            parts.append(f"(code {self.code}" + (f"/{self.subcode})" if self.subcode else ")"))
        if self.http_status is not None:
            parts.append(f"[HTTP {self.http_status}]")
        if self.fbtrace_id:
            parts.append(f"fbtrace_id={self.fbtrace_id}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ would break the default pickling (Celery, multiprocessing).
        return (_rebuild, (type(self), self.__dict__.copy()))

    def describe(self) -> str:
        """One or two sentences for a person: what happened and what to do."""
        said = self.user_msg or self.message or "Meta returned an error"
        said = said.rstrip(".")
        return f"{self.what_happened(said)} {self.what_to_do}"

    def what_happened(self, said: str) -> str:
        return f"Meta refused the request: {said}."


def _rebuild(cls: type[GraphError], state: dict[str, Any]) -> GraphError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class TransientError(GraphError):
    what_to_do = "It is usually temporary; the portal will try again shortly."

    def what_happened(self, said: str) -> str:
        return f"Meta had a temporary problem ({said})."


class MalformedResponseError(TransientError):
    def what_happened(self, said: str) -> str:
        return f"Meta's answer could not be read ({said})."


class GraphTimeoutError(TransientError):
    def what_happened(self, said: str) -> str:
        return "Meta did not answer in time."


class ThrottledError(GraphError):
    safe_to_resend = True  # Meta rejects a throttled call before doing any of it.
    DEFAULT_RETRY_AFTER = 60.0

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = float(retry_after) if retry_after else self.DEFAULT_RETRY_AFTER

    @property
    def what_to_do(self) -> str:  # type: ignore[override]
        minutes = max(1, round(self.retry_after / 60))
        return f"Wait about {minutes} minute(s) before trying again; the portal slows down itself."

    def what_happened(self, said: str) -> str:
        return f"Meta is limiting how fast this app may call it ({said})."


_TOKEN_NEEDS = {
    458: "the app was removed from the account: the owner must connect it again",
    459: "the user is checkpointed: they must log in at facebook.com first",
    460: "the password was changed: the owner must log in and connect again",
    463: "the token expired: generate or refresh a new token",
    464: "the user is not confirmed: they must confirm their Facebook account",
    467: "the token was invalidated (logged out): connect the account again",
}


class TokenInvalidError(GraphError):
    def __init__(self, message: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.needs = _TOKEN_NEEDS.get(
            self.subcode or 0, "a new access token: reconnect the account or generate a new token"
        )

    @property
    def what_to_do(self) -> str:  # type: ignore[override]
        return f"This needs {self.needs}."

    def what_happened(self, said: str) -> str:
        return f"The access token no longer works ({said})."


class PermissionMissingError(GraphError):
    what_to_do = (
        "Grant the missing permission, role or access level in Meta (or reconnect with the "
        "required scopes), then try again."
    )

    def what_happened(self, said: str) -> str:
        return f"The token is not allowed to do this ({said})."


class TwoFactorRequiredError(GraphError):
    what_to_do = (
        "Complete two-factor authentication in Meta with the account whose token was used, "
        "then try again."
    )

    def what_happened(self, said: str) -> str:
        return "Meta requires two-factor authentication for this change."


class LastAdminError(GraphError):
    what_to_do = "Make another person an admin of the business first, then try again."

    def what_happened(self, said: str) -> str:
        return "This would remove the last admin of the business."


class CapReachedError(GraphError):
    def __init__(self, message: str = "", *, role: str = "EMPLOYEE", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.role = role

    @property
    def what_to_do(self) -> str:  # type: ignore[override]
        return (
            "Retire an unused one (revoke its tokens; system users cannot be deleted) or move "
            "the app to a higher Marketing API access tier."
        )

    def what_happened(self, said: str) -> str:
        kind = "admin system users" if self.role == "ADMIN" else "system users"
        return f"The business already has the most {kind} its app's access tier allows."


class PolicyBlockedError(GraphError):
    what_to_do = "Stop retrying; a person should review the account's status in Meta."

    def what_happened(self, said: str) -> str:
        return f"Meta temporarily blocked this action for a policy reason ({said})."


class BadRequestError(GraphError):
    what_to_do = "Correct the request; retrying it unchanged will fail the same way."


class ReduceDataError(BadRequestError):
    what_to_do = "Ask for fewer items or fields per request."


class NotFoundError(BadRequestError):
    what_to_do = "Check that the object still exists and that this token was given access to it."

    def what_happened(self, said: str) -> str:
        return f"Meta could not find the object or this token cannot see it ({said})."


_THROTTLE_CODES = (4, 17, 32, 341, 613, *range(80000, 80015))
_PERMISSION_CODES = (3, 10, *range(200, 300), 3910, 3911, 3913)

# The one table from Meta's codes to classes. Keys are codes, or (code, subcode) pairs that
# override the code, or (None, subcode) pairs that apply whatever the code (token subcodes).
ERROR_CLASSES: dict[int | tuple[int | None, int], type[GraphError]] = {
    1: TransientError,  # incl. (1, 99) "An unknown error occurred"
    2: TransientError,
    3912: TransientError,
    3919: TransientError,
    **dict.fromkeys(_THROTTLE_CODES, ThrottledError),
    190: TokenInvalidError,
    102: TokenInvalidError,
    104: TokenInvalidError,  # "an access token is required" / bad signature
    **{(None, sub): TokenInvalidError for sub in (458, 459, 460, 463, 464, 467)},
    **dict.fromkeys(_PERMISSION_CODES, PermissionMissingError),
    415: TwoFactorRequiredError,
    3914: LastAdminError,
    3949: CapReachedError,
    3965: CapReachedError,
    368: PolicyBlockedError,
    100: BadRequestError,
    (100, 33): NotFoundError,
    803: NotFoundError,
}

# Errors after which a write is known not to have been applied: 3912 "technical issue, your
# changes were not saved" (DOMAIN 6.2). Codes 1, 2 ("unexpected error, retry later") and 3919
# say nothing about whether the write happened, so they do not qualify.
_NOT_APPLIED_CODES = frozenset({3912})
_CAP_ROLES = {3949: "EMPLOYEE", 3965: "ADMIN"}


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def classify(code: int | None, subcode: int | None, http_status: int | None) -> type[GraphError]:
    if code is not None:
        for key in ((code, subcode), (None, subcode), code):
            if key in ERROR_CLASSES:
                return ERROR_CLASSES[key]
    if http_status == 429:
        return ThrottledError
    if http_status is not None and http_status >= 500:
        return TransientError
    return BadRequestError


def error_from_envelope(
    body: Mapping[str, Any],
    *,
    http_status: int | None,
    headers: Mapping[str, str] | None = None,
    default_retry_after: float | None = None,
) -> GraphError:
    """Build the typed error for Meta's `{"error": {...}}` envelope (DOMAIN 6.1)."""
    raw = body.get("error")
    err: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {"message": str(raw)}
    code = _as_int(err.get("code"))
    subcode = _as_int(err.get("error_subcode"))
    message = str(err.get("message") or "")
    is_transient = bool(err.get("is_transient"))
    cls = classify(code, subcode, http_status)
    reduce = "reduce the amount of data" in message.lower()
    if reduce and (code == 1 or cls is BadRequestError):
        cls = ReduceDataError
    if cls in (BadRequestError, GraphError) and is_transient:
        cls = TransientError
    kwargs: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        "user_title": err.get("error_user_title"),
        "user_msg": err.get("error_user_msg"),
        "fbtrace_id": err.get("fbtrace_id"),
        "http_status": http_status,
        "is_transient": is_transient,
        "error_type": err.get("type"),
    }
    if code in _NOT_APPLIED_CODES or http_status == 503:
        kwargs["safe_to_resend"] = True
    if cls is ThrottledError:
        usage = parse_usage(headers or {})
        kwargs["retry_after"] = usage.regain_seconds or default_retry_after
    if cls is CapReachedError:
        kwargs["role"] = _CAP_ROLES.get(code or 0, "EMPLOYEE")
    return cls(message, **kwargs)


def error_from_status(
    http_status: int,
    *,
    headers: Mapping[str, str] | None = None,
    default_retry_after: float | None = None,
) -> GraphError:
    """An HTTP error without Meta's envelope (a proxy or load balancer answered)."""
    cls = classify(None, None, http_status)
    kwargs: dict[str, Any] = {"http_status": http_status}
    if http_status == 503:
        kwargs["safe_to_resend"] = True
    if cls is ThrottledError:
        kwargs["retry_after"] = parse_usage(headers or {}).regain_seconds or default_retry_after
    return cls(f"HTTP {http_status} without a Graph error body", **kwargs)
