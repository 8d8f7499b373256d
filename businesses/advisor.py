"""What an app must request for a use case: data the permission advisor page renders.

Sources: seed 000 (Meta's Authorization page: the three "Example Use Cases" rows, and "if your
app is managing other people's ad accounts, you need advanced access"), seed 002 ("Standard
Access is sufficient if a user or system user makes API calls to assets within the same
Business Manager. However, in order to access assets across Business Managers, Advanced
Access is required"), and DOMAIN.md §3.4, §4 and §8 for the agency use cases."""

from __future__ import annotations

from dataclasses import dataclass

FEATURE = "Marketing API Access Tier (formerly Ads Management Standard Access)"


@dataclass(frozen=True)
class UseCase:
    slug: str
    label: str
    permissions: tuple[str, ...]
    feature: str
    # True: always needs advanced access; False: standard suffices within one Business Manager.
    always_advanced: bool
    why: str
    source: str
    notes: tuple[str, ...] = ()

    def advanced_needed(self, across_businesses: bool) -> bool:
        return self.always_advanced or across_businesses


USE_CASES: tuple[UseCase, ...] = (
    UseCase(
        slug="manage_ads",
        label="Read and manage ads for ad accounts you own or were granted",
        permissions=("ads_management",),
        feature=FEATURE,
        always_advanced=False,
        why="ads_management covers reading and managing the ad accounts the token can reach.",
        source="Meta, Marketing API Authorization page, Example Use Cases",
    ),
    UseCase(
        slug="read_reports",
        label="Read ad reports for ad accounts you own or were granted",
        permissions=("ads_read",),
        feature=FEATURE,
        always_advanced=False,
        why="ads_read is the reporting (Insights) permission; it cannot change anything.",
        source="Meta, Marketing API Authorization page, Example Use Cases",
    ),
    UseCase(
        slug="reports_and_manage",
        label="Pull reports for some clients and manage ads for others",
        permissions=("ads_management", "ads_read"),
        feature=FEATURE,
        always_advanced=False,
        why="Both permissions, each used for the clients that need it.",
        source="Meta, Marketing API Authorization page, Example Use Cases",
    ),
    UseCase(
        slug="manage_client_bms",
        label="Manage clients' Business Managers through the Business Management API",
        permissions=("business_management", "ads_management", "ads_read"),
        feature=FEATURE,
        always_advanced=True,
        why=(
            "The clients' assets live in other Business Managers, and Limited access gives no "
            "Business Manager access to manage ad accounts, user permissions and Pages."
        ),
        source="Meta, Marketing API video “Core Components and Requirements”; Authorization page, access levels",
        notes=("business_management depends on pages_read_engagement and pages_show_list.",),
    ),
    UseCase(
        slug="system_users_at_scale",
        label="Create system users at scale",
        permissions=("business_management",),
        feature=FEATURE,
        always_advanced=True,
        why=(
            "Limited access allows 1 system user and 1 admin system user per business; "
            "Full access allows 10 system users (the admin stays at 1)."
        ),
        source="Meta, Marketing API Authorization page, access levels",
        notes=("System users cannot be deleted through the API; retired ones still count.",),
    ),
    UseCase(
        slug="on_behalf_of",
        label="Onboard clients with Business On Behalf Of",
        permissions=("business_management", "ads_management", "ads_read"),
        feature=FEATURE,
        always_advanced=True,
        why=(
            "On Behalf Of acts in the client's Business Manager, which the agency does not own: "
            "permissions used on businesses you do not own need Full access. The agency's "
            "admin system user token must itself hold business_management and every scope "
            "requested for the client."
        ),
        source="Meta, Business Management API: Business On Behalf Of; Marketing API Authorization page",
        notes=("The client admin logs in through the agency's app with business_management.",),
    ),
)

BY_SLUG = {case.slug: case for case in USE_CASES}
