"""Writes of the security review: dismiss a finding (with a reason, audited), restore it, and
the weekly digest raised through the notifications app."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business
from notifications.models import EventKind
from notifications.services import event_raise
from security.models import FindingDismissal
from security.review import HIGH, Finding, security_review

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def finding_dismiss(
    *, user: User, business: Business, key: str, reason: str, actor: Actor
) -> FindingDismissal:
    """Hide one current finding of a client the user manages; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this is acceptable."})
    review = security_review(user, business=business)
    finding = next((f for f in review.findings if f.key == key), None)
    if finding is None:
        raise ValidationError("That finding is not open any more.")
    with transaction.atomic():
        dismissal = FindingDismissal.objects.create(
            business=business, key=key, reason=reason[:2000], dismissed_by_id=actor.user_id
        )
        audit_record(
            actor=actor,
            action="security.dismiss",
            business=business,
            target=dismissal,
            summary=f"Dismissed “{finding.title}: {finding.subject}” — {reason[:300]}",
            changes={"key": key, "reason": reason[:2000]},
        )
    return dismissal


def finding_restore(*, dismissal: FindingDismissal, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="security.restore",
            business=dismissal.business,
            target=dismissal,
            summary=f"Restored the finding {dismissal.key} (dismissed: {dismissal.reason[:200]}).",
        )
        dismissal.delete()


def security_digest_raise(*, now: datetime | None = None) -> int:
    """One SECURITY_REVIEW event per client with open findings per ISO week: run daily, the
    first run of the week raises, the others find it raised already."""
    now = now or timezone.now()
    year, week, _ = now.isocalendar()
    review = security_review(None)
    by_client: dict[int, list[Finding]] = {}
    for finding in review.findings:
        by_client.setdefault(finding.business.pk, []).append(finding)
    raised = 0
    for findings in by_client.values():
        business = findings[0].business
        high = sum(1 for f in findings if f.risk == HIGH)
        top = "; ".join(f"{f.title}: {f.subject}" for f in findings[:3])
        raised += bool(
            event_raise(
                kind=EventKind.SECURITY_REVIEW,
                business=business,
                dedup_key=f"security_review:{business.pk}:{year}-W{week:02d}",
                summary=f"{len(findings)} open finding(s), {high} high risk. {top}",
                link=reverse("portal:security:review") + f"?client={business.pk}",
            )
        )
    return raised
