"""The worker outlives a database outage: it backs off, logs once, and carries on (issue 15).

Before, django-tasks-db's loop raised on the first OperationalError and the process exited.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.live.server import MASTER_KEY, ROOT, stop
from tests.outage.conftest import call, wait_for

SCOPES = ["orgs:create", "orgs:list"]


@pytest.fixture
def worker_log(tmp_path):
    return tmp_path / "worker.log"


@pytest.fixture
def worker(web, worker_log):
    env = {
        **web.env,
        "WORKER_BACKOFF_MAX_SECONDS": "1",
        "ORG_SWEEP_INTERVAL_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    with open(worker_log, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--no-reload", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    yield process
    stop(process)


def _create_org(web, token: str, slug: str) -> str:
    body = {"name": slug, "slug": slug, "plan": "standard"}
    created = call(web.base, "POST", "/cp/orgs", token, body)
    assert created.status == 201, created.body
    return created.body["id"]


def _wait_ready(web, token: str, org_id: str) -> None:
    def ready() -> bool:
        return call(web.base, "GET", f"/cp/orgs/{org_id}/status", token).body["status"] == "ready"

    wait_for(ready, 20, f"org {org_id} to be ready")


def test_the_worker_outlives_a_stopped_database_and_provisions_the_next_org(
    web, running_postgres, worker, worker_log
):
    issued = call(
        web.base,
        "POST",
        "/cp/admin/partner-keys",
        MASTER_KEY,
        {"name": "worker-outage", "scopes": SCOPES, "org_id": None},
    )
    token = issued.body["key"]
    _wait_ready(web, token, _create_org(web, token, "before-the-outage"))

    running_postgres.stop()
    time.sleep(4)  # several polls and sweeps fail, backing off
    assert worker.poll() is None, worker_log.read_text()[-3000:]
    running_postgres.start()

    wait_for(lambda: call(web.base, "GET", "/cp/orgs", token).status == 200, 15, "the API")
    _wait_ready(web, token, _create_org(web, token, "after-the-outage"))
    assert worker.poll() is None
    log = worker_log.read_text()
    assert log.count("Database unavailable (") == 1, log[-3000:]
    assert log.count("Database reachable again after") == 1, log[-3000:]
    assert "Traceback" not in log
