#!/usr/bin/env python3
"""Hot-path benchmark: requests/s and SQL statements per call, through the whole middleware stack.

    .venv/bin/python bench/hot_path.py [--requests 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/hot_path.py

It runs in-process with Django's test client (no network: it measures our code, the database
and the cache) on a fresh database it migrates itself. For each kind of call it prints the mean
latency, calls per second, SQL statements per call, and the ratio to the cheapest route.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DEBUG="false",
    SECRET_KEY="bench-secret-key-" + "x" * 40,
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="false",
    CP_ADMIN_MASTER_KEY="bench-master-key-0123456789abcdef",
    PARTNER_KEY_DEFAULT_RATE="100000000/m",
    CP_AUTH_FAILURE_RATE="100000000/m",
    LOG_LEVEL="ERROR",
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache, caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core import tokens as keys  # noqa: E402
from partners import services  # noqa: E402

# BEGIN/COMMIT/SAVEPOINT frame the statements; they are not statements of the call itself.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def measure(client: Client, path: str, token: str | None, n: int) -> tuple[float, int]:
    """Mean seconds per call, and SQL statements (less savepoints) of one call."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client.get(path, headers=headers)  # warm up
    with CaptureQueriesContext(connection) as captured:
        client.get(path, headers=headers)
    statements = sum(
        not q["sql"].upper().startswith(TRANSACTION_CONTROL) for q in captured.captured_queries
    )
    started = time.perf_counter()
    for _ in range(n):
        client.get(path, headers=headers)
    return (time.perf_counter() - started) / n, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="calls per kind (default 2000)")
    n = parser.parse_args().requests

    call_command("migrate", verbosity=0)
    cache.clear()
    issued = services.partner_key_issue(name="bench", scopes=["orgs:list"])
    token, key_id = issued.plaintext, issued.key.id
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    cases = [
        ("GET /healthz (baseline, no auth)", "/healthz", None),
        ("GET key detail, valid partner key", f"/cp/admin/partner-keys/{key_id}", token),
        ("GET key list, valid partner key", "/cp/admin/partner-keys", token),
        ("refused: bad checksum", "/cp/admin/partner-keys", forged),
        ("refused: unknown well-formed key", "/cp/admin/partner-keys", keys.generate()),
    ]
    client = Client()
    vendor = connection.vendor
    cache_backend = type(caches["default"]).__name__
    print(f"backend: {vendor}, cache: {cache_backend}, {n} calls per kind")
    print(f"{'call':<38} {'mean ms':>9} {'calls/s':>9} {'SQL':>4} {'x baseline':>11}")
    baseline = None
    for label, path, tok in cases:
        mean, statements = measure(client, path, tok, n)
        baseline = baseline or mean
        ratio = mean / baseline
        print(f"{label:<38} {mean * 1000:>9.3f} {1 / mean:>9.0f} {statements:>4} {ratio:>11.2f}")


if __name__ == "__main__":
    main()
