"""Pages at 100k (issue 12, item 5): the home page's counts, the access CSV, the grant search.

    python bench/pages_bench.py                       # 202 businesses, 100k assets and grants
    python bench/pages_bench.py --assets 20000 --grants 20000

Builds a book in a scratch PostgreSQL database (``BENCH_DB_NAME``, default ``bench_pages``,
created and dropped here) with bulk inserts: an agency and 201 clients, ``--assets`` assets
(each owned by a client, 80 % of the grants on one big client), one owner access per asset plus
an agency access on half of them, people, and ``--grants`` live grants. Then it times, each the
best of ``--repeat`` runs, the way the page worked before this issue and the way it works now:

- home: ``home_rows`` for a superuser (every business) — before, the per-business correlated
  COUNT(DISTINCT) of granted assets (``readiness_annotated``); now one grouped query;
- access CSV of the big client: rows/s through model objects (``access_report_rows``) and
  through ``values_list`` (``_access_value_rows``), with the peak traced memory of each;
- grant search in the admin: Django's default substring search across the joins, and the
  exact-id / per-table trigram search (``grant_search_filter``), for a name fragment and an id,
  counting and reading the changelist's first page of 100.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = os.environ.get("BENCH_DB_NAME", "bench_pages")


def _configure_env() -> None:
    """Point Django at the scratch database (only when run as a script, never on import)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


WORDS = ("Spring", "Summer", "Autumn", "Winter", "Retail", "Brand", "Search", "Video", "Promo")


def build(businesses: int, assets: int, grants: int, people: int) -> dict:
    from assets.models import Asset, AssetAccess, AssetKind, Grant, PushState
    from businesses.models import Business, BusinessUser

    agency = Business.objects.create(meta_id="1000", name="Northwind Media", is_agency=True)
    clients = Business.objects.bulk_create(
        Business(meta_id=str(2000 + i), name=f"Client {i:04d} Holdings")
        for i in range(businesses - 1)
    )
    big = clients[0]
    kinds = [AssetKind.AD_ACCOUNT, AssetKind.PAGE, AssetKind.PIXEL, AssetKind.CATALOG]
    rows = []
    for i in range(assets):
        kind = kinds[i % len(kinds)]
        owner = big if i < int(assets * 0.8) else clients[1 + i % (len(clients) - 1)]
        raw = str(10**14 + i)
        rows.append(
            Asset(
                kind=kind,
                meta_id=f"act_{raw}" if kind == AssetKind.AD_ACCOUNT else raw,
                name=f"{WORDS[i % len(WORDS)]} {kind} {i:06d}",
                owner_business=owner,
                owner_meta_id=owner.meta_id,
            )
        )
    made = Asset.objects.bulk_create(rows, batch_size=5000)
    AssetAccess.objects.bulk_create(
        (
            AssetAccess(
                asset=a,
                business_id=a.owner_business_id,
                access_type=AssetAccess.AccessType.OWNER,
                access_status=AssetAccess.AccessStatus.CONFIRMED,
            )
            for a in made
        ),
        batch_size=5000,
    )
    AssetAccess.objects.bulk_create(
        (
            AssetAccess(
                asset=a,
                business=agency,
                access_type=AssetAccess.AccessType.AGENCY,
                access_status=AssetAccess.AccessStatus.CONFIRMED,
            )
            for a in made[::2]
        ),
        batch_size=5000,
    )
    members = BusinessUser.objects.bulk_create(
        (
            BusinessUser(
                business=big if i % 2 == 0 else clients[1 + i % (len(clients) - 1)],
                meta_id=str(9 * 10**14 + i),
                name=f"Person {i:05d}",
                email=f"person{i:05d}@example.com",
                role=BusinessUser.Role.EMPLOYEE,
                status=BusinessUser.Status.ACTIVE,
            )
            for i in range(people)
        ),
        batch_size=5000,
    )
    big_people = [m for m in members if m.business_id == big.pk]
    others = [m for m in members if m.business_id != big.pk]
    Grant.objects.bulk_create(
        (
            Grant(
                asset=made[i % len(made)],
                person=(
                    big_people[(i // len(made)) % len(big_people)]
                    if made[i % len(made)].owner_business_id == big.pk
                    else others[(i // len(made) + i) % len(others)]
                ),
                business_id=made[i % len(made)].owner_business_id,
                tasks=["ADVERTISE", "ANALYZE"],
                applied_tasks=["ADVERTISE", "ANALYZE"],
                origin=Grant.Origin.META,
                push_state=PushState.IN_SYNC,
            )
            for i in range(grants)
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    return {"big": big, "sample_id": made[len(made) // 2].meta_id}


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(made: dict, repeat: int) -> list[str]:
    """Time each page the old way and the new way on the built book; the report's lines."""
    from django.contrib import admin as django_admin
    from django.contrib.auth import get_user_model

    from assets.models import Grant
    from businesses.selectors import visible_businesses
    from portal.reports import access_report_rows
    from portal.selectors import home as home_selectors
    from portal.selectors import readiness as readiness_selectors
    from portal.selectors import reports as report_selectors
    from portal.views.reports import _access_value_rows
    from systemusers.admin_grants import grant_search_filter

    lines: list[str] = []
    live = Grant.objects.count()
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")

    def home_before():
        qs = readiness_selectors.readiness_annotated(visible_businesses(user), user)
        return [b.granted_asset_count for b in qs]

    def home_now():
        return len(home_selectors.home_rows(user))

    def home_counts_now():
        qs = readiness_selectors.readiness_annotated(
            visible_businesses(user), user, with_granted_count=False
        )
        ids = [b.pk for b in qs]
        return readiness_selectors.granted_asset_counts(ids, user)

    lines.append("")
    t_before, _ = best(home_before, repeat)
    t_counts, _ = best(home_counts_now, repeat)
    t_now, n = best(home_now, repeat)
    lines.append(f"home, {n} businesses:")
    lines.append(f"  readiness annotation with the correlated count (before) {t_before:7.3f} s")
    lines.append(f"  readiness annotation + one grouped count (now)         {t_counts:7.3f} s")
    lines.append(f"  home_rows, the whole page's data (now)                 {t_now:7.3f} s")

    grants = report_selectors.access_report_grants(user, made["big"])

    def csv_before():
        return sum(1 for _ in access_report_rows(grants=grants))

    def csv_now():
        return sum(1 for _ in _access_value_rows(grants))

    lines.append("access CSV of the big client:")
    for label, fn in (("model objects (before)", csv_before), ("values_list (now)", csv_now)):
        seconds, count = best(fn, repeat)
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines.append(
            f"  {label:<24} {count} rows {seconds:6.2f} s  {count / seconds:9,.0f} rows/s  "
            f"peak {peak / 2**20:5.1f} MiB"
        )

    grant_admin = django_admin.site._registry[Grant]
    base = Grant.objects.all()

    def search(term: str, now: bool) -> Callable[[], int]:
        def run() -> int:
            if now:
                qs = base.filter(grant_search_filter(term))
            else:
                qs, _ = django_admin.ModelAdmin.get_search_results(grant_admin, None, base, term)
            qs = qs.order_by("-pk")
            page = list(qs[:100].values_list("pk", flat=True))
            return qs.count() + 0 * len(page)

        return run

    lines.append(f"grant search, {live} grants (count + first page of 100):")
    for term in ("spring", "spring 01234", made["sample_id"]):
        for now in (False, True):
            seconds, count = best(search(term, now), repeat)
            label = "trigram / exact id (now)" if now else "substring across joins (before)"
            lines.append(f"  {term!r:<22} {label:<32} {seconds:6.3f} s  {count} found")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--businesses", type=int, default=202)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _configure_env()

    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from assets.models import Grant

        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        made = build(args.businesses, args.assets, args.grants, args.people)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        live = Grant.objects.count()
        print(
            f"built {args.businesses} businesses, {args.assets} assets, {live} grants "
            f"in {time.perf_counter() - started:.0f}s"
        )
        for line in measure(made, args.repeat):
            print(line)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
