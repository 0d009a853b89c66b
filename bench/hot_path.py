#!/usr/bin/env python3
"""Hot-path benchmark: per call kind, latency, SQL statements and Redis round trips, in-process.

    .venv/bin/python bench/hot_path.py [--requests 2000] [--only "status, valid"] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/hot_path.py --requests 1000

It runs in-process with Django's test client (no network: it measures our code, the database
and the cache) on the database it is given, which it migrates itself. The kinds of call take
turns, one call each, so that a neighbour's load on a shared machine hits them alike. For each
kind it prints the mean latency and calls per second, the median latency, this process's CPU time
per call, SQL statements per call (less transaction control), Redis round trips per call (counted
at the client: one command or one pipeline sent), and calls per second relative to the floor: a
plain Django view, outside /cp/, that does by hand exactly what a status poll must do (look the
key up by hash, read the org, insert the audit event, commit).
`--profile --only KIND` profiles those kinds' calls with pyinstrument (install it in the venv; it
is not a dependency) and prints the profile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
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

from django.conf import settings  # noqa: E402
from django.core.cache import cache, caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from redis.connection import AbstractConnection  # noqa: E402

from audit.models import AuditEvent  # noqa: E402
from core import tokens as keys  # noqa: E402
from orgs import services as org_services  # noqa: E402
from orgs.models import Org  # noqa: E402
from partners import services  # noqa: E402
from partners.models import Partner, PartnerKey  # noqa: E402

# BEGIN/COMMIT/SAVEPOINT frame the statements; they are not statements of the call itself.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def floor_status(request: HttpRequest, org_id: str) -> JsonResponse:
    """The floor: what any status endpoint must do, by hand, with nothing else around it."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    with transaction.atomic():
        key = PartnerKey.objects.filter(key_hash=keys.hash_token(token)).first()
        if key is None:
            return JsonResponse({"error": "unauthenticated"}, status=401)
        org = Org.objects.get(pk=org_id)
        AuditEvent.objects.create(
            request_id="req_floor",
            actor_type="partner_key",
            key_id=key.id,
            action="org.status",
            method="GET",
            path=request.path,
            status_code=200,
        )
    return JsonResponse({"id": org.pk, "slug": org.slug, "status": org.status})


urlpatterns = [path("bench/floor/<str:org_id>", floor_status), path("", include("config.urls"))]


class RedisRoundTrips:
    """Counts what the Redis client sends: one command, or one pipeline, is one round trip."""

    count = 0

    def __enter__(self) -> RedisRoundTrips:
        original = AbstractConnection.send_packed_command
        self._original = original
        counter = self

        def counted(conn: AbstractConnection, command: object, check_health: bool = True) -> None:
            counter.count += 1
            original(conn, command, check_health)

        AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        AbstractConnection.send_packed_command = self._original  # type: ignore[method-assign]


def sample(client: Client, path: str, token: str | None) -> tuple[int, int]:
    """Warm the call up (connections, script cache, last_used_at), then count one call's SQL
    statements and Redis round trips."""
    headers = _headers(token)
    for _ in range(20):
        client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as captured, RedisRoundTrips() as trips:
        client.get(path, headers=headers)
    statements = sum(
        not q["sql"].upper().startswith(TRANSACTION_CONTROL) for q in captured.captured_queries
    )
    return statements, trips.count


def timed(client: Client, cases: list[tuple[str, str, str | None]], n: int) -> list[Timing]:
    """`n` calls of every kind, taken in turns (one of each, then again), timed one by one.

    Taking turns spreads a neighbour's load on a shared machine (a burst of fsyncs, another
    process's CPU) evenly over the kinds, so their ratios hold even when absolute times drift.
    """
    requests = [(url, _headers(token)) for _, url, token in cases]
    walls: list[list[float]] = [[] for _ in cases]
    cpus: list[float] = [0.0] * len(cases)
    for _ in range(n):
        for i, (url, headers) in enumerate(requests):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(url, headers=headers)
            walls[i].append(time.perf_counter() - wall)
            cpus[i] += time.process_time() - cpu
    return [
        Timing(statistics.fmean(w), statistics.median(w), cpu / n)
        for w, cpu in zip(walls, cpus, strict=True)
    ]


@dataclass(frozen=True)
class Timing:
    mean: float  # seconds of wall-clock time per call: what calls/s is made of
    median: float
    cpu: float  # seconds of this process's CPU per call: our code, the drivers, no waiting


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _profiler():  # pragma: no cover - bench only
    from pyinstrument import Profiler

    return Profiler(interval=0.0002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="calls per kind (default 2000)")
    parser.add_argument("--only", default="", help="run only the kinds whose label contains this")
    parser.add_argument("--profile", action="store_true", help="profile the /cp/ kinds run")
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__

    call_command("migrate", verbosity=0)
    cache.clear()
    stamp = int(time.time() * 1000)
    partner = Partner.objects.create(name="Bench", slug=f"bench-{stamp}")
    issued = services.partner_key_issue(
        name="bench", scopes=["orgs:list", "orgs:create"], partner=partner
    )
    token, key = issued.plaintext, issued.key
    slug = f"bench-{stamp}"
    org = org_services.org_create(principal=key, name="Bench", slug=slug, plan="standard")
    status_path = f"/cp/orgs/{org.pk}/status"
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    cases = [
        ("floor: plain view, by hand", f"/bench/floor/{org.pk}", token),
        ("GET /healthz (no auth)", "/healthz", None),
        ("GET status, valid partner key", status_path, token),
        ("GET status, master key", status_path, settings.CP_ADMIN_MASTER_KEY),
        ("GET key list, valid partner key", "/cp/admin/partner-keys", token),
        ("refused: bad checksum", status_path, forged),
        ("refused: unknown well-formed key", status_path, keys.generate()),
    ]
    if args.profile:  # the profile shows the kinds asked for, not the floor
        cases = [case for case in cases[1:] if args.only in case[0]]
    else:
        cases = [case for case in cases if case is cases[0] or args.only in case[0]]
    client = Client()
    counts = [sample(client, url, tok) for _, url, tok in cases]
    profiler = _profiler() if args.profile else None
    if profiler:
        profiler.start()
    timings = timed(client, cases, args.requests)
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    cache_backend = type(caches["default"]).__name__
    print(f"backend: {connection.vendor}, cache: {cache_backend}, {args.requests} calls per kind")
    print(
        f"{'call':<34} {'mean ms':>8} {'calls/s':>8} {'median':>7} {'CPU ms':>7} {'SQL':>4} "
        f"{'Redis':>6} {'x floor':>8}"
    )
    floor = timings[0].mean
    for (label, _, _), (statements, trips), timing in zip(cases, counts, timings, strict=True):
        print(
            f"{label:<34} {timing.mean * 1000:>8.3f} {1 / timing.mean:>8.0f} "
            f"{timing.median * 1000:>7.3f} {timing.cpu * 1000:>7.3f} {statements:>4} {trips:>6} "
            f"{floor / timing.mean:>8.2f}"
        )


if __name__ == "__main__":
    main()
