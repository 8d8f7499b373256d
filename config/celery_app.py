"""The Celery app, in cookiecutter-django's shape: settings under the CELERY_ namespace."""

from __future__ import annotations

import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("bm_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


@setup_logging.connect
def config_loggers(*args, **kwargs):
    # Celery must use Django's LOGGING, whose handlers carry the secret-redaction filter.
    dictConfig(settings.LOGGING)


app.autodiscover_tasks()
