#!/usr/bin/env python3
"""The production-shape benchmark: requests/s and p50/p99 of each target, and the ratios.

    make bench                      # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py [--workers 4] [--rounds 5] [--duration 5] [--connections 8]
                                  [--only status,floor] [--keep]

A fresh PostgreSQL database (`cp_bench_<random>`, dropped at the end unless --keep) is migrated and
seeded; gunicorn (`--workers`, default WEB_CONCURRENCY or 4) and `manage.py worker` start on it
and on Redis (REDIS_URL, default db 2), with production settings; wrk drives the load from its own
process. Each round runs every target for `--duration` seconds in the same order, after one
warm-up pass; the table gives the median over rounds, the ratios the median of per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack
from bench.load import Results, Sample, Target, run_rounds, run_wrk

if TYPE_CHECKING:
    from django.http import HttpResponse
    from django.test import Client

    from bench.fixture import Fixture

ORG_ID = re.compile(r"org_[0-9a-z]{26}")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
# Targets whose body must be exactly the status endpoint's.
SAME_BODY = ("floor", "status", "peer", "peer+audit")
RATIOS = [
    ("status / floor", "status", "floor", "target >= 0.8"),
    ("status / peer+audit", "status", "peer+audit", "target >= 1.0"),
    ("status / ceiling", "status", "ceiling", ""),
]


def targets_for(fixture: Fixture) -> list[Target]:
    from core import tokens as keys

    bearer = f"Bearer {fixture.token}"
    forged = fixture.token[:-1] + ("A" if fixture.token[-1] != "A" else "B")
    status = f"/cp/orgs/{fixture.org_id}/status"
    peer = f"Api-Key {fixture.peer_key}"
    return [
        Target("ceiling", "/bench/ceiling"),
        Target("floor", f"/bench/floor/{fixture.org_id}", bearer),
        Target("status", status, bearer),
        Target("peer", f"/bench/peer/{fixture.org_id}", peer),
        Target("peer+audit", f"/bench/peer-audit/{fixture.org_id}", peer),
        Target("list", "/cp/orgs", bearer),
        Target("bad checksum", status, f"Bearer {forged}", expect=401),
        Target("unknown key", status, f"Bearer {keys.generate()}", expect=401),
        Target("create", "/cp/orgs", bearer, method="POST", expect=201),
    ]


def _call(client: Client, target: Target, n: int) -> HttpResponse:
    headers = {"Authorization": target.authorization} if target.authorization else {}
    if target.method == "POST":
        slug = f"check-{n}-{os.getpid()}"
        body = json.dumps({"name": slug, "slug": slug, "plan": "standard"})
        return client.post(target.path, body, content_type="application/json", headers=headers)
    return client.get(target.path, headers=headers)


def check_targets(targets: list[Target]) -> dict[str, int]:
    """Call each target in-process first: the answer it must give, and its SQL statements."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    statements, bodies = {}, {}
    for target in targets:
        _call(client, target, 1)  # warm: the key's last_used_at write happens once a minute
        with CaptureQueriesContext(connection) as captured:
            response = _call(client, target, 2)
        if response.status_code != target.expect:
            raise SystemExit(f"{target.name}: {response.status_code} {response.content[:300]!r}")
        if target.name in SAME_BODY:
            bodies[target.name] = response.content
        statements[target.name] = sum(
            not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
            for q in captured.captured_queries
        )
    if len(set(bodies.values())) > 1:
        raise SystemExit(f"the status bodies differ: {bodies}")
    return statements


def wait_drained(timeout: float = 300) -> float:
    """Wait for the worker to provision the created orgs, so it takes no CPU from later targets."""
    from orgs.models import Org

    started = time.monotonic()
    while Org.objects.filter(status=Org.Status.PROVISIONING).exists():
        if time.monotonic() - started > timeout:
            raise SystemExit("the worker did not drain the created orgs in time")
        time.sleep(0.5)
    return time.monotonic() - started


def print_table(results: Results, targets: list[Target], statements: dict[str, int]) -> None:
    print(
        f"\n{'target':<13} {'call':<31} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL':>4}"
        f"  {'req/s min-max':>15}"
    )
    for t in targets:
        rps = [s.rps for s in results.samples[t.name]]
        call = ORG_ID.sub("{id}", f"{t.method} {t.path}")
        print(
            f"{t.name:<13} {call:<31} {results.median(t.name, 'rps'):>8.0f}"
            f" {results.median(t.name, 'p50_ms'):>8.2f} {results.median(t.name, 'p99_ms'):>8.2f}"
            f" {statements[t.name]:>4}  {min(rps):>7.0f}-{max(rps):<7.0f}"
        )
    print()
    names = {t.name for t in targets}
    for label, top, bottom, goal in RATIOS:
        if {top, bottom} <= names:
            median, low, high = results.ratio(top, bottom)
            print(f"{label:<22} {median:5.2f}   (rounds {low:.2f}-{high:.2f})  {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per target per round")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per target, not counted")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--orgs", type=int, default=1000, help="orgs seeded in all")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (any db name)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", stack.DEFAULT_REDIS))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    started = time.monotonic()
    stack.ensure_bench_extra()
    wrk = stack.ensure_wrk()
    with stack.fresh_database(args.database_url, keep=args.keep) as url:
        env = stack.bench_env(url, args.redis_url)
        stack.setup_django(env)
        from django.core.management import call_command
        from django.db import connection, connections

        from bench.fixture import fixture_create

        try:
            call_command("migrate", verbosity=0)
            fixture = fixture_create(orgs=args.orgs, keys=args.orgs // 10, partners=10, share=0.1)
            targets = targets_for(fixture)
            if args.only:
                wanted = {name.strip() for name in args.only.split(",")}
                targets = [t for t in targets if t.name in wanted]
            statements = check_targets(targets)
            version = connection.cursor().connection.info.server_version
            print(
                f"{args.workers} gunicorn workers (gunicorn.conf.py) + 1 worker, "
                f"PostgreSQL {version // 10000}.{version % 10000},"
                f" Redis {args.redis_url}, {os.cpu_count()} cores ({platform.machine()}); "
                f"{fixture.seeded.orgs} orgs ({fixture.orgs} the bench partner's); "
                f"wrk -t{args.threads} -c{args.connections}; "
                f"{args.rounds} rounds x {args.duration} s per target",
                flush=True,
            )

            def run(target: Target, seconds: int) -> Sample:
                return run_wrk(
                    wrk,
                    base,
                    target,
                    seconds=seconds,
                    connections=args.connections,
                    threads=args.threads,
                )

            def after(target: Target) -> None:
                if target.method == "POST":
                    print(f"  worker drained the created orgs in {wait_drained():.1f} s")

            with (
                tempfile.TemporaryDirectory() as logs,
                stack.servers(env, workers=args.workers, log_dir=Path(logs)) as base,
            ):
                results = run_rounds(
                    run,
                    targets,
                    rounds=args.rounds,
                    seconds=args.duration,
                    warmup=args.warmup,
                    after=after,
                    progress=lambda line: print(line, flush=True),
                )
            print_table(results, targets, statements)
            print(f"\nwhole run {time.monotonic() - started:.0f} s")
        finally:
            connections.close_all()


if __name__ == "__main__":
    main()
