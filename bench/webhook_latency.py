#!/usr/bin/env python3
"""Webhook latency: from an org becoming `ready` to the partner's receiver answering 2xx.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/webhook_latency.py [--orgs 50] [--interval 1] [--burst]

A real deployment on a fresh database beside DATABASE_URL's (dropped afterwards): gunicorn with 2
workers, one `manage.py worker --interval N`, and a receiver on 127.0.0.1 that verifies every
signature. It creates the orgs one after another (or all at once with --burst) and prints the
median, p90 and max of (receiver's 2xx - the org's `ready_at`), and of create → 2xx.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ.update(DJANGO_SETTINGS_MODULE="tests.settings", LOG_LEVEL="ERROR")

import django  # noqa: E402

django.setup()

from tests.live.server import MASTER_KEY, fresh_database, live_server, server_env  # noqa: E402
from tests.live.test_live_deployment import request  # noqa: E402
from tests.webhooks.receiver import receiving  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<22} median {statistics.median(ms):7.1f} ms   p90 {percentile(ms, 0.9):7.1f} ms"
        f"   max {max(ms):7.1f} ms   (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--interval", type=float, default=1.0, help="the worker's --interval")
    parser.add_argument("--burst", action="store_true", help="create every org at once")
    args = parser.parse_args()
    extra = {"CP_WEBHOOK_ALLOW_HTTP": "true", "CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true"}
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(Path(tmp)) as database_url,
        live_server(server_env(database_url, **extra), workers=2, worker=False) as base,
        receiving() as receiver,
    ):
        env = server_env(database_url, **extra)
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-reload",
                "--interval",
                str(args.interval),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            run(base, receiver, args)
        finally:
            worker.terminate()
            worker.wait(timeout=15)


def run(base: str, receiver, args: argparse.Namespace) -> None:
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    request(base, "POST", "/cp/admin/partners", MASTER_KEY, {"name": slug, "slug": slug})
    scopes = ["orgs:create", "webhooks:manage"]
    _, key, _ = request(
        base,
        "POST",
        "/cp/admin/partner-keys",
        MASTER_KEY,
        {"name": "b", "scopes": scopes, "partner": slug},
    )
    token = key["key"]
    _, endpoint, _ = request(
        base, "POST", "/cp/webhook-endpoints", token, {"url": receiver.url, "events": ["org.ready"]}
    )
    created: dict[str, float] = {}

    def create(n: int) -> None:
        body = {"name": f"o{n}", "slug": f"{slug}-{n}", "plan": "standard"}
        started = time.time()
        _, org, _ = request(base, "POST", "/cp/orgs", token, body)
        created[org["id"]] = started

    for n in range(args.orgs):
        create(n)
        if not args.burst:
            receiver.wait_for(n + 1, timeout=60)
    sent = receiver.wait_for(args.orgs, timeout=300)
    ready_to_2xx, create_to_2xx = [], []
    for received in sent:
        data = received.verify(endpoint["secret"])["data"]
        ready_at = datetime.fromisoformat(data["ready_at"].replace("Z", "+00:00")).timestamp()
        ready_to_2xx.append(received.at - ready_at)
        create_to_2xx.append(received.at - created[data["id"]])
    mode = "burst" if args.burst else "one at a time"
    print(f"{args.orgs} orgs, {mode}, worker --interval {args.interval:g}")
    report("ready → receiver 2xx", ready_to_2xx)
    report("create → receiver 2xx", create_to_2xx)
    print(json.dumps({"median_ms": round(statistics.median(ready_to_2xx) * 1000, 1)}))


if __name__ == "__main__":
    main()
