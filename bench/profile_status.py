#!/usr/bin/env python3
"""Where a status poll spends its time: pyinstrument over N in-process status calls.

    .venv/bin/python bench/profile_status.py [--calls 1000] [--top 15] [--tree 60] [--html FILE]

On a fresh PostgreSQL database (`cp_bench_prof_<random>`, dropped at the end) and Redis (REDIS_URL,
default db 2), seeded like `bench/run.py`: `GET /cp/orgs/{id}/status` with a valid key through
Django's test client (the whole middleware and DRF stack, no HTTP server). Prints the functions
with the most time of their own (pyinstrument's flat view), then the top of the call tree.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack

FLAT_ROW = re.compile(r"^\s*\d+\.\d+ ")  # "0.4051 Connection.wait  psycopg/connection.py:479"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--top", type=int, default=15, help="lines of the flat (self time) view")
    parser.add_argument("--tree", type=int, default=60, help="lines of the call tree")
    parser.add_argument("--html", default="", help="also write pyinstrument's HTML report here")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (any db name)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", stack.DEFAULT_REDIS))
    args = parser.parse_args()
    stack.ensure_bench_extra()
    with stack.fresh_database(args.database_url, prefix="cp_bench_prof") as url:
        stack.setup_django(stack.bench_env(url, args.redis_url))
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client
        from pyinstrument import Profiler

        from bench.fixture import fixture_create

        try:
            call_command("migrate", verbosity=0)
            fixture = fixture_create(orgs=1000, keys=100, partners=10, share=0.1)
            client = Client(SERVER_NAME="127.0.0.1", REMOTE_ADDR="127.0.0.1")
            path = f"/cp/orgs/{fixture.org_id}/status"
            headers = {"Authorization": f"Bearer {fixture.token}"}
            for _ in range(50):
                response = client.get(path, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"status call: {response.status_code} {response.content!r}")
            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            with profiler:
                for _ in range(args.calls):
                    client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
        finally:
            connections.close_all()
    print(
        f"{args.calls} status calls in {elapsed:.2f} s: {elapsed / args.calls * 1000:.2f} ms/call"
        f" under the profiler\n\n--- top {args.top} by own time ---"
    )
    flat = profiler.output_text(unicode=True, flat=True, flat_time="self")
    rows = [line for line in flat.splitlines() if FLAT_ROW.match(line) and "[self]" not in line]
    print("\n".join(rows[: args.top]))
    print(f"\n--- call tree (first {args.tree} lines) ---")
    tree = profiler.output_text(unicode=True)
    print("\n".join(tree.splitlines()[: args.tree]))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
        print(f"\nHTML report: {args.html}")


if __name__ == "__main__":
    main()
