from django.apps import AppConfig


class SyncConfig(AppConfig):
    """Keeping the picture true: sync runs, drift, the dispatcher and the queue sweeper."""

    name = "sync"
    verbose_name = "Syncs"
