"""Meta's error envelope and the errors the sandbox raises.

Envelope per DOMAIN §6.1: ``{"error": {message, type, code, error_subcode, error_user_title,
error_user_msg, fbtrace_id, is_transient}}``. Clients must branch on code/subcode, never on text,
so messages here are close paraphrases of Meta's where the exact text is not known.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

_TRACE_ALPHABET = string.ascii_letters + string.digits + "_-"


def fbtrace_id() -> str:
    # Random on purpose (like Meta's): it identifies one response, never state.
    return "A" + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(22))


class GraphError(Exception):
    """An error response in Meta's envelope. Raised anywhere inside request handling."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        type: str = "OAuthException",
        status: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        is_transient: bool = False,
        usage_business_id: str | None = None,
        regain_minutes: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.type = type
        # GUESS: Meta answers most client errors with HTTP 400 and its own server errors
        # (codes 1/2) with 500; the status is not part of any contract the portal relies on.
        self.status = status if status is not None else (500 if code in (1, 2) else 400)
        self.user_title = user_title
        self.user_msg = user_msg
        self.is_transient = is_transient
        self.usage_business_id = usage_business_id
        self.regain_minutes = regain_minutes

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        if self.user_title:
            err["error_user_title"] = self.user_title
        if self.user_msg:
            err["error_user_msg"] = self.user_msg
        err["is_transient"] = self.is_transient
        err["fbtrace_id"] = fbtrace_id()
        return {"error": err}


# --- constructors for the errors the sandbox emits ---------------------------------------------


def missing_token() -> GraphError:
    return GraphError(104, "An access token is required to request this resource.")


def bad_token() -> GraphError:
    return GraphError(190, "Invalid OAuth access token - Cannot parse access token")


def expired_token(expired_at: str, now: str) -> GraphError:
    return GraphError(
        190,
        f"Error validating access token: Session has expired on {expired_at}. "
        f"The current time is {now}.",
        subcode=463,
    )


def revoked_token() -> GraphError:
    # GUESS: subcode for an explicitly revoked/invalidated token; DOMAIN lists 467 ("invalid
    # token, e.g. user logged out") as the closest documented subcode.
    return GraphError(
        190,
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons.",
        subcode=467,
    )


def permission_error(detail: str = "") -> GraphError:
    return GraphError(200, "(#200) Permissions error" + (f": {detail}" if detail else ""))


def param_error(message: str, subcode: int | None = None) -> GraphError:
    text = message if message.startswith("(#100)") else f"(#100) {message}"
    return GraphError(100, text, subcode=subcode)


def unsupported(method: str, obj_id: str) -> GraphError:
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{obj_id}' does not exist, cannot "
        "be loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type="GraphMethodException",
    )


def unknown_path(path: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: {path}", type="OAuthException", status=400)


def nonexisting_field(field: str, node_type: str) -> GraphError:
    return param_error(f"Tried accessing nonexisting field ({field}) on node type ({node_type})")


def task_combination() -> GraphError:
    return GraphError(
        100,
        "Invalid parameter",
        subcode=1752129,
        user_title="This Task Combination Is Not Supported",
        user_msg="This Task Combination Is Not Supported",
    )


def bad_proof() -> GraphError:
    # Envelope as reported in facebook/facebook-python-business-sdk issue #528 (HTTP 400).
    return GraphError(
        100, "Invalid appsecret_proof provided in the API argument", type="GraphMethodException"
    )


def proof_required() -> GraphError:
    return GraphError(
        100,
        "API calls from the server require an appsecret_proof argument",
        type="GraphMethodException",
    )


def two_factor_required() -> GraphError:
    return GraphError(
        415,
        "Two factor authentication required. User have to enter a code from SMS or TOTP code "
        "generator to pass 2fac. This could happen when accessing a 2fac-protected asset like a "
        "page that is owned by a 2fac-protected business manager.",
        user_title="Two-factor authentication required",
        user_msg="Complete two-factor authentication in Meta Business Suite, then try again.",
    )


def last_admin() -> GraphError:
    return GraphError(
        3914,
        "(#3914) It looks like you're trying to remove the last admin from this Business "
        "Manager. At least one admin is required in Business Manager.",
        user_title="Can't remove the last admin",
        user_msg="Every Business Manager needs at least one admin. Add another admin first.",
    )


def su_limit(admin: bool, cap: int) -> GraphError:
    if admin:
        return GraphError(
            3965,
            f"(#3965) You have reached the maximum number of admin system users ({cap}) "
            "for this business.",
        )
    return GraphError(
        3949,
        f"(#3949) You have reached the maximum number of system users ({cap}) for this business.",
    )


def app_not_in_business() -> GraphError:
    return GraphError(104001, "An app must be part of this business to create a system user.")


def too_much_data() -> GraphError:
    return GraphError(
        1,
        "Please reduce the amount of data you're asking for, then retry your request",
        # Code 1 without a subcode: (1, 99) is Meta's generic "An unknown error occurred".
        is_transient=False,
    )


def throttled(code: int, subcode: int | None, regain_minutes: int, business_id: str | None):
    messages = {
        4: "(#4) Application request limit reached",
        17: "(#17) User request limit reached",
        613: "(#613) Calls to this api have exceeded the rate limit.",
        80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and "
        "try again. For more info, please refer to https://developers.facebook.com/docs/"
        "graph-api/overview/rate-limiting#ads-management.",
    }
    return GraphError(
        code,
        messages.get(code, f"(#{code}) Rate limit reached"),
        subcode=subcode,
        is_transient=True,
        usage_business_id=business_id,
        regain_minutes=regain_minutes,
    )


def transient_server_error() -> GraphError:
    return GraphError(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        is_transient=True,
        status=500,
    )
