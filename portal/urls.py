"""/admin/portal/…: every page behind the admin login (admin_site.admin_view), except the
Facebook Login callback, which the client's admin reaches from Meta, and the page it leads
them to (their assets to share)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from onboarding import views as onboarding
from portal.views import (
    access,
    advisor,
    drift,
    eligibility,
    home,
    offboarding,
    readiness,
    reports,
    search,
)

app_name = "portal"
v = admin.site.admin_view

urlpatterns = [
    path("", v(home.home), name="home"),
    path("sync-status.json", v(drift.sync_status), name="sync_status"),
    path("clients/<int:business_id>/sync/", v(drift.sync_now), name="sync_now"),
    path("clients/<int:business_id>/drift/", v(drift.drift_list), name="drift"),
    path("clients/<int:business_id>/readiness/", v(readiness.readiness), name="readiness"),
    path("clients/<int:business_id>/access/", v(access.give_access), name="give_access"),
    path("clients/<int:business_id>/access/done/", v(access.access_result), name="access_result"),
    path("clients/<int:business_id>/access.csv", v(reports.access_csv), name="access_csv"),
    path("clients/<int:business_id>/history.csv", v(reports.audit_csv), name="audit_csv"),
    path("reports/", v(reports.reports), name="reports"),
    path("reports/access.csv", v(reports.access_csv_all), name="access_csv_all"),
    path("eligibility/", v(eligibility.eligibility), name="eligibility"),
    path("eligibility/<int:app_id>/", v(eligibility.eligibility), name="eligibility_app"),
    path("advisor/", v(advisor.advisor), name="advisor"),
    path("search/", v(search.search), name="search"),
    path("offboarding/", v(offboarding.offboarding), name="offboarding"),
    path("offboarding/done/", v(offboarding.offboarding_done), name="offboarding_done"),
    path("onboarding/", v(onboarding.onboarding_list), name="onboarding_list"),
    path("onboarding/new/", v(onboarding.onboarding_details), name="onboarding_new"),
    path(
        "onboarding/<int:pk>/client/", v(onboarding.onboarding_details), name="onboarding_details"
    ),
    path("onboarding/<int:pk>/method/", v(onboarding.onboarding_method), name="onboarding_method"),
    path("onboarding/<int:pk>/assets/", v(onboarding.onboarding_assets), name="onboarding_assets"),
    path("onboarding/<int:pk>/review/", v(onboarding.onboarding_review), name="onboarding_review"),
    path("onboarding/<int:pk>/", v(onboarding.onboarding_status), name="onboarding_status"),
    path(
        "onboarding/<int:pk>/status.json",
        v(onboarding.onboarding_status_json),
        name="onboarding_status_json",
    ),
    path("onboarding/<int:pk>/retry/", v(onboarding.onboarding_retry), name="onboarding_retry"),
    path("oauth/callback/", onboarding.oauth_callback, name="oauth_callback"),
    # The client admin's page after Facebook Login: tied to their browser session, not a login.
    path("share/", onboarding.client_share, name="client_share"),
    path("notifications/", include("notifications.urls")),
    path("security/", include("security.urls")),
    path("approvals/", include("approvals.urls")),
]
