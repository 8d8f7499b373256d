"""Every task of ours is registered under the name it was declared with, and that name is in the
list below. Periodic tasks stored in the beat schedule and messages already queued find their
task by name only, so moving a task's module must not change it: a rename fails here first."""

from __future__ import annotations

import ast
import inspect
import sys

from config.celery_app import app

TASK_NAMES = [
    "approvals.tasks.change_requests_expire_task",
    "assets.tasks.grant_push_task",
    "assets.tasks.share_push_task",
    "businesses.tasks.business_sync_task",
    "businesses.tasks.dispatch_due_syncs",
    "businesses.tasks.eligibility_snapshot_task",
    "businesses.tasks.graph_calls_prune_task",
    "businesses.tasks.person_remove_task",
    "businesses.tasks.queue_sweep_task",
    "businesses.tasks.token_health_task",
    "liveaccounts.tasks.account_activity_refresh_task",
    "liveaccounts.tasks.live_accounts_dispatch_task",
    "notifications.tasks.business_events_detect_task",
    "notifications.tasks.delivery_send_task",
    "notifications.tasks.digest_send_task",
    "notifications.tasks.events_detect_task",
    "onboarding.tasks.onboarding_run_task",
    "security.tasks.security_digest_task",
    "sync.tasks.sync_chunk_task",
    "systemusers.tasks.system_user_create_in_meta_task",
]


def _our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def _declared_name(task) -> str | None:
    """The ``name=`` literal in the function's ``@shared_task(...)`` decorator, if any."""
    tree = ast.parse(inspect.getsource(sys.modules[task.run.__module__]))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == task.run.__name__:
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            return keyword.value.value
    return None


def test_our_registered_tasks_are_exactly_the_stored_names():
    assert sorted(_our_tasks()) == TASK_NAMES


def test_every_task_of_ours_is_declared_with_an_explicit_name_equal_to_its_registered_one():
    undeclared = {
        name: _declared_name(task)
        for name, task in _our_tasks().items()
        if _declared_name(task) != name
    }
    assert undeclared == {}
