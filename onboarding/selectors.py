"""Reads of onboardings: the agency every onboarding starts from, the onboardings a staff
member may see, and the one a client's browser session may act on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from businesses import scoping
from businesses.models import AccessToken, Business, DeveloperApp
from onboarding.models import Onboarding, OnboardingStep

Step = OnboardingStep.Status


def onboarding_agency() -> Business:
    """The agency's own Business Manager, connected: every onboarding starts from it."""
    agency = (
        Business.objects.filter(
            is_agency=True, tokens__purpose=AccessToken.Purpose.CONNECTION, tokens__is_active=True
        )
        .select_related("app")
        .order_by("pk")
        .first()
    )
    if agency is None or agency.app is None:
        raise ValidationError(
            "Connect the agency's own Business Manager (with its app and admin system user "
            "token) before onboarding clients."
        )
    return agency


def onboarding_app(onboarding: Onboarding) -> DeveloperApp:
    """The agency's app, which every Login link and token check of an onboarding goes through
    (``onboarding_agency`` refuses to start without one)."""
    app = onboarding.agency.app
    if app is None:
        raise ValidationError("The agency's Business Manager has no app on file.")
    return app


def visible_onboardings(user: Any) -> QuerySet[Onboarding]:
    """Onboardings a staff member may see: their own, and those of clients assigned to them."""
    qs = Onboarding.objects.select_related("agency", "client_business", "created_by", "login_token")
    if user.is_active and user.is_superuser:
        return qs
    if not (user.is_active and user.is_staff):
        return qs.none()
    return qs.filter(
        Q(created_by=user) | Q(client_business__in=scoping.assigned_business_ids(user))
    )


def share_onboarding(onboarding_id: int) -> Onboarding | None:
    """The client-grant onboarding a client's browser session may act on: waiting for them."""
    return (
        Onboarding.objects.select_related("agency__app", "client_business", "login_token")
        .filter(
            pk=onboarding_id,
            method=Onboarding.Method.CLIENT_GRANT,
            status__in=Onboarding.IN_PROGRESS,
            steps__key="client_login",
        )
        .exclude(steps__key="client_login", steps__status=Step.DONE)
        .first()
    )
