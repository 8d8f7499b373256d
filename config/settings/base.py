"""Settings shared by every environment. Everything configurable is read here, from the
environment (12-factor), through one ``env``; nothing else in the code reads ``os.environ``."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(str(BASE_DIR / ".env"), overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "axes",
    "businesses",
    "assets",
    "systemusers",
    "sync",
    "onboarding",
    "portal",
    "notifications",
    "security",
    "approvals",
    "liveaccounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Below MessageMiddleware: warns when a saved change could not be queued (broker down).
    "businesses.queueing.QueueOutageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the favicon
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LOGIN_URL = "admin:login"
# Where a login goes when its `next` is missing or refused as unsafe: the portal home.
LOGIN_REDIRECT_URL = "portal:home"

# --- Login throttling (django-axes): explicit so operators see the policy in one place.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = True

# --- Secrets at rest. The first key encrypts, every key decrypts (rotation with MultiFernet).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS")
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must name at least one Fernet key.")

# --- Meta Graph API. Always a pinned version: unversioned calls get the oldest one.
META_GRAPH_URL = env("META_GRAPH_URL", default="https://graph.facebook.com").rstrip("/")
META_GRAPH_VERSION = env("META_GRAPH_VERSION", default="v25.0")
if not META_GRAPH_VERSION.startswith("v"):
    raise ImproperlyConfigured("META_GRAPH_VERSION must look like 'v25.0'.")
META_OAUTH_DIALOG_URL = env("META_OAUTH_DIALOG_URL", default="https://www.facebook.com")
META_CONNECT_TIMEOUT = env.float("META_CONNECT_TIMEOUT", default=5.0)
# Below a minute, so an unanswering Meta fails a run within one (META_UNREACHABLE_SECONDS).
META_READ_TIMEOUT = env.float("META_READ_TIMEOUT", default=30.0)
META_MAX_RETRIES = env.int("META_MAX_RETRIES", default=5)
# One budget per sync or push: retries of every call together stop at this count, and once
# this many calls in a row found Meta unreachable (refused, timed out) or the first of them
# began this many seconds ago, the rest fail at once with "Meta unreachable".
META_RETRY_BUDGET = env.int("META_RETRY_BUDGET", default=20)
META_UNREACHABLE_AFTER = env.int("META_UNREACHABLE_AFTER", default=3)
META_UNREACHABLE_SECONDS = env.float("META_UNREACHABLE_SECONDS", default=20.0)
META_PAGE_SIZE = env.int("META_PAGE_SIZE", default=100)
# The client slows down once any usage header reports this share (percent) of a quota used.
META_USAGE_SLOWDOWN_PCT = env.int("META_USAGE_SLOWDOWN_PCT", default=75)

# System-user caps per access level (DOMAIN.md decision 3): Meta refuses more with 3949/3965.
META_SYSTEM_USER_CAPS = {
    "standard": {
        "EMPLOYEE": env.int("META_CAP_STANDARD_EMPLOYEE", default=1),
        "ADMIN": env.int("META_CAP_STANDARD_ADMIN", default=1),
    },
    "advanced": {
        "EMPLOYEE": env.int("META_CAP_ADVANCED_EMPLOYEE", default=10),
        "ADMIN": env.int("META_CAP_ADVANCED_ADMIN", default=1),
    },
}

# Advanced-access eligibility (DOMAIN.md decision 5): the seed's rule is the default.
META_ELIGIBILITY_RULE = env("META_ELIGIBILITY_RULE", default="seed")
if META_ELIGIBILITY_RULE not in {"seed", "meta_2026"}:
    raise ImproperlyConfigured("META_ELIGIBILITY_RULE must be 'seed' or 'meta_2026'.")

# Sync behaviour.
SYNC_DEFAULT_INTERVAL_MINUTES = env.int("SYNC_DEFAULT_INTERVAL_MINUTES", default=60)
SYNC_LEASE_SECONDS = env.int("SYNC_LEASE_SECONDS", default=30 * 60)
# A sweep that would mark more than this share of a listing removed is held back for a person.
SYNC_MAX_REMOVAL_SHARE = env.float("SYNC_MAX_REMOVAL_SHARE", default=0.5)
# A failed sync is tried again after these many minutes (the 1st, 2nd, 3rd and later failure
# in a row), not a whole interval later.
SYNC_RETRY_MINUTES = env.list("SYNC_RETRY_MINUTES", cast=int, default=[5, 15, 60])
if not SYNC_RETRY_MINUTES or min(SYNC_RETRY_MINUTES) < 1:
    raise ImproperlyConfigured("SYNC_RETRY_MINUTES must list whole minutes, e.g. 5,15,60.")
# The queue sweeper (every minute) sends again what the task queue never got: rows marked
# waiting for the queue at once, and pushes, creations and runs still pending after this long.
QUEUE_SWEEP_STUCK_MINUTES = env.int("QUEUE_SWEEP_STUCK_MINUTES", default=30)
# /healthz reports the beat missing when its per-minute tick has not run for this long.
HEALTHZ_BEAT_MINUTES = env.int("HEALTHZ_BEAT_MINUTES", default=5)
# Incremental sync: every asset's users, partner shares and conversions are re-read at least
# once in this many hours (a rolling slice per sync); new, changed and pushed assets at once.
SYNC_EDGE_WINDOW_HOURS = env.float("SYNC_EDGE_WINDOW_HOURS", default=24)
# Quota-aware dispatch: a scheduled sync starts only while its business's and its app's usage
# (Meta's usage headers, as the last sync left them) is below this percentage, leaving the rest
# for staff pushes and onboarding; and only when its estimated calls fit in what remains.
SYNC_QUOTA_HEADROOM_PCT = env.int("SYNC_QUOTA_HEADROOM_PCT", default=75)
if not 1 <= SYNC_QUOTA_HEADROOM_PCT <= 100:
    raise ImproperlyConfigured("SYNC_QUOTA_HEADROOM_PCT must be a percentage from 1 to 100.")
# Big clients split across workers: a run with more assets than this whose per-asset edges are
# due reads them as chunk tasks of this many assets each, which any worker can take.
SYNC_CHUNK_ASSETS = env.int("SYNC_CHUNK_ASSETS", default=2000)
if SYNC_CHUNK_ASSETS < 1:
    raise ImproperlyConfigured("SYNC_CHUNK_ASSETS must be a whole number of assets, at least 1.")
TOKEN_EXPIRY_WARNING_DAYS = env.int("TOKEN_EXPIRY_WARNING_DAYS", default=14)
# The call ledger feeds the 15-day eligibility rule; older rows are pruned daily.
GRAPH_CALL_RETENTION_DAYS = env.int("GRAPH_CALL_RETENTION_DAYS", default=45)
if GRAPH_CALL_RETENTION_DAYS < 15:
    raise ImproperlyConfigured(
        "GRAPH_CALL_RETENTION_DAYS must be at least 15 (the eligibility window)."
    )

# --- Notifications. Email goes through Django's backend: EMAIL_URL (smtp+tls://user:pass@host:587)
# in production, the console in the demo.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BM Portal <portal@localhost>")
# Links in alerts point here (the portal's public address).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Webhooks must be https unless this is turned off (the demo and tests use loopback http).
NOTIFY_WEBHOOK_HTTPS_ONLY = env.bool("NOTIFY_WEBHOOK_HTTPS_ONLY", default=True)
NOTIFY_WEBHOOK_CONNECT_TIMEOUT = env.float("NOTIFY_WEBHOOK_CONNECT_TIMEOUT", default=5.0)
NOTIFY_WEBHOOK_READ_TIMEOUT = env.float("NOTIFY_WEBHOOK_READ_TIMEOUT", default=10.0)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=5)
# Back-off between delivery attempts: base × 2^attempt seconds, at most an hour.
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=30)
# Detection looks this far back, so a first run does not alert on last year's failures.
NOTIFY_LOOKBACK_HOURS = env.int("NOTIFY_LOOKBACK_HOURS", default=48)
# The daily digest goes out at this hour (UTC).
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=7)

# --- Security review thresholds.
SECURITY_MAX_ADMINS = env.int("SECURITY_MAX_ADMINS", default=3)
SECURITY_STALE_INVITE_DAYS = env.int("SECURITY_STALE_INVITE_DAYS", default=14)

# --- Live ad accounts: accounts read per batch POST (two calls each), and the usage share at
# which a run stops so the syncs keep their quota.
LIVE_ACCOUNTS_BATCH = env.int("LIVE_ACCOUNTS_BATCH", default=25)
LIVE_ACCOUNTS_MAX_USAGE_PCT = env.int(
    "LIVE_ACCOUNTS_MAX_USAGE_PCT", default=META_USAGE_SLOWDOWN_PCT
)

# --- Celery. Without a broker, tasks run in-process (eager) so the default run needs nothing.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="")) or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# JSON only: tasks take ids, never pickled objects (and never tokens).
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Syncs are idempotent upserts: acking late means a killed worker's sync is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Long tasks: a worker takes one at a time so a 20-minute sync does not hold others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
# Redis redelivers an unacked task after the visibility timeout: it must exceed the longest
# time limit plus back-off, or a healthy long sync would run twice.
# A worker looks for unacknowledged tasks past that timeout (a killed worker's) every
# interval × throttle seconds (kombu's defaults: 10 × 10); tests shorten both.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 15 * 60
    ),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "businesses.tasks.*": {"queue": "sync"},
    "sync.tasks.*": {"queue": "sync"},
    "assets.tasks.*": {"queue": "push"},
    "systemusers.tasks.*": {"queue": "push"},
}
# Task modules autodiscovery (which looks for tasks.py only) would miss.
CELERY_IMPORTS = ("onboarding.tasks",)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Logging: every handler passes through the redaction filter, so no token reaches a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "graph.redaction.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# django-axes logs every login at INFO with masked fields; once is enough in our logs.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
