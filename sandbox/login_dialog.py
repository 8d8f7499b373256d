"""A stand-in for Facebook Login's OAuth dialog: ``GET /{version}/dialog/oauth``.

Meta serves the dialog at ``https://www.facebook.com/{version}/dialog/oauth`` with
``client_id``, ``redirect_uri``, ``scope`` and ``state``; when the person accepts, their browser
is sent to ``redirect_uri?code=…&state=…`` (``error=access_denied&error_reason=user_denied`` when
they cancel), and the app exchanges the code at ``/oauth/access_token`` (Meta's "Manually Build
a Login Flow" guide). The sandbox has no passwords: the page lists the people of its world and
the visitor picks who they are. The code it mints is bound to the app and the redirect URI, so
the exchange in routes/tokens.py is as strict as Meta's.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .context import VERSION_RE
from .world import World

HTML_TYPE = "text/html; charset=utf-8"


def is_dialog_path(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if parts and VERSION_RE.match(parts[0]):
        parts = parts[1:]
    return parts == ["dialog", "oauth"]


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}"
        ".note{color:#555;font-size:.9em}button{margin:.3em 0;padding:.5em 1em}"
        "</style></head><body>" + body + "</body></html>"
    ).encode()


def _redirect_to(redirect_uri: str, params: dict[str, str]) -> str:
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return redirect_uri + joiner + urlencode(params)


def handle(world: World, method: str, query: str, body: bytes) -> tuple[int, bytes, list]:
    """(status, body, headers) for the dialog; the caller sets the content type to HTML."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if method == "POST":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    scopes = [s for s in params.get("scope", "").replace(" ", ",").split(",") if s]
    with world.lock:
        app = world.assets.get(client_id)
        if app is None or app.kind != "app":
            return 400, _page("Error", "<h1>Invalid App ID</h1><p>client_id is not an app.</p>"), []
        if not redirect_uri.startswith(("http://", "https://")):
            return 400, _page("Error", "<h1>URL blocked</h1><p>redirect_uri is missing.</p>"), []
        if method == "POST":
            if params.get("cancel"):
                target = _redirect_to(
                    redirect_uri,
                    {
                        "error": "access_denied",
                        "error_code": "200",
                        "error_description": "Permissions error",
                        "error_reason": "user_denied",
                        "state": state,
                    },
                )
                return 302, b"", [("Location", target)]
            person_id = params.get("person_id", "")
            if person_id not in world.people:
                return 400, _page("Error", "<h1>Choose who you are</h1>"), []
            code = world.mint_login_code(person_id, app.id, redirect_uri, scopes or None)
            target = _redirect_to(redirect_uri, {"code": code, "state": state})
            return 302, b"", [("Location", target)]
        people = sorted(world.people.values(), key=lambda p: p.name)
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
            for k, v in (
                ("client_id", client_id),
                ("redirect_uri", redirect_uri),
                ("state", state),
                ("scope", ",".join(scopes)),
            )
        )
        choices = "".join(
            f"<div><button type='submit' name='person_id' value='{html.escape(p.id)}'>"
            f"Continue as {html.escape(p.name)}</button> "
            f"<span class='note'>{html.escape(p.email)}</span></div>"
            for p in people
        )
        body_html = (
            f"<h1>Log in with Facebook</h1>"
            f"<p><strong>{html.escape(app.name)}</strong> is requesting access to: "
            f"{html.escape(', '.join(scopes) or 'your public profile')}.</p>"
            "<p class='note'>Graph sandbox: this page stands in for Facebook's Login dialog. "
            "Pick the person you are; Facebook would ask for their password.</p>"
            f"<form method='post' id='login-dialog'>{hidden}{choices}"
            "<p><button type='submit' name='cancel' value='1'>Cancel</button></p></form>"
        )
        return 200, _page("Log in with Facebook", body_html), []
