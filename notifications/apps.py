from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from businesses import alerts
        from notifications.prompt import facts_changed_handle
        from notifications.services import event_raise

        alerts.register(event_raise)
        alerts.register_facts_listener(facts_changed_handle)
