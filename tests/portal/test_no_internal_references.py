"""Every staff page and every admin page, rendered over demo-like data (the demo's sandbox
world, the agency and its three clients connected and synced, an onboarding under way), says
nothing a person cannot act on: no founding-document numbers, no brief's file name, no
environment variable names, no "as a fraction", tiers only as Meta names them now, and on the
staff pages no raw task codes where Business Settings has a name (issue 9, item 11)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, URLResolver, reverse

from assets.models import Asset, Grant
from businesses.actors import Actor
from businesses.connect import business_connect
from businesses.models import Business
from onboarding.models import Onboarding
from onboarding.services import onboarding_start
from portal.urls import urlpatterns
from sync.run import business_sync
from tests.factories import StaffFactory

# Transactional like the other tests that sync against the sandbox, restoring the migrations'
# data afterwards, so the next serialized test finds the database as the migrations left it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"
ENV_NAMES = sorted(set(re.findall(r'env\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_FILE.read_text())))
FORBIDDEN = [
    re.compile(r"\bseed\s*0\d\d\b", re.I),
    re.compile(r"\bseed's\b", re.I),
    re.compile(r"DOMAIN(\.md| ?§)"),
    re.compile(r"as a fraction"),
    re.compile(r"\((now|formerly) (Full|Limited|Standard|Advanced)\)\s*\((now|formerly)"),
    re.compile(r"(Standard|Advanced) \(now (Limited|Full)\)"),
    re.compile(r"\b(advanced|standard) \(now"),
    # The old tier names in running text ("standard access", "Advanced-access").
    re.compile(r"\b(standard|advanced) access\b|\bAdvanced-access\b"),
    *(re.compile(rf"\b{name}\b") for name in ENV_NAMES),
]
# On the staff pages a task is shown by its Business Settings name, never its code.
RAW_TASKS = re.compile(r"\b(AA_ANALYZE|CREATE_CONTENT|MANAGE_AR)\b")


def _visible_text(html: str) -> str:
    """The page without <script>/<style> and attribute values (ids, class names, links)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def demo_like(connected, staff_groups):
    """The demo's data: every client connected with its admin's token and synced once."""
    for creds in connected.creds["clients"]:
        business_connect(
            business_meta_id=creds["business_id"],
            app=connected.app,
            token=creds["admin_user_token"],
            actor=Actor.system("test"),
        )
    for business in Business.objects.all():
        business_sync(business_id=business.pk, sleep=lambda _s: None)
    admin_user = StaffFactory(username="root", is_superuser=True)
    onboarding_start(
        agency=connected.agency,
        name="Delta Ridge Fitness",
        contact_name="",
        contact_email="",
        client_meta_id=connected.creds["unconnected_client"]["business_id"],
        actor=Actor.staff(admin_user),
    )
    assert Grant.objects.exists() and Asset.objects.filter(kind="catalog").exists()
    return admin_user


def _named(patterns, namespace: str):
    """Every named pattern with its full name, the included apps' pages (portal:security:…)
    too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _named(pattern.url_patterns, f"{namespace}:{pattern.namespace}")
        elif pattern.name:
            yield pattern, f"{namespace}:{pattern.name}"


def _portal_urls() -> list[str]:
    client_pk = Business.objects.filter(is_agency=False).order_by("pk").first().pk
    onboarding_pk = Onboarding.objects.get().pk
    urls = []
    for pattern, name in _named(urlpatterns, "portal"):
        if pattern.name in ("oauth_callback", "client_share", "onboarding_retry"):
            continue  # not staff pages (the client's), or a POST-only action
        if set(pattern.pattern.converters) - {"pk", "business_id", "app_id"}:
            continue  # an action on one delivery or dismissal (POST), not a page
        args = []
        if "business_id" in str(pattern.pattern):
            args = [client_pk]
        elif "<int:pk>" in str(pattern.pattern) and name.startswith("portal:onboarding"):
            args = [onboarding_pk]
        elif "<int:pk>" in str(pattern.pattern):
            continue  # an action on one approval request (POST), not a page
        elif "app_id" in str(pattern.pattern):
            args = [connected_app_pk()]
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            pytest.fail(f"cannot build {name}")
    urls.append(reverse("portal:search") + "?q=a")
    urls.append(reverse("portal:advisor") + "?use_case=on_behalf_of&across=1")
    urls.append(reverse("portal:advisor") + "?use_case=read_reports&across=1")
    return urls


def connected_app_pk() -> int:
    from businesses.models import DeveloperApp

    return DeveloperApp.objects.order_by("pk").first().pk


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls.append(reverse(f"{base}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{base}_change", args=[first.pk]))
            urls.append(reverse(f"{base}_history", args=[first.pk]))
        with contextlib.suppress(NoReverseMatch):
            urls.append(reverse(f"{base}_add"))
    return urls


def _offences(html: str) -> list[str]:
    text = _visible_text(html)
    return [m.group(0) for pattern in FORBIDDEN for m in pattern.finditer(text)]


def test_no_staff_page_shows_an_internal_reference(client, demo_like):
    client.force_login(demo_like)
    found = {}
    for url in _portal_urls():
        response = client.get(url)
        # 405: a POST-only action (e.g. Sync now) has no page of its own to read.
        assert response.status_code in (200, 302, 405), (url, response.status_code)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        offences = _offences(html) + RAW_TASKS.findall(_visible_text(html))
        if offences:
            found[url] = sorted(set(offences))
    assert found == {}


def test_no_admin_page_shows_an_internal_reference(client, demo_like):
    client.force_login(demo_like)
    found = {}
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code != 200:
            continue  # 403 for add pages Meta's rows cannot have, redirects: nothing shown
        offences = _offences(response.content.decode())
        if offences:
            found[url] = sorted(set(offences))
    assert found == {}


def test_the_forbidden_list_catches_what_it_should():
    page = "<p>Source: seed 002; set META_ELIGIBILITY_RULE=seed. 0.1 as a fraction</p>"
    assert len(_offences(page)) >= 3
    assert _offences("<p>Full (formerly Advanced) access needed</p>") == []
