from django.apps import AppConfig


class LiveAccountsConfig(AppConfig):
    name = "liveaccounts"
    verbose_name = "Live ad accounts"
