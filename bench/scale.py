#!/usr/bin/env python3
"""Scale mode: the hot calls at 1k orgs and at 1M orgs, side by side, and every query's plan.

    make bench-scale                # = .venv/bin/python bench/scale.py
    .venv/bin/python bench/scale.py [--small 1000] [--large 1000000] [--rounds 5] [--calls 100]
                                    [--keep]

Two fresh databases (`cp_bench_scale_1k_<random>` and `cp_bench_scale_1m_<random>`, dropped unless
--keep), each migrated and bulk-seeded by COPY (`bench/seed.py`: the orgs, a tenth as many keys,
100 partners, the bench partner holding 10%). Calls run in-process through Django's test client
(the whole middleware, DRF, PostgreSQL and Redis; no HTTP server, so the numbers are per-call
latency of our code and the database, free of gunicorn's queueing), alternating between the two
databases in rounds so machine drift hits both alike: the status call, the key lookup on its own,
the first page of `GET /cp/orgs` and a deep page (a cursor 1000 pages of 50 into the partner's
orgs at 1M; the last page at 1k). Then `EXPLAIN (ANALYZE, BUFFERS)` of every statement each call
ran (captured with CaptureQueriesContext; writes are explained inside a rolled-back transaction),
with any Seq Scan flagged beside the size of the table it read.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack

if TYPE_CHECKING:
    from bench.fixture import Fixture

DEEP_PAGES = 1000
PAGE = 50
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


@dataclass
class Size:
    """One database of the comparison, its calls and what they measured."""

    label: str
    url: str
    fixture: Fixture | None = None
    depth: int = 0
    calls: dict[str, Callable[[], object]] = field(default_factory=dict)
    timings: dict[str, list[float]] = field(default_factory=dict)
    plans: dict[str, list[tuple[str, list[str], list[str]]]] = field(default_factory=dict)

    def p(self, name: str, q: float) -> float:
        timings = sorted(self.timings[name])
        return timings[min(len(timings) - 1, int(len(timings) * q))]


def use_database(url: str) -> None:
    """Point this process's default connection at another database of the same server."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = urlparse(url).path.lstrip("/")


def deep_cursor(partner_id: str, depth: int) -> tuple[str, int]:
    """A cursor of `GET /cp/orgs` positioned after the `depth`-th org of the partner's list.

    The cursor is the one `next_cursor` carries after following `depth / 50` pages.
    """
    from rest_framework.pagination import Cursor

    from core.pagination import token_of
    from orgs.models import Org

    orgs = Org.objects.filter(partner_id=partner_id).exclude(status=Org.Status.DELETED)
    depth = max(1, min(depth, orgs.count() - PAGE))
    position = orgs.order_by("-id").values_list("id", flat=True)[depth - 1]
    return token_of(Cursor(offset=0, reverse=False, position=position)), depth


def prepare(size: Size, orgs: int) -> None:
    """Migrate and seed the size's database, then build its calls."""
    from django.core.management import call_command
    from django.test import Client

    from bench.fixture import fixture_create
    from partners.models import PartnerKey

    use_database(size.url)
    call_command("migrate", verbosity=0)
    size.fixture = fixture = fixture_create(orgs=orgs, keys=orgs // 10, partners=100, share=0.1)
    seeded = fixture.seeded
    print(
        f"{size.label}: seeded {seeded.orgs:,} orgs ({seeded.org_rows_per_s:,.0f} rows/s) and "
        f"{seeded.keys:,} keys ({seeded.key_rows_per_s:,.0f} rows/s) in {seeded.seconds:.1f} s"
        " (COPY and ANALYZE)",
        flush=True,
    )
    client = Client(SERVER_NAME="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    auth = {"Authorization": f"Bearer {fixture.token}"}
    cursor, size.depth = deep_cursor(fixture.partner_id, DEEP_PAGES * PAGE)

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path, headers=auth)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.content[:200]!r}")
            return response

        return call

    size.calls = {
        "status": get(f"/cp/orgs/{fixture.org_id}/status"),
        "key lookup": lambda: PartnerKey.objects.for_token(fixture.token),
        "list, first page": get("/cp/orgs"),
        "list, deep page": get(f"/cp/orgs?cursor={cursor}"),
    }


def time_calls(size: Size, calls: int) -> None:
    use_database(size.url)
    for name, call in size.calls.items():
        for _ in range(5):  # a fresh connection, a warm cache
            call()
        timings = size.timings.setdefault(name, [])
        for _ in range(calls):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)


def explain(sql: str) -> list[str]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)  # EXPLAIN ANALYZE of an INSERT or UPDATE really runs it
    return lines


def explain_calls(size: Size) -> None:
    """Capture each call's statements once, then EXPLAIN (ANALYZE, BUFFERS) each of them."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core import durability

    use_database(size.url)
    for name, call in size.calls.items():
        # Rolled back, so each captured write can be explained (run, then rolled back) again.
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            call()
            transaction.set_rollback(True)
        size.plans[name] = []
        for query in captured.captured_queries:
            # A read's INSERT carries the async commit's SET LOCAL in its query string.
            sql = query["sql"].removeprefix(f"{durability.ASYNC_COMMIT}; ")
            if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
                plan = explain(sql)
                size.plans[name].append((sql, plan, [seq_scan_size(t) for t in seq_scanned(plan)]))


def scans(plan: list[str]) -> list[str]:
    """The plan's scan and insert nodes, the lines that say how each table is reached."""
    nodes = [
        line.strip().removeprefix("->").strip()
        for line in plan
        if "Scan" in line or line.lstrip().startswith(("Insert on", "Update on"))
    ]
    return [node.split("  (")[0] for node in nodes]


def seq_scanned(plan: list[str]) -> list[str]:
    return [line.split("Seq Scan on ")[1].split()[0] for line in plan if "Seq Scan on " in line]


def seq_scan_size(table: str) -> str:
    """How big the scanned table is: a few pages is the planner's fair choice, not a lost index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, reltuples FROM pg_class WHERE relname = %s", [table])
        pages, rows = cursor.fetchone()
    return f"{table} ({pages} pages, {max(rows, 0):,.0f} rows)"


def short(sql: str) -> str:
    """`SELECT orgs_org`: the statement's verb and its (first) table."""
    words = sql.split()
    verb = words[0].upper()
    after = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}[verb]
    return f"{verb} {words[words.index(after) + 1].strip(chr(34))}"


def report(sizes: list[Size]) -> None:
    a, b = sizes
    print(
        f"\nin-process latency per call, ms ({len(a.timings['status'])} calls per call and size,"
        f" in interleaved rounds); deep page = {a.depth:,} orgs deep at {a.label},"
        f" {b.depth:,} at {b.label}"
    )
    print(
        f"{'call':<18} {a.label + ' p50':>9} {a.label + ' p99':>9} {b.label + ' p50':>9}"
        f" {b.label + ' p99':>9} {'p50 ratio':>10}  seq scans at {b.label}"
    )
    for name in a.calls:
        seq = sum(len(flags) for _, _, flags in b.plans[name])
        print(
            f"{name:<18} {a.p(name, 0.5):>9.2f} {a.p(name, 0.99):>9.2f} {b.p(name, 0.5):>9.2f}"
            f" {b.p(name, 0.99):>9.2f} {b.p(name, 0.5) / a.p(name, 0.5):>10.2f}  {seq or 'none'}"
        )
    for size in sizes:
        print(f"\n--- plans at {size.label} orgs ---")
        for name, plans in size.plans.items():
            for sql, plan, flags in plans:
                timing = next((x for x in plan if x.startswith("Execution Time")), "")
                flag = "".join(f"  <-- SEQ SCAN of {table}" for table in flags)
                print(f"{name} / {short(sql)}: {'; '.join(scans(plan)) or '-'} ({timing}){flag}")
    print("\n--- full plans (EXPLAIN (ANALYZE, BUFFERS)) ---")
    for size in sizes:
        for name, plans in size.plans.items():
            for sql, plan, _ in plans:
                print(f"\n## {size.label} orgs, {name}\n{sql}")
                print("\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, help="orgs at the first size")
    parser.add_argument("--large", type=int, default=1_000_000, help="orgs at the second size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100, help="timed calls per call, size, round")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (any db name)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", stack.DEFAULT_REDIS))
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    if not 0 < args.small < args.large:
        parser.error("need 0 < --small < --large")
    stack.ensure_bench_extra()
    with contextlib.ExitStack() as stacked:
        sizes = [
            Size(_label(orgs), stacked.enter_context(_database(args, orgs)))
            for orgs in (args.small, args.large)
        ]
        stack.setup_django(stack.bench_env(sizes[0].url, args.redis_url))
        from django.db import connections

        stacked.callback(connections.close_all)
        for size, orgs in zip(sizes, (args.small, args.large), strict=True):
            prepare(size, orgs)
        for number in range(1, args.rounds + 1):
            for size in sizes:
                time_calls(size, args.calls)
            print(f"round {number}/{args.rounds} done", flush=True)
        for size in sizes:
            explain_calls(size)
        report(sizes)


def _database(args: argparse.Namespace, orgs: int) -> contextlib.AbstractContextManager[str]:
    return stack.fresh_database(
        args.database_url, prefix=f"cp_bench_scale_{_label(orgs).lower()}", keep=args.keep
    )


def _label(orgs: int) -> str:
    if orgs % 1_000_000 == 0:
        return f"{orgs // 1_000_000}M"
    return f"{orgs // 1000}k" if orgs % 1000 == 0 else f"{orgs:,}"


if __name__ == "__main__":
    main()
