"""Measure `export_audit`: rows/s and peak RSS for growing trails (constant memory = flat RSS).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench \\
        .venv/bin/python bench/export_audit_memory.py 100000 1000000

Each size: the trail is refilled with N events (one INSERT … SELECT generate_series), then a fresh
process runs `export_audit --output /dev/null` and reports its own peak RSS (getrusage).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench")

FILL_SQL = """
INSERT INTO audit_auditevent (id, occurred_at, request_id, actor_type, key_id, key_hint,
    partner_id, admin_user, action, target_type, target_id, method, path, status_code, ip,
    user_agent, details)
SELECT 'evt_' || lpad(i::text, 26, '0'), now() - (%(n)s - i) * interval '1 second',
    'req_' || lpad(i::text, 26, '0'), 'partner_key', 'pak_bench', 'mol_pk_abcd…wxyz',
    'prt_bench', '', 'org.create', 'org', 'org_' || i, 'POST', '/cp/orgs', 201, '203.0.113.7',
    'bench/1.0', '{"plan": "standard"}'::jsonb
FROM generate_series(1, %(n)s) AS i
"""


def ensure_database() -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(n: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
        cursor.execute(FILL_SQL, {"n": n})
        cursor.execute("ANALYZE audit_auditevent")


def child(fmt: str) -> None:
    """Runs in a fresh process: the export alone, then its own peak RSS."""
    import django
    from django.core.management import call_command

    django.setup()
    started = time.monotonic()
    with open(os.devnull, "w") as sink:
        call_command(
            "export_audit", "--format", fmt, "--output", os.devnull, stdout=sink, stderr=sink
        )
    seconds = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_kib / 1024}))


def main(sizes: list[int], fmt: str) -> None:
    import django
    from django.core.management import call_command

    ensure_database()
    django.setup()
    call_command("migrate", verbosity=0)
    print(f"{'rows':>10} {'format':>6} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13}")
    for n in sizes:
        fill(n)
        out = subprocess.run(
            [sys.executable, __file__, "--child", fmt], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rate = n / result["seconds"]
        print(
            f"{n:>10} {fmt:>6} {result['seconds']:>8.1f} {rate:>10.0f} "
            f"{result['peak_rss_mib']:>13.1f}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        fmt = os.environ.get("FORMAT", "jsonl")
        main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000], fmt)
