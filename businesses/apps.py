from django.apps import AppConfig


class BusinessesConfig(AppConfig):
    name = "businesses"
    verbose_name = "Business Managers"
