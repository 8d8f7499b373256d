from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The staff pages (home, give access, reports, offboarding, search) and their selectors."""

    name = "portal"
    verbose_name = "Portal"
