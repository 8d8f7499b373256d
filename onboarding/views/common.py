"""What the onboarding pages share: the staff actor, a service's refusal put on a form, the
onboarding a staff member may open, the Login callback's address, the requested items."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse

from assets.models import AssetKind, TaskPreset
from assets.selectors import task_labels
from businesses.actors import Actor
from businesses.models import AuditEvent
from onboarding.models import Onboarding
from onboarding.selectors import visible_onboardings


def staff_actor(request: HttpRequest) -> Actor:
    return Actor.staff(request.user, source=AuditEvent.Source.FORM)


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def onboarding_or_404(request: HttpRequest, pk: int) -> Onboarding:
    onboarding = visible_onboardings(request.user).filter(pk=pk).first()
    if onboarding is None:
        raise Http404("No such onboarding here.")
    return onboarding


def login_redirect_uri(request: HttpRequest) -> str:
    # Meta asks for the trailing slash on redirect URLs (DOMAIN §5.4); the path has one.
    return request.build_absolute_uri(reverse("portal:oauth_callback"))


def requested_items(onboarding: Onboarding) -> list[dict]:
    return [
        {
            **item,
            "label": AssetKind(item["kind"]).label,
            "task_labels": task_labels(item["kind"], item["tasks"]),
            "preset_label": _preset_title(item["preset"]),
        }
        for item in onboarding.requested
    ]


def _preset_title(slug: str) -> str:
    preset = TaskPreset.objects.filter(slug=slug).only("label").first()
    return preset.label if preset else slug
