from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    # Only here so ``manage.py run_sandbox`` is found; the sandbox itself never imports Django.
    name = "sandbox"
    verbose_name = "Graph API sandbox"
    default_auto_field = "django.db.models.BigAutoField"
