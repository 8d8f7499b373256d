from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Two-person approval"

    def ready(self) -> None:
        from approvals.services import approval_required, hold_policy
        from businesses import approval_gate

        approval_gate.register(hold_policy, required=approval_required)
