from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets and grants"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from assets.models import TaskDefinition
        from assets.selectors import forget_task_labels

        # Task labels are data: an edit in the admin shows at once.
        post_save.connect(forget_task_labels, sender=TaskDefinition, dispatch_uid="task_labels")
        post_delete.connect(forget_task_labels, sender=TaskDefinition, dispatch_uid="task_labels_d")
