from django.apps import AppConfig


class SystemUsersConfig(AppConfig):
    name = "systemusers"
    verbose_name = "System users"
