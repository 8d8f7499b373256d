"""Meta's task names per asset kind, as first seeded into the TaskDefinition table.

Sources: the official SDK's enums (facebook-python-business-sdk adobjects: AdAccount.Tasks,
Page.Tasks, AdsPixel.Tasks, ProductCatalog.Tasks, InstagramBusinessAsset.Tasks), DOMAIN.md §2.2.
Labels are the names Meta's Business Settings shows for each permission (Meta Business Help
Center, "Business portfolio assets and their task-based permissions": ad account "Manage
campaigns" / "View performance" / "Manage Creative Hub mockups"; Page and Instagram "Content",
"Community activity", "Messages", "Ads", "Insights"; catalog "Manage catalog" / "Create ads"),
and for datasets (pixels) the names of Meta's pixel-sharing guide.
This is only the seed: the table is the vocabulary and grows in the admin when Meta changes it
(Page task names are in flux — DOMAIN.md decision 6)."""

from __future__ import annotations

TASKS: dict[str, list[tuple[str, str]]] = {
    "ad_account": [
        ("MANAGE", "Manage ad account (full control)"),
        ("ADVERTISE", "Manage campaigns"),
        ("ANALYZE", "View performance"),
        ("DRAFT", "Manage Creative Hub mockups"),
        ("AA_ANALYZE", "Facebook Analytics (retired)"),
    ],
    "page": [
        ("MANAGE", "Everything (full control)"),
        ("CREATE_CONTENT", "Content"),
        ("MODERATE", "Community activity"),
        ("MESSAGING", "Messages and calls"),
        ("ADVERTISE", "Ads"),
        ("ANALYZE", "Insights"),
        ("MODERATE_COMMUNITY", "Moderate community"),
        ("MANAGE_JOBS", "Manage jobs"),
        ("MANAGE_LEADS", "Manage leads"),
        ("PAGES_MESSAGING", "Pages messaging"),
        ("PAGES_MESSAGING_SUBSCRIPTIONS", "Pages messaging subscriptions"),
        ("READ_PAGE_MAILBOXES", "Read page mailboxes"),
        ("VIEW_MONETIZATION_INSIGHTS", "View monetization insights"),
        ("CASHIER_ROLE", "Cashier"),
        ("GLOBAL_STRUCTURE_MANAGEMENT", "Global structure management"),
        ("PROFILE_PLUS_FULL_CONTROL", "Full control (new Pages)"),
        ("PROFILE_PLUS_MANAGE", "Manage (new Pages)"),
        ("PROFILE_PLUS_FACEBOOK_ACCESS", "Facebook access (new Pages)"),
        ("PROFILE_PLUS_CREATE_CONTENT", "Create content (new Pages)"),
        ("PROFILE_PLUS_MODERATE", "Moderate (new Pages)"),
        ("PROFILE_PLUS_MODERATE_DELEGATE_COMMUNITY", "Moderate community (new Pages)"),
        ("PROFILE_PLUS_MESSAGING", "Messaging (new Pages)"),
        ("PROFILE_PLUS_ADVERTISE", "Advertise (new Pages)"),
        ("PROFILE_PLUS_ANALYZE", "Analyze (new Pages)"),
        ("PROFILE_PLUS_REVENUE", "Revenue (new Pages)"),
        ("PROFILE_PLUS_MANAGE_LEADS", "Manage leads (new Pages)"),
        ("PROFILE_PLUS_GLOBAL_STRUCTURE_MANAGEMENT", "Global structure (new Pages)"),
        ("PROFILE_PLUS_CREATIVE_MANAGEMENT", "Creative management (new Pages)"),
        ("PROFILE_PLUS_CREATOR_MANAGEMENT", "Creator management (new Pages)"),
    ],
    "pixel": [
        ("AA_ANALYZE", "Facebook Analytics (retired)"),
        ("ADVERTISE", "Connect ad accounts to this dataset"),
        ("ANALYZE", "View, analyze and advertise"),
        ("EDIT", "Edit dataset (allow-listed)"),
        ("UPLOAD", "Upload website conversion data"),
    ],
    "catalog": [
        ("MANAGE", "Manage catalog"),
        ("ADVERTISE", "Create ads"),
        ("MANAGE_AR", "Manage AR effects"),
        ("AA_ANALYZE", "Facebook Analytics (retired)"),
    ],
    "instagram_account": [
        ("ADVERTISE", "Ads"),
        ("ANALYZE", "Insights"),
        ("COMMUNITY_ACTIVITY", "Community activity"),
        ("CONTENT", "Content"),
        ("MESSAGES", "Messages"),
    ],
}

# Presets staff pick from; each is a documented task set per asset kind (DOMAIN.md §2.2:
# Reporting only = ANALYZE; General user = ADVERTISE+ANALYZE; Admin = MANAGE+ADVERTISE+ANALYZE).
PRESETS: dict[str, tuple[str, str, dict[str, list[str]]]] = {
    "analyst": (
        "Analyst",
        "Read reports only.",
        {
            "ad_account": ["ANALYZE"],
            "page": ["ANALYZE"],
            "pixel": ["ANALYZE"],
            "catalog": ["AA_ANALYZE"],
            "instagram_account": ["ANALYZE"],
        },
    ),
    "media_buyer": (
        "Media buyer",
        "Create and run ads, read their results.",
        {
            "ad_account": ["ADVERTISE", "ANALYZE"],
            "page": ["ADVERTISE", "ANALYZE"],
            "pixel": ["ADVERTISE", "ANALYZE"],
            "catalog": ["ADVERTISE"],
            "instagram_account": ["ADVERTISE", "ANALYZE"],
        },
    ),
    "full_control": (
        "Full control",
        "Everything, including managing who else has access.",
        {
            "ad_account": ["MANAGE", "ADVERTISE", "ANALYZE"],
            "page": ["MANAGE", "CREATE_CONTENT", "MODERATE", "ADVERTISE", "ANALYZE"],
            "pixel": ["EDIT", "UPLOAD", "ADVERTISE", "ANALYZE"],
            "catalog": ["MANAGE", "ADVERTISE"],
            "instagram_account": [
                "CONTENT",
                "COMMUNITY_ACTIVITY",
                "MESSAGES",
                "ADVERTISE",
                "ANALYZE",
            ],
        },
    ),
}
