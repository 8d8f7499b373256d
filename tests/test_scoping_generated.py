"""Every surface, generated: each portal URL (from the URL conf), each admin changelist, change,
history and delete page, each admin action (from the admin registry) and each export, for the
three staff roles, on their own client and on another client.

- Another client's object is a 404 (or, where the role may not open that page at all, the same
  refusal as for its own client); listings and exports name nothing of the other client.
- The Auditor writes nothing anywhere (a fingerprint of every table is compared).

The tables below hold only the parameters each URL or model needs; a URL, model or action
without an entry fails ``test_every_*_has_an_entry``, so a new page cannot skip this test.

One world is built per module (inside a transaction rolled back at the end); each test runs in
a savepoint on top of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assets.models import AssetAccess, AssetGroup, AssetKind
from businesses.actors import Actor
from businesses.models import (
    AccessToken,
    AuditEvent,
    GraphCall,
    PartnerRelationship,
    StaffAssignment,
)
from businesses.services import token_store
from liveaccounts.models import AccountActivity
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    DeveloperAppFactory,
    GrantFactory,
    PersonFactory,
    StaffFactory,
    SystemUserFactory,
)

ROLES = ("Agency admin", "Account manager", "Auditor (read-only)")
AUDITOR = "Auditor (read-only)"
OURS = ("businesses", "assets", "systemusers")
# Everything of the other client carries this word; nothing else does.
OTHER_MARK = "Zebra"


# --- the world --------------------------------------------------------------------------------


@dataclass
class Side:
    business: Any
    objects: dict[str, Any] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)


@dataclass
class World:
    own: Side
    other: Side
    users: dict[str, Any]
    agency: Any
    app: Any
    dana_email: str

    def side(self, name: str) -> Side:
        return self.own if name == "own" else self.other


def _client_objects(agency, business, *, label: str, dana, robot, staff) -> Side:
    now = timezone.now()
    asset = AssetFactory(
        owner_business=business, kind=AssetKind.AD_ACCOUNT, name=f"{label} ad account"
    )
    page = AssetFactory(owner_business=business, kind=AssetKind.PAGE, name=f"{label} page")
    access = AssetAccess.objects.create(
        asset=asset,
        business=agency,
        access_type=AssetAccess.AccessType.AGENCY,
        permitted_tasks=["ADVERTISE", "ANALYZE"],
    )
    person = PersonFactory(
        business=business, name=f"{label} person", email=f"{label.lower()}@client.example"
    )
    system_user = SystemUserFactory(business=business, name=f"{label} system user", slot=1)
    grant = GrantFactory(asset=asset, person=person, business=business)
    GrantFactory(asset=page, person=None, system_user=system_user, business=business)
    # The agency's own person and system user hold tasks on the client's assets too.
    dana_grant = GrantFactory(asset=asset, person=dana, business=agency)
    # A client may own a developer app of its own (its name and eligibility are its business).
    own_app = DeveloperAppFactory(name=f"{label} app", owner_business=business)
    GrantFactory(asset=page, person=None, system_user=robot, business=agency)
    group = AssetGroup.objects.create(
        business=business, meta_id=asset.meta_id.removeprefix("act_"), name=f"{label} group"
    )
    group.assets.add(asset)
    token = token_store(
        token="EAAB" + label[0] * 40 + business.meta_id[-4:],
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        scopes=["ads_management", "business_management"],
        actor=Actor.system(),
    )
    run = SyncRun.objects.create(business=business, status=SyncRun.Status.SUCCEEDED)
    drift = DriftEvent.objects.create(
        business=business, sync_run=run, kind=DriftEvent.Kind.values[0], summary=f"{label} drift"
    )
    # The agency's sync notes what changed on the client's assets it can reach.
    DriftEvent.objects.create(
        business=agency,
        sync_run=None,
        kind=DriftEvent.Kind.GRANT_ADDED,
        summary=f"Dana got ADVERTISE on {asset.meta_id} ({label}) outside the portal.",
        details={"asset": asset.meta_id},
    )
    relationship = PartnerRelationship.objects.create(
        agency=agency, client=business, status=PartnerRelationship.Status.ACTIVE
    )
    assignment = StaffAssignment.objects.get_or_create(user=staff, business=business)[0]
    onboarding = Onboarding.objects.create(
        agency=agency,
        client_business=business,
        client_meta_id=business.meta_id,
        name=f"{label} onboarding",
        method=Onboarding.Method.ON_BEHALF_OF,
        oauth_state=f"{label}-state",
    )
    call = GraphCall.objects.create(
        at=now, business_meta_id=business.meta_id, method="GET", path=f"/v25.0/{asset.meta_id}"
    )
    # The agency's connection reads the client's assets too: its ledger names them.
    GraphCall.objects.create(
        at=now,
        business_meta_id=agency.meta_id,
        method="GET",
        path=f"/v25.0/{asset.meta_id}/assigned_users",
    )
    audit = AuditEvent.objects.create(
        actor_label="test",
        source=AuditEvent.Source.SYSTEM,
        action="test.event",
        business=business,
        target_type="businesses.business",
        target_id=str(business.pk),
        summary=f"{label} was looked at",
    )
    # The agency's history records its people's grants in every client.
    AuditEvent.objects.create(
        actor_label="test",
        source=AuditEvent.Source.SYSTEM,
        action="grant.revoke",
        business=agency,
        target_type="assets.grant",
        target_id=str(dana_grant.pk),
        summary=f"Asked to remove Dana's access to {asset.name}.",
    )
    # Which of the client's ad accounts are live (read with the client's token).
    activity = AccountActivity.objects.create(asset=asset, active_ads=3, is_live=True)
    objects = {
        "liveaccounts.accountactivity": activity,
        "businesses.business": business,
        "businesses.developerapp": own_app,
        "businesses.partnerrelationship": relationship,
        "businesses.staffassignment": assignment,
        "businesses.businessuser": person,
        "businesses.accesstoken": token,
        "businesses.graphcall": call,
        "sync.syncrun": run,
        "sync.driftevent": drift,
        "businesses.auditevent": audit,
        "onboarding.onboarding": onboarding,
        "assets.asset": asset,
        "assets.assetaccess": access,
        "assets.assetgroup": group,
        "assets.grant": grant,
        "systemusers.systemuser": system_user,
    }
    markers = [label, business.meta_id, asset.meta_id, page.meta_id, person.email]
    return Side(business=business, objects=objects, markers=markers)


def _build_world() -> World:
    app = DeveloperAppFactory(name="Northwind app")
    agency = BusinessFactory(name="Northwind Media", is_agency=True, app=app)
    app.owner_business = agency
    app.save()
    own = BusinessFactory(name="Acme Outdoor", app=app)
    other = BusinessFactory(name=f"{OTHER_MARK} Bakery", app=app)
    token_store(
        token="EAAB" + "n" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        purpose=AccessToken.Purpose.CONNECTION,
        business=agency,
        actor=Actor.system(),
    )
    dana = PersonFactory(business=agency, name="Dana Agency", email="dana@northwind.example")
    robot = SystemUserFactory(business=agency, name="Northwind robot", slot=1)
    # Each role is assigned to the agency and its own client, as the demo does.
    users = {
        role: StaffFactory(username=f"u{i}", group=role, businesses=[agency])
        for i, role in enumerate(ROLES)
    }
    colleague = StaffFactory(username="colleague", group="Account manager")
    own_side = _client_objects(
        agency, own, label="Acme", dana=dana, robot=robot, staff=users["Account manager"]
    )
    for user in users.values():
        StaffAssignment.objects.get_or_create(user=user, business=own)
    other_side = _client_objects(
        agency, other, label=OTHER_MARK, dana=dana, robot=robot, staff=colleague
    )
    return World(
        own=own_side,
        other=other_side,
        users=users,
        agency=agency,
        app=app,
        dana_email=dana.email,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- helpers ----------------------------------------------------------------------------------


def _fingerprint() -> tuple:
    """Every row of every table of ours, hashed in one query: any write changes it."""
    parts = []
    for label in OURS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            parts.append(
                f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.{pk}), '')) FROM {table} t)"
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return cursor.fetchone()


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _leaked(world: World, body: str, asked: tuple = ()) -> list[str]:
    """The other client's markers in a page, except what the request itself asked about (a
    page may repeat the id it was given)."""
    return [m for m in world.other.markers if m in body and m not in asked]


def _login(client, world: World, role: str):
    client.force_login(world.users[role])
    return world.users[role]


# --- the portal -------------------------------------------------------------------------------


def _url_names(namespace: str) -> list[str]:
    def walk(patterns, current):
        for p in patterns:
            if isinstance(p, URLResolver):
                # Nested namespaces (portal:notifications:…) belong to their parent's walk.
                inner = f"{current}:{p.namespace}" if current and p.namespace else p.namespace
                yield from walk(p.url_patterns, inner or current)
            elif (
                isinstance(p, URLPattern)
                and p.name
                and current
                and (current == namespace or current.startswith(f"{namespace}:"))
            ):
                yield f"{current}:{p.name}"

    return sorted(set(walk(get_resolver().url_patterns, None)))


def _portal_names() -> list[str]:
    return _url_names("portal")


def _admin_page_names() -> list[str]:
    """The admin's own URLs besides each model's changelist/add/change/history/delete:
    the index, Django's pages, and pages added with get_urls()."""
    standard = re.compile(r"^admin:\w+_(changelist|add|history|delete|change)$")
    return [n for n in _url_names("admin") if not standard.match(n)]


# Parameter tokens, resolved against the side under test.
CLIENT, ONBOARDING, APP, OTHER_ASSET_ID, ASSET_PK, HOLDER, DANA = (
    "<client>",
    "<onboarding>",
    "<app>",
    "<the other client's asset id>",
    "<asset pk>",
    "<holder>",
    "<dana>",
)


@dataclass
class Url:
    kwargs: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    post: dict[str, Any] = field(default_factory=dict)
    public: bool = False  # reached by the client's admin from Meta, not behind the login


# What each portal URL needs: a business, an onboarding… Listings get a query that matches
# everything (names with an "e"), so anything of the other client would show.
PORTAL_URLS: dict[str, Url] = {
    "portal:home": Url(),
    # "Why can't we see this asset?", asked on the own client's page about the other's asset.
    "portal:readiness": Url(kwargs={"business_id": CLIENT}, query={"asset_id": OTHER_ASSET_ID}),
    "portal:give_access": Url(
        kwargs={"business_id": CLIENT},
        post={"holder": HOLDER, "assets": [ASSET_PK], "preset": "analyst"},
    ),
    "portal:access_result": Url(kwargs={"business_id": CLIENT}),
    "portal:access_csv": Url(kwargs={"business_id": CLIENT}),
    "portal:audit_csv": Url(kwargs={"business_id": CLIENT}),
    "portal:reports": Url(),
    "portal:access_csv_all": Url(),
    "portal:eligibility": Url(),
    "portal:eligibility_app": Url(kwargs={"app_id": APP}),
    "portal:advisor": Url(query={"use_case": "manage_ads", "across": "1"}),
    "portal:search": Url(query={"q": "e"}),
    "portal:offboarding": Url(query={"email": DANA}, post={"email": DANA, "confirm": "yes"}),
    "portal:onboarding_list": Url(),
    "portal:onboarding_new": Url(post={"name": "New client", "client_meta_id": "123456789012345"}),
    "portal:onboarding_details": Url(kwargs={"pk": ONBOARDING}),
    "portal:onboarding_method": Url(kwargs={"pk": ONBOARDING}, post={"method": "on_behalf_of"}),
    "portal:onboarding_assets": Url(kwargs={"pk": ONBOARDING}),
    "portal:onboarding_review": Url(kwargs={"pk": ONBOARDING}),
    "portal:onboarding_status": Url(kwargs={"pk": ONBOARDING}),
    "portal:onboarding_status_json": Url(kwargs={"pk": ONBOARDING}),
    "portal:onboarding_retry": Url(kwargs={"pk": ONBOARDING}),
    "portal:oauth_callback": Url(public=True, query={"state": "nope", "code": "x"}),
    # The client admin's page after Facebook Login: tied to that browser session, no staff login.
    "portal:client_share": Url(public=True),
    "portal:drift": Url(kwargs={"business_id": CLIENT}),
    "portal:sync_now": Url(kwargs={"business_id": CLIENT}, post={"next": "/admin/portal/"}),
    # Progress of the listed clients' syncs: asked about the other client, it answers nothing.
    "portal:sync_status": Url(query={"b": CLIENT}),
    "portal:offboarding_done": Url(),
    # Each staff member's own alerts: settings, a test message, one delivery sent again (an id
    # that is not theirs is a 404: tests/notifications).
    "portal:notifications:settings": Url(),
    "portal:notifications:test": Url(),
    "portal:notifications:retry": Url(kwargs={"delivery_id": "999999"}),
    # The security review across the staff member's clients, its CSV, dismissing and restoring.
    "portal:security:review": Url(),
    "portal:security:csv": Url(),
    "portal:security:dismiss": Url(post={"business": CLIENT, "key": "x", "reason": "test"}),
    "portal:security:restore": Url(kwargs={"dismissal_id": "999999"}),
    # Approval requests of the staff member's clients (deciding another's: tests/approvals).
    "portal:approvals:list": Url(),
    "portal:approvals:decide": Url(kwargs={"pk": "999999"}),
    "portal:approvals:policy": Url(),
}


# The admin's own pages (everything get_urls() adds lands here too). None: Django's pages that
# hold no client data (login, logout, translations, the "view on site" redirect).
ADMIN_PAGES: dict[str, Url | None] = {
    "admin:index": Url(),
    "admin:app_list": Url(kwargs={"app_label": "businesses"}),
    "admin:autocomplete": None,  # test_autocomplete_offers_nothing_of_another_client
    "admin:jsi18n": None,
    "admin:login": None,
    "admin:logout": None,
    "admin:password_change": None,
    "admin:password_change_done": None,
    "admin:view_on_site": None,
    "admin:businesses_business_connect": Url(
        post={"business_meta_id": "123456789012345", "token": "EAAB" + "q" * 40}
    ),
}


def test_every_admin_page_has_an_entry():
    missing = [name for name in _admin_page_names() if name not in ADMIN_PAGES]
    assert not missing, f"Add these admin pages to ADMIN_PAGES (and scope them): {missing}"


URLS: dict[str, Url] = {
    **PORTAL_URLS,
    **{name: spec for name, spec in ADMIN_PAGES.items() if spec is not None},
}


def _resolve(value: Any, world: World, side: Side) -> Any:
    if isinstance(value, list):
        return [_resolve(v, world, side) for v in value]
    objects = side.objects
    return {
        CLIENT: side.business.pk,
        ONBOARDING: objects["onboarding.onboarding"].pk,
        APP: objects["businesses.developerapp"].pk,
        OTHER_ASSET_ID: world.other.objects["assets.asset"].meta_id,
        ASSET_PK: objects["assets.asset"].pk,
        HOLDER: f"p{objects['businesses.businessuser'].pk}",
        DANA: world.dana_email,
    }.get(value, value)


def _portal_request(client, world, name, side_name, method="get"):
    spec = URLS[name]
    side = world.side(side_name)
    url = reverse(name, kwargs={k: _resolve(v, world, side) for k, v in spec.kwargs.items()})
    if method == "get":
        query = {k: _resolve(v, world, side) for k, v in spec.query.items()}
        return client.get(url, query)
    data = {k: _resolve(v, world, side) for k, v in spec.post.items()}
    return client.post(url, data)


def test_every_portal_url_has_an_entry():
    missing = [name for name in _portal_names() if name not in PORTAL_URLS]
    assert not missing, f"Add these portal URLs to PORTAL_URLS (and scope them): {missing}"


def test_the_portal_url_table_names_only_real_urls():
    assert set(PORTAL_URLS) <= set(_portal_names())


PORTAL_CASES = [(name, role) for name in URLS for role in ROLES]


@pytest.mark.parametrize(("name", "role"), PORTAL_CASES)
def test_portal_pages_show_nothing_of_another_client(client, world, db, name, role):
    spec = URLS[name]
    _login(client, world, role)
    own = _portal_request(client, world, name, "own")
    other = _portal_request(client, world, name, "other")
    assert own.status_code < 500 and other.status_code < 500
    if spec.public:
        return
    if _scoped(spec):
        assert own.status_code != 404, f"{name}: the own client's page is hidden"
        # A page the role may not open at all (or not with GET) is refused alike for any
        # client: no oracle.
        allowed = {404, own.status_code} if own.status_code in (403, 405) else {404}
        assert other.status_code in allowed, f"{name} answers for another client"
    asked = tuple(str(_resolve(v, world, world.own)) for v in spec.query.values())
    leaked = _leaked(world, _body(other)) + _leaked(world, _body(own), asked)
    assert not leaked, f"{name} shows another client's {leaked}"


def _scoped(spec: Url) -> bool:
    return any(v in (CLIENT, ONBOARDING, APP) for v in spec.kwargs.values())


# Posts that must not write: any role on another client's page, the Auditor everywhere.
POST_CASES = [
    (name, role)
    for name, spec in URLS.items()
    for role in ROLES
    if not spec.public and (_scoped(spec) or role == AUDITOR)
]


@pytest.mark.parametrize(("name", "role"), POST_CASES)
def test_posting_to_a_portal_page_never_writes_for_another_client_or_the_auditor(
    client, world, db, name, role
):
    _login(client, world, role)
    before = _fingerprint()
    sides = ("own", "other") if role == AUDITOR else ("other",)
    for side in sides:
        response = _portal_request(client, world, name, side, method="post")
        assert response.status_code < 500
        assert _fingerprint() == before, f"POST {name} ({side} client) wrote as {role}"


# --- the admin --------------------------------------------------------------------------------


SHARED = "shared"  # agency-wide data (the task vocabulary): no client to scope by
HIDDEN = "hidden"  # not for staff groups at all (users, groups, login throttling, schedules)

# What each registered model needs: its object for a side, or what it is.
ADMIN_MODELS: dict[str, str] = {
    "auth.group": HIDDEN,
    "auth.user": HIDDEN,
    "django_celery_beat.periodictask": HIDDEN,
    "django_celery_beat.clockedschedule": HIDDEN,
    "django_celery_beat.crontabschedule": HIDDEN,
    "django_celery_beat.solarschedule": HIDDEN,
    "django_celery_beat.intervalschedule": HIDDEN,
    "axes.accessattempt": HIDDEN,
    "axes.accesslog": HIDDEN,
    "axes.accessfailurelog": HIDDEN,
    # Alerts, review dismissals and approval requests cross clients and people: staff work with
    # their own on the notifications, security review and approvals pages (covered by
    # PORTAL_URLS); only superusers see these tables in the admin.
    "notifications.event": HIDDEN,
    "notifications.delivery": HIDDEN,
    "notifications.notificationsetting": HIDDEN,
    "security.findingdismissal": HIDDEN,
    "approvals.changerequest": HIDDEN,
    "approvals.approvalpolicy": HIDDEN,
    "assets.taskdefinition": SHARED,
    "assets.taskpreset": SHARED,
    **{
        label: "client"
        for label in (
            "businesses.business",
            "businesses.developerapp",
            "businesses.partnerrelationship",
            "businesses.staffassignment",
            "businesses.businessuser",
            "businesses.accesstoken",
            "businesses.graphcall",
            "sync.syncrun",
            "sync.driftevent",
            "businesses.auditevent",
            "onboarding.onboarding",
            "assets.asset",
            "assets.assetaccess",
            "assets.assetgroup",
            "assets.grant",
            "systemusers.systemuser",
            "liveaccounts.accountactivity",
        )
    },
}


def _registered() -> dict[str, Any]:
    return {model._meta.label_lower: ma for model, ma in admin.site._registry.items()}


def test_every_admin_model_has_an_entry():
    missing = [label for label in _registered() if label not in ADMIN_MODELS]
    assert not missing, f"Add these admin models to ADMIN_MODELS (and scope them): {missing}"


def _url(label: str, surface: str, *args) -> str:
    app_label, model = label.split(".")
    return reverse(f"admin:{app_label}_{model}_{surface}", args=args)


ADMIN_CASES = [(label, role) for label in ADMIN_MODELS for role in ROLES]


@pytest.mark.parametrize(("label", "role"), ADMIN_CASES)
def test_admin_pages_of_another_client_are_404_and_listings_name_nothing_of_it(
    client, world, db, label, role
):
    kind = ADMIN_MODELS[label]
    _login(client, world, role)
    listing = client.get(_url(label, "changelist"))
    if kind == HIDDEN:
        assert listing.status_code == 403, f"{role} sees the {label} admin"
        return
    assert listing.status_code in (200, 403)
    assert not _leaked(world, _body(listing)), f"the {label} list shows another client"
    if kind != "client":
        return
    own = world.own.objects[label]
    other = world.other.objects[label]
    if listing.status_code == 200:
        shown = {obj.pk for obj in listing.context["cl"].result_list}
        assert own.pk in shown and other.pk not in shown
    # A role that may not see this model at all is refused alike for any object (no oracle).
    refused = {403} if listing.status_code == 403 else {200}
    mine = client.get(_url(label, "change", own.pk))
    assert mine.status_code in refused, f"{label}: the own object is hidden"
    assert not _leaked(world, _body(mine)), f"{label} change page shows another client"
    for surface in ("change", "history", "delete"):
        theirs = client.get(_url(label, surface, other.pk))
        assert theirs.status_code in {404} | (refused - {200}), (
            f"{label} {surface} answers for another client"
        )


@pytest.mark.parametrize("label", [k for k, v in ADMIN_MODELS.items() if v != HIDDEN])
def test_the_auditor_is_offered_no_action(client, world, db, label):
    # Every admin action writes (or asks Meta and records the answer).
    _login(client, world, AUDITOR)
    listing = client.get(_url(label, "changelist"))
    if listing.status_code == 403:
        return  # the Auditor may not open this list at all: nothing is offered
    form = listing.context["action_form"]
    offered = [name for name, _ in form.fields["action"].choices if name] if form else []
    assert not offered, f"the Auditor is offered {offered} on {label}"


# Forms that must not write: any role on another client's object, the Auditor everywhere.
FORM_CASES = [
    (label, role)
    for label, kind in ADMIN_MODELS.items()
    for role in ROLES
    if kind == "client" or role == AUDITOR
]


@pytest.mark.parametrize(("label", "role"), FORM_CASES)
def test_admin_forms_never_write_for_another_client_or_the_auditor(client, world, db, label, role):
    _login(client, world, role)
    before = _fingerprint()
    targets = []
    if ADMIN_MODELS[label] == "client":
        targets.append(world.other.objects[label])
        if role == AUDITOR:
            targets.append(world.own.objects[label])
    for obj in targets:
        client.post(_url(label, "change", obj.pk), {})
        client.post(_url(label, "delete", obj.pk), {"post": "yes"})
    if role == AUDITOR:
        assert client.post(_url(label, "add"), {}).status_code in (403, 404)
    assert _fingerprint() == before, f"{role} wrote through the {label} admin"


def _actions() -> list[tuple[str, str]]:
    return [
        (label, name)
        for label, model_admin in _registered().items()
        for _func, name, _desc in model_admin._get_base_actions()
    ]


# Hidden admins refuse staff groups outright (checked above); a model missing from
# ADMIN_MODELS fails test_every_admin_model_has_an_entry and is run here as client data.
ACTION_CASES = [
    (label, name, role)
    for label, name in _actions()
    for role in ROLES
    if ADMIN_MODELS.get(label, "client") != HIDDEN
    and (ADMIN_MODELS.get(label, "client") == "client" or role == AUDITOR)
]


@pytest.mark.parametrize(("label", "action", "role"), ACTION_CASES)
def test_admin_actions_never_reach_another_client_and_the_auditor_runs_none(
    client, world, db, label, action, role
):
    _login(client, world, role)
    targets = []
    if ADMIN_MODELS[label] == "client":
        targets.append(world.other.objects[label])
        if role == AUDITOR:
            targets.append(world.own.objects[label])
    else:
        targets.append(_registered()[label].model.objects.first())
    before = _fingerprint()
    for obj in targets:
        response = client.post(
            _url(label, "changelist"),
            {"action": action, "_selected_action": [obj.pk], "confirmed": "yes", "post": "yes"},
        )
        assert response.status_code < 500
        assert not _leaked(world, _body(response))
    assert _fingerprint() == before, f"{role} ran {action} on {label}"


AUTOCOMPLETE_CASES = [
    (model._meta.label_lower, field_name, role)
    for model, model_admin in admin.site._registry.items()
    for field_name in model_admin.autocomplete_fields
    for role in ROLES
]


@pytest.mark.parametrize(("label", "field_name", "role"), AUTOCOMPLETE_CASES)
def test_autocomplete_offers_nothing_of_another_client(client, world, db, label, field_name, role):
    app_label, model_name = label.split(".")
    _login(client, world, role)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code in (200, 403)
    assert not _leaked(world, response.content.decode()), f"{label}.{field_name} offers them"
