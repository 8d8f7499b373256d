"""The default run: SQLite, in-process tasks, and the Graph sandbox on loopback."""

from __future__ import annotations

import os

# Demo-only defaults, so a fresh clone runs with no configuration. Production has none of these.
os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me-0123456789abcdef")
os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", "q8Q0n6xv2gF1r9m3M1Dz4cVJp1dE3nR7sXzK2bWq0YU=")
os.environ.setdefault("META_GRAPH_URL", "http://127.0.0.1:8765")
# The sandbox also serves a stand-in of Facebook Login's dialog, so the Login link works.
os.environ.setdefault("META_OAUTH_DIALOG_URL", os.environ["META_GRAPH_URL"])
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

# The Graph sandbox (run_sandbox) is for the demo and the tests; production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "sandbox"]

# Loopback receivers speak plain http.
NOTIFY_WEBHOOK_HTTPS_ONLY = False

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
