#!/usr/bin/env python3
"""What the commit of a read call's audit event costs on PostgreSQL, four ways, with psycopg alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench .venv/bin/python bench/commit_cost.py

Each way runs what a status poll sends (two SELECTs and one INSERT of a 1 kB row into a scratch
table, dropped afterwards); the ways take turns in rounds so that a neighbour's load hits them
alike. It prints the median milliseconds per call and the round trips each way needs:

- durable: BEGIN, SELECT, SELECT, INSERT, COMMIT (waits for the WAL to reach the disk)
- SET LOCAL apart: BEGIN, SET LOCAL synchronous_commit = off, SELECT, SELECT, INSERT, COMMIT
- SET LOCAL with the INSERT (what /cp/ does): BEGIN, SELECT, SELECT, "SET LOCAL …; INSERT", COMMIT
- autocommit, SET LOCAL with the INSERT: SELECT, SELECT, "SET LOCAL …; INSERT" (one implicit
  transaction), the option of running read calls outside a transaction
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import psycopg

ASYNC = "SET LOCAL synchronous_commit = off; "
INSERT = "INSERT INTO bench_commit_cost (body) VALUES (%s)"
BODY = "x" * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per way and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_cost (id bigserial, body text)")
        try:
            run(conn, args.calls, args.rounds)
        finally:
            conn.execute("DROP TABLE bench_commit_cost")


def run(conn: psycopg.Connection, calls: int, rounds: int) -> None:
    def reads() -> None:
        conn.execute("SELECT 1").fetchall()
        conn.execute("SELECT 2").fetchall()

    def in_transaction(before: str, prefix: str) -> Callable[[], None]:
        def call() -> None:
            with conn.transaction():
                if before:
                    conn.execute(before)
                reads()
                conn.execute(prefix + INSERT, (BODY,))

        return call

    def autocommit() -> None:
        reads()
        conn.execute(ASYNC + INSERT, (BODY,))

    ways = {
        "durable (5 round trips + disk)": in_transaction("", ""),
        "SET LOCAL apart (6 round trips)": in_transaction(ASYNC.rstrip("; "), ""),
        "SET LOCAL with the INSERT (5)": in_transaction("", ASYNC),
        "autocommit, with the INSERT (3)": autocommit,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, call in ways.items():
            started = time.perf_counter()
            for _ in range(calls):
                call()
            times[name].append((time.perf_counter() - started) / calls)
    print(f"{'way':<34} {'median ms':>10} {'min ms':>8}")
    for name, samples in times.items():
        print(f"{name:<34} {statistics.median(samples) * 1000:>10.3f} {min(samples) * 1000:>8.3f}")


if __name__ == "__main__":
    main()
