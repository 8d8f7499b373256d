"""``{{ grant.tasks|task_labels:asset.kind }}``: Meta's task codes as Business Settings names
them (labels are data in TaskDefinition), joined for reading."""

from __future__ import annotations

from django import template

from assets.selectors import task_labels as labels_for

register = template.Library()


@register.filter
def task_labels(tasks, kind: str) -> str:
    return ", ".join(labels_for(kind, tasks))
