"""On PostgreSQL for real: concurrent creates, concurrent idempotent retries, a killed worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from orgs.models import Org, Subscription, Workspace
from orgs.provisioning import start_subscription
from tests.conftest import CPClient, needs_postgres

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}
ROOT = Path(settings.BASE_DIR)


def in_parallel(calls: int, fn) -> list:
    def run(_: int):
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(run, range(calls)))


def test_ten_concurrent_creates_of_one_slug_make_one_org_and_nine_409s(partner, make_key):
    needs_postgres()
    tokens = [make_key(partner=partner, name=f"k{n}")[1] for n in range(10)]
    clients = iter([CPClient(token) for token in tokens])
    responses = in_parallel(10, lambda: next(clients).post("/cp/orgs", BODY))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 9}
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"slug_taken"}
    assert Org.objects.filter(slug="acme-corp").count() == 1


def test_ten_concurrent_creates_of_one_external_id_make_one_org_and_nine_409s(partner, make_key):
    needs_postgres()
    tokens = [make_key(partner=partner, name=f"k{n}")[1] for n in range(10)]
    bodies = iter([{**BODY, "slug": f"org-{n}", "external_id": "cust-1"} for n in range(10)])
    clients = iter([CPClient(token) for token in tokens])
    responses = in_parallel(10, lambda: next(clients).post("/cp/orgs", next(bodies)))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"external_id_taken"}
    assert Org.objects.filter(external_id="cust-1").count() == 1


def test_concurrent_renames_to_one_external_id_leave_one_winner(partner, make_key):
    needs_postgres()
    orgs = [
        Org.objects.create(
            name=f"o{n}", slug=f"org-{n}", plan="standard", partner=partner, status="ready"
        )
        for n in range(6)
    ]
    for org in orgs:
        start_subscription(org)
    _, token = make_key(partner=partner)
    paths = iter([f"/cp/orgs/{org.pk}" for org in orgs])
    body = {"external_id": "cust-1", "seats": 3}
    responses = in_parallel(6, lambda: CPClient(token).patch(next(paths), body))
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 5}
    winner = Org.objects.get(external_id="cust-1")
    assert winner.seats == 3
    assert Subscription.objects.filter(seats=3).get().org_id == winner.pk
    assert Org.objects.filter(seats=3).count() == 1


def test_concurrent_duplicates_with_one_idempotency_key_create_one_org(partner, make_key):
    needs_postgres()
    _, token = make_key(partner=partner)
    headers = {"Idempotency-Key": "ci-run-7"}
    responses = in_parallel(8, lambda: CPClient(token).post("/cp/orgs", BODY, headers=headers))
    assert all(r.status_code in (201, 409) for r in responses)
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["id"] for r in created}) == 1
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["error"]["code"] == "idempotency_key_in_use"
    assert Org.objects.count() == 1


def _worker_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "ORG_MAX_ATTEMPTS": "5",
        **extra,
    }


def _start_worker(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
        ],
        cwd=ROOT,
        env=_worker_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_a_worker_killed_mid_step_loses_no_org_and_provisions_it_once(partner, make_key):
    needs_postgres()
    _, token = make_key(partner=partner)
    org_id = CPClient(token).post("/cp/orgs", BODY).json()["id"]

    doomed = _start_worker(
        ORG_PROVISIONER="tests.orgs.provisioners.SlowProvisioner",
        ORG_TEST_STEP_SECONDS="60",
        ORG_LEASE_SECONDS="2",
        ORG_SWEEP_INTERVAL_SECONDS="3600",
    )
    rescuer = None
    try:
        # In the slow step: claimed, the default workspace committed, no subscription yet.
        _wait_for(lambda: Workspace.objects.filter(org_id=org_id).exists())
        time.sleep(0.3)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        org = Org.objects.get(pk=org_id)
        assert (org.status, org.attempts) == ("provisioning", 1)
        assert not Subscription.objects.filter(org_id=org_id).exists()

        (killed_task,) = DBTaskResult.objects.filter(status="RUNNING")
        rescuer = _start_worker(
            ORG_LEASE_SECONDS="2", ORG_SWEEP_INTERVAL_SECONDS="0.5", TASK_RUNNING_LEASE_SECONDS="2"
        )
        _wait_for(lambda: Org.objects.get(pk=org_id).status != "provisioning")
        # The killed worker's task row does not stay RUNNING for ever.
        _wait_for(lambda: DBTaskResult.objects.get(pk=killed_task.pk).status == "FAILED")
    finally:
        for proc in (doomed, rescuer):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)

    org = Org.objects.get(pk=org_id)
    assert org.status == "ready", org.error
    assert org.attempts == 2
    assert Workspace.objects.filter(org_id=org_id).count() == 1
    assert Workspace.objects.filter(org_id=org_id, is_default=True).count() == 1
    assert Subscription.objects.filter(org_id=org_id, status="active").count() == 1
    status = CPClient(token).get(f"/cp/orgs/{org_id}/status").json()
    assert status["login_url"] == "https://app.moleculesai.app/login?org=acme-corp"
