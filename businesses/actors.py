"""Who is acting: every write service takes an Actor and records it beside the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from businesses.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class Actor:
    source: str
    user: AbstractBaseUser | None = None
    label: str = ""

    @classmethod
    def staff(cls, user: AbstractBaseUser, *, source: str = AuditEvent.Source.ADMIN) -> Actor:
        return cls(source=source, user=user, label=user.get_username())

    @classmethod
    def sync(cls, run_id: int | None = None) -> Actor:
        return cls(source=AuditEvent.Source.SYNC, label=f"sync run {run_id}" if run_id else "sync")

    @classmethod
    def task(cls, name: str, user: AbstractBaseUser | None = None) -> Actor:
        label = f"task {name}" + (f" for {user.get_username()}" if user is not None else "")
        return cls(source=AuditEvent.Source.TASK, user=user, label=label)

    @classmethod
    def command(cls, name: str) -> Actor:
        return cls(source=AuditEvent.Source.COMMAND, label=f"manage.py {name}")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(source=AuditEvent.Source.SYSTEM, label=label)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None
