"""Tests: the database comes from DATABASE_URL (CI points it at PostgreSQL)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key-0123456789abcdef0123456789")
os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", "q8Q0n6xv2gF1r9m3M1Dz4cVJp1dE3nR7sXzK2bWq0YU=")
os.environ.setdefault("META_GRAPH_URL", "http://127.0.0.1:9")

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

# The Graph sandbox (run_sandbox) is for the demo and the tests; production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "sandbox"]

# Loopback receivers speak plain http.
NOTIFY_WEBHOOK_HTTPS_ONLY = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never wait out Meta's back-off for real: the client's sleep is injected per test.
META_MAX_RETRIES = 4
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
