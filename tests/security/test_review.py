"""The security review: each rule, scoping, sorting, CSV, dismissal with a reason (audited),
and the weekly digest through the notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetAccess, AssetKind
from businesses.actors import Actor
from businesses.models import AccessToken, AuditEvent, BusinessUser
from businesses.services import token_store
from notifications.models import Event, EventKind
from security.review import security_review
from security.services import finding_dismiss, security_digest_raise
from systemusers.models import SystemUser
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)


def _kinds(review):
    return [f.kind for f in review.findings]


def test_more_admins_than_the_threshold_is_a_finding(cast, settings):
    settings.SECURITY_MAX_ADMINS = 2
    for _ in range(3):
        PersonFactory(business=cast.client_a, role=BusinessUser.Role.ADMIN)

    assert _kinds(security_review(cast.alice)) == ["admins_over_threshold"]


def test_admins_within_the_threshold_are_fine(cast, settings):
    settings.SECURITY_MAX_ADMINS = 3
    for _ in range(3):
        PersonFactory(business=cast.client_a, role=BusinessUser.Role.ADMIN)

    assert _kinds(security_review(cast.alice)) == []


def test_an_invitation_pending_too_long_is_a_finding(cast, settings):
    settings.SECURITY_STALE_INVITE_DAYS = 14
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        PersonFactory(business=cast.client_a, meta_id=None, status=BusinessUser.Status.INVITED)
    PersonFactory(business=cast.client_a, meta_id=None, status=BusinessUser.Status.INVITED)

    assert _kinds(security_review(cast.alice)) == ["stale_invitation"]


def test_someone_who_left_the_agency_but_holds_a_client_role_is_high_risk(cast):
    PersonFactory(business=cast.agency, email="gone@agency.example", status="removed")
    PersonFactory(business=cast.client_a, email="Gone@agency.example", name="Gus Gone")

    [finding] = security_review(cast.alice).findings
    assert (finding.kind, finding.risk_label) == ("left_agency", "High")
    assert finding.fix_url == reverse("portal:offboarding") + "?email=Gone@agency.example"


def test_admin_system_users_and_system_users_with_full_control_are_findings(cast):
    SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1)
    bot = SystemUserFactory(business=cast.client_a, slot=1)
    asset = AssetFactory(owner_business=cast.client_a)
    GrantFactory(
        asset=asset,
        person=None,
        system_user=bot,
        business=cast.client_a,
        tasks=["MANAGE"],
        applied_tasks=["MANAGE"],
    )

    assert sorted(_kinds(security_review(cast.alice))) == [
        "admin_system_user",
        "system_user_full_control",
    ]


def test_a_full_control_grant_to_a_person_is_a_finding_and_advertise_is_not(cast):
    asset = AssetFactory(owner_business=cast.client_a)
    GrantFactory(asset=asset, tasks=["MANAGE", "ADVERTISE"], applied_tasks=["MANAGE", "ADVERTISE"])
    GrantFactory(asset=asset, tasks=["ADVERTISE"], applied_tasks=["ADVERTISE"])

    assert _kinds(security_review(cast.alice)) == ["full_control_grant"]


def test_tokens_that_never_expire_or_carry_unneeded_scopes_are_findings(cast):
    token = token_store(
        token="EAAB" + "t" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=cast.client_a,
        scopes=["business_management", "ads_read", "pages_manage_posts"],
        actor=Actor.system(),
    )

    findings = security_review(cast.alice).findings
    assert sorted(f.kind for f in findings) == ["token_extra_scopes", "token_never_expires"]
    extra = next(f for f in findings if f.kind == "token_extra_scopes")
    assert "pages_manage_posts" in extra.subject and "ads_read" not in extra.subject
    assert token.masked in extra.subject and "EAAB" not in extra.subject


def test_an_asset_shared_with_an_unknown_partner_is_high_risk(cast):
    stranger = BusinessFactory(name="Stranger Media")
    asset = AssetFactory(owner_business=cast.client_a, kind=AssetKind.AD_ACCOUNT)
    AssetAccess.objects.create(asset=asset, business=stranger, access_type="AGENCY")
    AssetAccess.objects.create(asset=asset, business=cast.agency, access_type="AGENCY")

    [finding] = security_review(cast.alice).findings
    assert (finding.kind, finding.risk_label) == ("unknown_partner", "High")
    assert "Stranger Media" in finding.subject


def test_findings_are_sorted_by_risk(cast):
    PersonFactory(business=cast.agency, email="gone@agency.example", status="removed")
    PersonFactory(business=cast.client_a, email="gone@agency.example")
    SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1)

    assert [f.risk_label for f in security_review(cast.alice).findings] == ["High", "Medium"]


def test_staff_see_only_their_clients_findings(cast, client):
    SystemUserFactory(business=cast.client_b, role=SystemUser.Role.ADMIN, slot=1, name="Birch bot")
    client.force_login(cast.alice)

    page = client.get(reverse("portal:security:review")).content.decode()
    assert "Birch bot" not in page
    assert (
        client.get(reverse("portal:security:review") + f"?client={cast.client_b.pk}").status_code
        == 404
    )


def test_dismissing_needs_a_reason_hides_the_finding_and_is_audited(cast, client):
    su = SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1)
    client.force_login(cast.alice)
    url = reverse("portal:security:dismiss")
    key = f"admin_system_user:{su.pk}"

    client.post(url, {"client": cast.client_a.pk, "key": key, "reason": ""})
    assert len(security_review(cast.alice).findings) == 1

    client.post(url, {"client": cast.client_a.pk, "key": key, "reason": "Our deploy bot."})
    review = security_review(cast.alice)
    assert review.findings == [] and review.dismissed[0].dismissal.reason == "Our deploy bot."
    event = AuditEvent.objects.get(action="security.dismiss")
    assert event.actor == cast.alice and "Our deploy bot." in event.summary


def test_auditors_see_the_review_but_cannot_dismiss(cast, client):
    auditor = StaffFactory(
        username="audrey", group="Auditor (read-only)", businesses=[cast.client_a]
    )
    su = SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1)
    client.force_login(auditor)

    page = client.get(reverse("portal:security:review")).content.decode()
    response = client.post(
        reverse("portal:security:dismiss"),
        {"client": cast.client_a.pk, "key": f"admin_system_user:{su.pk}", "reason": "x"},
    )

    assert su.name in page and 'value="Dismiss"' not in page
    assert response.status_code == 403


def test_a_finding_of_another_client_cannot_be_dismissed(cast):
    su = SystemUserFactory(business=cast.client_b, role=SystemUser.Role.ADMIN, slot=1)

    with pytest.raises(ValidationError):
        finding_dismiss(
            user=cast.alice,
            business=cast.client_b,
            key=f"admin_system_user:{su.pk}",
            reason="mine now",
            actor=Actor.staff(cast.alice),
        )


def test_the_csv_lists_each_open_finding_with_its_fix(cast, client):
    SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1, name="Ops bot")
    client.force_login(cast.alice)

    body = client.get(reverse("portal:security:csv")).content.decode()

    lines = body.strip().splitlines()
    assert lines[0].startswith("risk,client,")
    assert "Ops bot" in lines[1] and "Acme Outdoor" in lines[1] and "http" in lines[1]


def test_the_weekly_digest_raises_one_event_per_client_per_week(cast):
    SystemUserFactory(business=cast.client_a, role=SystemUser.Role.ADMIN, slot=1)

    assert security_digest_raise() == 1
    assert security_digest_raise() == 0
    event = Event.objects.get()
    assert event.kind == EventKind.SECURITY_REVIEW and event.business == cast.client_a
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        assert security_digest_raise() == 1


def test_full_control_on_several_assets_is_one_finding_per_holder(cast):
    person = PersonFactory(business=cast.client_a, name="Olga Owner")
    for n in range(5):
        GrantFactory(
            asset=AssetFactory(owner_business=cast.client_a, name=f"Account {n}"),
            person=person,
            tasks=["MANAGE"],
            applied_tasks=["MANAGE"],
        )

    [finding] = security_review(cast.alice).findings
    assert finding.subject == "Olga Owner on Account 0, Account 1, Account 2, Account 3 and 1 more"
    assert finding.fix_url.endswith(f"?person__id__exact={person.pk}")
