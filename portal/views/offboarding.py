"""Offboarding: find the person who left by name or email, list everything they hold across
the visible clients, then, after confirmation, remove it through portal.offboarding (which
records who did it) and end on a results page: what was removed, what Meta refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from assets.models import Grant, PushState
from businesses import scoping
from businesses.actors import Actor
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.models import AuditEvent, BusinessUser
from core.pages import render_page, require_perm
from portal import offboarding as service
from portal.forms import OffboardForm

MAX_MATCHES = 50


def people_matching(user, who: str) -> list[dict]:
    """Active people in the staff member's clients whose name or email contains ``who``, one
    row per email (a person is in several businesses under the same email)."""
    who = (who or "").strip()
    if not who:
        return []
    return list(
        scoping.scope(
            BusinessUser.objects.filter(status=BusinessUser.Status.ACTIVE).exclude(email=""),
            user,
            "business",
        )
        .filter(Q(name__icontains=who) | Q(email__icontains=who))
        .values("email")
        .annotate(businesses=Count("business", distinct=True))
        .order_by("email")[:MAX_MATCHES]
        .values("email", "businesses")
    )


def _names_by_email(user, emails: list[str]) -> dict[str, str]:
    rows = scoping.scope(
        BusinessUser.objects.filter(email__in=emails).exclude(name=""), user, "business"
    ).values_list("email", "name")
    return {email: name for email, name in rows}


def offboarding(request: HttpRequest) -> HttpResponse:
    form = OffboardForm(request.POST or request.GET or None)
    preview = None
    matches = None
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        who = form.cleaned_data["who"]
        if email and request.method == "POST" and request.POST.get("confirm") == "yes":
            require_perm(request, "businesses.change_businessuser")
            actor = Actor.staff(request.user, source=AuditEvent.Source.FORM)
            items = service.offboard_preview(email=email, user=request.user)
            held = _hold(items, actor)
            if held:
                for h in held:
                    messages.warning(request, h.message)
                return redirect("portal:approvals:list")
            # Meta's refusals are audited after this point (the removals run after commit).
            since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            try:
                service.offboard_person(
                    email=email,
                    actor=actor,
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                request.session["offboarded"] = {
                    "email": email,
                    "people": [item.person.pk for item in items],
                    "grants": [g.pk for item in items for g in item.grants],
                    "since": since,
                }
                if any(item.hidden_grants for item in items):
                    messages.info(
                        request,
                        "They stay where they hold grants in clients you do not manage.",
                    )
                return redirect("portal:offboarding_done")
        if email:
            preview = service.offboard_preview(email=email, user=request.user)
        else:
            matches = people_matching(request.user, who)
            names = _names_by_email(request.user, [m["email"] for m in matches])
            for match in matches:
                match["name"] = names.get(match["email"], "")
    return render_page(
        request,
        "portal/offboarding.html",
        {"form": form, "preview": preview, "matches": matches},
        title="Offboard a person",
    )


@dataclass
class OffboardResult:
    person: BusinessUser
    removed: bool
    refused: str = ""
    grants: list[Grant] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return not self.removed and not self.refused


def offboarding_results(user, *, people: list[int], grants: list[int], since: int) -> list:
    """Per business the person was in: removed (with the grants that went), refused by Meta
    (with Meta's reason), or still pending. Scoped again: only the staff member's clients."""
    persons = list(
        scoping.scope(BusinessUser.objects.filter(pk__in=people), user, "business")
        .select_related("business")
        .order_by("business__name")
    )
    grant_rows = Grant.objects.filter(pk__in=grants, person__in=persons).select_related("asset")
    by_person: dict[int, list[Grant]] = {}
    for grant in grant_rows.order_by("asset__name"):
        by_person.setdefault(grant.person_id, []).append(grant)
    refusals = {
        int(e.target_id): e.summary
        for e in AuditEvent.objects.filter(
            pk__gt=since,
            action="person.offboard_failed",
            target_type="businesses.businessuser",
            target_id__in=[str(p.pk) for p in persons],
        )
    }
    results = []
    for person in persons:
        person_grants = by_person.get(person.pk, [])
        refused = refusals.get(person.pk, "")
        if not refused:
            failed = [g for g in person_grants if g.push_state == PushState.FAILED]
            refused = failed[0].push_error if failed else ""
        results.append(
            OffboardResult(
                person=person,
                removed=person.status == BusinessUser.Status.REMOVED,
                refused=refused,
                grants=person_grants,
            )
        )
    return results


def offboarding_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get("offboarded") or {}
    results = offboarding_results(
        request.user,
        people=done.get("people", []),
        grants=done.get("grants", []),
        since=done.get("since", 0),
    )
    return render_page(
        request,
        "portal/offboarding_done.html",
        {
            "email": done.get("email", ""),
            "removed": [r for r in results if r.removed],
            "refused": [r for r in results if r.refused and not r.removed],
            "pending": [r for r in results if r.pending],
        },
        title="Offboarding: what happened",
    )


def _hold(items, actor) -> list:
    """With two-person approval on, each business membership becomes a request (a second staff
    member who manages that client approves it); with it off, nothing is held."""
    held = []
    for item in items:
        person = item.person
        h = hold_if_required(
            change=RiskyChange.OFFBOARD_PERSON,
            business=person.business,
            actor=actor,
            summary=f"Offboard {person.name or person.email} from {person.business.name} "
            f"(role {person.get_role_display()}, {len(item.grants)} grant(s))",
            payload={"person_id": person.pk},
        )
        if h is not None:
            held.append(h)
    return held
