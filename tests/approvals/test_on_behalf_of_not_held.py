"""On Behalf Of onboarding is not a bypass of two-person approval, and this pins why.

1. The system user it creates in the client is an employee, never an admin: Meta's OBO system
   user "has employee access, only assigned assets" (DOMAIN.md §4, step 4), and the portal
   reserves it as EMPLOYEE. So "creating an admin system user" never happens here.
2. The relationship (step 1) and every asset assignment, full control included (step 4), are
   made with the client admin's own user token, from the Facebook Login (or pasted by them):
   Meta refuses them without it. The client's admin is the second person who said yes; approval
   guards a staff member acting alone in a client, which this is not.
If either changes (an admin role, or assignments made with the agency's token), hold it."""

from __future__ import annotations

import pytest

from approvals.models import ChangeRequest
from approvals.services import approval_policy_set
from assets.models import Grant
from businesses.actors import Actor
from businesses.models import Business
from onboarding.models import Onboarding
from systemusers.models import SystemUser
from tests.factories import StaffFactory
from tests.onboarding.test_onboarding_flow import _wizard
from tests.portal.conftest import staff_groups  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_on_behalf_of_with_full_control_and_approval_on_runs_without_a_request(
    client,
    connected,
    staff_groups,  # noqa: F811
):
    approval_policy_set(
        agency=connected.agency, enabled=True, expires_after_hours=48, actor=Actor.system()
    )
    client.force_login(StaffFactory(username="carol", group="Account manager"))
    delta = connected.creds["unconnected_client"]

    onboarding = _wizard(
        client,
        connected,
        method="on_behalf_of",
        token=delta["admin_user_token"],
        items={"ad_account_preset": "full_control", "page_preset": "analyst"},
    )

    assert onboarding.status == Onboarding.Status.DONE
    client_business = Business.objects.get(meta_id=delta["business_id"])
    system_user = SystemUser.objects.get(business=client_business, origin="on_behalf_of")
    assert system_user.role == SystemUser.Role.EMPLOYEE
    managed = Grant.objects.filter(system_user=system_user, asset__kind="ad_account")
    assert managed.exists() and all("MANAGE" in g.applied_tasks for g in managed)
    assert not ChangeRequest.objects.exists()
