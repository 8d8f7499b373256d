"""The security review: risky facts across the clients a staff member manages, each with why it
matters and where to fix it. Computed from the portal's records (kept true by the syncs) in a
fixed number of queries however many clients there are; dismissed findings are filtered out.

Rules (thresholds in settings):
- more active admins in a client than SECURITY_MAX_ADMINS;
- invitations pending for more than SECURITY_STALE_INVITE_DAYS;
- people removed from the agency's own Business Manager who still hold roles in clients;
- admin system users, and system users holding full control of an asset;
- tokens that never expire, or carry scopes no use case of the permission advisor needs
  (businesses/advisor.py: USE_CASES and their notes);
- assets shared with a partner business the agency does not know (not the agency, not a client);
- grants of full control (MANAGE and its kin) to people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetAccess, Grant, PushState
from businesses import scoping
from businesses.advisor import USE_CASES
from businesses.approval_gate import FULL_CONTROL_TASKS
from businesses.models import AccessToken, Business, BusinessUser, PartnerRelationship
from liveaccounts.selectors import live_asset_ids
from security.models import FindingDismissal, FindingKind
from systemusers.models import SystemUser

HIGH, MEDIUM, LOW = 3, 2, 1
RISK_LABELS = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}


# Every scope some use case of the permission advisor needs, plus the dependencies its notes
# name (business_management needs pages_read_engagement and pages_show_list), and
# public_profile, which every Facebook Login grants by default.
NEEDED_SCOPES = frozenset(
    {p for case in USE_CASES for p in case.permissions}
    | {"pages_read_engagement", "pages_show_list", "public_profile"}
)


@dataclass
class Finding:
    business: Business
    kind: FindingKind
    key: str
    risk: int
    title: str
    subject: str
    why: str
    fix_url: str
    fix_label: str
    dismissal: FindingDismissal | None = None
    asset_ids: list[int] = field(default_factory=list)  # the assets it is about, if any
    live: bool = False  # that asset is an ad account running ads or spending (liveaccounts)

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]


@dataclass
class Review:
    findings: list[Finding] = field(default_factory=list)
    dismissed: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {label: 0 for label in RISK_LABELS.values()}
        for f in self.findings:
            out[f.risk_label] += 1
        return out


def _admin(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _who(person) -> str:
    return person.name or person.email or person.meta_id or "?"


def _admins(clients) -> list[Finding]:
    limit = settings.SECURITY_MAX_ADMINS
    out = []
    rows = (
        BusinessUser.objects.filter(
            business__in=clients, role=BusinessUser.Role.ADMIN, status=BusinessUser.Status.ACTIVE
        )
        .values("business_id")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    by_id = {b.pk: b for b in clients}
    for row in rows:
        business = by_id[row["business_id"]]
        out.append(
            Finding(
                business=business,
                kind=FindingKind.ADMINS_OVER_THRESHOLD,
                key=f"{FindingKind.ADMINS_OVER_THRESHOLD}:{row['n']}",
                risk=MEDIUM,
                title=f"{row['n']} admins (more than {limit})",
                subject=f"{row['n']} people hold the admin role",
                why="Every admin can add people, remove the agency and change payment methods; "
                "each is one phished password away from losing the Business Manager.",
                fix_url=reverse("admin:businesses_businessuser_changelist")
                + f"?business__id__exact={business.pk}&role__exact=ADMIN",
                fix_label="Review the admins",
            )
        )
    return out


def _stale_invites(clients, now) -> list[Finding]:
    days = settings.SECURITY_STALE_INVITE_DAYS
    return [
        Finding(
            business=person.business,
            kind=FindingKind.STALE_INVITATION,
            key=f"{FindingKind.STALE_INVITATION}:{person.pk}",
            risk=LOW,
            title=f"Invitation pending more than {days} days",
            subject=f"{person.email or _who(person)} ({person.get_role_display()})",
            why="An invitation nobody accepted can still be accepted by whoever holds the "
            "email, perhaps long after it was meant for them.",
            fix_url=_admin(person),
            fix_label="Cancel or resend the invitation",
        )
        for person in BusinessUser.objects.filter(
            business__in=clients,
            status=BusinessUser.Status.INVITED,
            created_at__lt=now - timedelta(days=days),
        ).select_related("business")
    ]


def _left_agency(clients) -> list[Finding]:
    agencies = Business.objects.filter(is_agency=True)
    still_in = BusinessUser.objects.filter(
        business__in=agencies, status=BusinessUser.Status.ACTIVE
    ).values_list("email", flat=True)
    left = set(
        BusinessUser.objects.filter(business__in=agencies, status=BusinessUser.Status.REMOVED)
        .exclude(email="")
        .exclude(email__in=still_in)
        .values_list("email", flat=True)
    )
    if not left:
        return []
    query = Q()
    for email in left:
        query |= Q(email__iexact=email)
    return [
        Finding(
            business=person.business,
            kind=FindingKind.LEFT_AGENCY,
            key=f"{FindingKind.LEFT_AGENCY}:{person.pk}",
            risk=HIGH,
            title="Left the agency, still has access",
            subject=f"{_who(person)} ({person.get_role_display()})",
            why="This person was removed from the agency's own Business Manager but still "
            "holds a role here: a former employee can still reach the client's assets.",
            fix_url=reverse("portal:offboarding") + f"?email={person.email}",
            fix_label="Offboard them",
        )
        for person in BusinessUser.objects.filter(
            query, business__in=clients, status=BusinessUser.Status.ACTIVE
        ).select_related("business")
    ]


def _system_users(clients) -> list[Finding]:
    out = []
    for su in SystemUser.objects.filter(
        business__in=clients, role=SystemUser.Role.ADMIN, status=SystemUser.Status.ACTIVE
    ).select_related("business"):
        out.append(
            Finding(
                business=su.business,
                kind=FindingKind.ADMIN_SYSTEM_USER,
                key=f"{FindingKind.ADMIN_SYSTEM_USER}:{su.pk}",
                risk=MEDIUM,
                title="Admin system user",
                subject=su.name,
                why="An admin system user's token can do anything in the Business Manager, "
                "including adding admins; a leaked token is a full takeover.",
                fix_url=_admin(su),
                fix_label="Review the system user",
            )
        )
    return out


def _full_control(clients) -> list[Finding]:
    """One finding per holder and client (not per asset), naming the assets."""
    grants = (
        Grant.objects.filter(business__in=clients)
        .exclude(push_state=PushState.REMOVED)
        .select_related("business", "asset", "person", "system_user")
        .order_by("asset__name")
    )
    by_holder: dict[tuple[int, str, int], list[Grant]] = {}
    for grant in grants:
        if set(grant.applied_tasks or grant.tasks) & FULL_CONTROL_TASKS:
            holder = ("s", grant.system_user_id) if grant.system_user_id else ("p", grant.person_id)
            by_holder.setdefault((grant.business_id, *holder), []).append(grant)
    out = []
    for (_biz, kind, holder_id), held in by_holder.items():
        first = held[0]
        names = ", ".join(g.asset.name or g.asset.meta_id for g in held[:4])
        more = f" and {len(held) - 4} more" if len(held) > 4 else ""
        fix_url = (
            _admin(first)
            if len(held) == 1
            else reverse("admin:assets_grant_changelist")
            + (
                f"?system_user__id__exact={holder_id}"
                if kind == "s"
                else f"?person__id__exact={holder_id}"
            )
        )
        if kind == "s":
            finding = Finding(
                business=first.business,
                kind=FindingKind.SYSTEM_USER_FULL_CONTROL,
                key=f"{FindingKind.SYSTEM_USER_FULL_CONTROL}:{holder_id}",
                risk=MEDIUM,
                title="System user with full control",
                subject=f"{first.system_user.name} on {names}{more}",
                why="Software holding full control can hand the asset to anyone; automation "
                "rarely needs more than advertise and analyze.",
                fix_url=fix_url,
                fix_label="Reduce the grants" if len(held) > 1 else "Reduce the grant",
            )
        else:
            finding = Finding(
                business=first.business,
                kind=FindingKind.FULL_CONTROL_GRANT,
                key=f"{FindingKind.FULL_CONTROL_GRANT}:{holder_id}",
                risk=MEDIUM,
                title="Full control granted",
                subject=f"{_who(first.person) if first.person_id else '?'} on {names}{more}",
                why="Full control lets the holder add or remove anyone else on the asset; "
                "most people need advertise and analyze only.",
                fix_url=fix_url,
                fix_label="Reduce the grants" if len(held) > 1 else "Reduce the grant",
            )
        finding.asset_ids = [g.asset_id for g in held]
        out.append(finding)
    return out


def _tokens(clients) -> list[Finding]:
    out = []
    for token in AccessToken.objects.filter(
        business__in=clients, is_active=True, revoked_at__isnull=True
    ).select_related("business"):
        extra = sorted(set(token.scopes or []) - NEEDED_SCOPES)
        if extra:
            out.append(
                Finding(
                    business=token.business,
                    kind=FindingKind.TOKEN_EXTRA_SCOPES,
                    key=f"{FindingKind.TOKEN_EXTRA_SCOPES}:{token.pk}:{','.join(extra)}",
                    risk=MEDIUM,
                    title="Token with scopes the portal does not need",
                    subject=f"{token.get_kind_display()} token {token.masked}: {', '.join(extra)}",
                    why="The permission advisor's use cases need only "
                    f"{', '.join(sorted(NEEDED_SCOPES))}; anything more widens what a leaked "
                    "token exposes.",
                    fix_url=_admin(token),
                    fix_label="Replace the token with fewer scopes",
                )
            )
        if token.expires_at is None:
            out.append(
                Finding(
                    business=token.business,
                    kind=FindingKind.TOKEN_NEVER_EXPIRES,
                    key=f"{FindingKind.TOKEN_NEVER_EXPIRES}:{token.pk}",
                    risk=LOW,
                    title="Token never expires",
                    subject=f"{token.get_kind_display()} token {token.masked}",
                    why="A token without expiry stays usable until someone revokes it: rotate "
                    "it on a schedule and revoke it when the work ends.",
                    fix_url=_admin(token),
                    fix_label="Review the token",
                )
            )
    return out


def _unknown_partners(clients) -> list[Finding]:
    known = (
        Business.objects.filter(
            Q(is_agency=True)
            | Q(staff_assignments__isnull=False)
            | Q(agency_relationships__status=PartnerRelationship.Status.ACTIVE)
        )
        .values("pk")
        .distinct()
    )
    return [
        Finding(
            business=access.asset.owner_business,
            kind=FindingKind.UNKNOWN_PARTNER,
            key=f"{FindingKind.UNKNOWN_PARTNER}:{access.pk}",
            risk=HIGH,
            title="Shared with a partner the agency does not know",
            subject=f"{access.asset.name or access.asset.meta_id} → {access.business.name}",
            why="Another business can use this asset and the agency has no relationship with "
            "it: check the client meant to share it.",
            fix_url=_admin(access),
            fix_label="Review the share",
            asset_ids=[access.asset_id],
        )
        for access in AssetAccess.objects.filter(
            asset__owner_business__in=clients,
            access_type=AssetAccess.AccessType.AGENCY,
            removed_at__isnull=True,
        )
        .exclude(business__in=known)
        .select_related("asset__owner_business", "business")
    ]


RULES = (_admins, _left_agency, _system_users, _full_control, _tokens, _unknown_partners)


def security_review(user, *, business: Business | None = None, now=None) -> Review:
    """Every finding for the clients the user manages (or one of them), riskiest first."""
    now = now or timezone.now()
    clients_qs = Business.objects.filter(is_agency=False)
    if user is not None:  # None: the whole agency (the weekly digest fans out per client)
        clients_qs = scoping.scope(clients_qs, user, "")
    if business is not None:
        clients_qs = clients_qs.filter(pk=business.pk)
    clients = list(clients_qs)
    found: list[Finding] = []
    for rule in RULES:
        found += rule(clients)
    found += _stale_invites(clients, now)
    dismissals = {
        (d.business_id, d.key): d
        for d in FindingDismissal.objects.filter(business__in=clients).select_related(
            "dismissed_by"
        )
    }
    live = live_asset_ids(a for f in found for a in f.asset_ids)
    for finding in found:
        finding.live = any(a in live for a in finding.asset_ids)
    review = Review()
    # Riskiest first; at equal risk, what touches a live account (money is moving) first.
    ordered = sorted(
        found, key=lambda f: (-f.risk, not f.live, f.business.name, f.title, f.subject)
    )
    for finding in ordered:
        finding.dismissal = dismissals.get((finding.business.pk, finding.key))
        (review.dismissed if finding.dismissal else review.findings).append(finding)
    return review
