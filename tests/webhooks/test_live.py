"""The issue's scenarios end to end: gunicorn, real `manage.py worker` processes (killed with
SIGKILL where it says so) and a real HTTP receiver on 127.0.0.1 started by the test."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import needs_postgres
from tests.live.server import MASTER_KEY, ROOT, fresh_database, live_server, server_env
from tests.live.test_live_deployment import request
from tests.webhooks.conftest import WEBHOOK_SCOPES
from tests.webhooks.receiver import Receiver, receiving

LIVE_ENV = {
    "CP_WEBHOOK_ALLOW_HTTP": "true",
    "CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
    "CP_WEBHOOK_RETRY_SCHEDULE": "0,1,1",
    "CP_WEBHOOK_TIMEOUT_SECONDS": "2",
    "CP_WEBHOOK_LEASE_SECONDS": "3",
}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with fresh_database(tmp_path_factory.mktemp("webhooks")) as database_url:
        env = server_env(database_url, **LIVE_ENV)
        with live_server(env, workers=2, worker=False) as base:
            yield base, env


@contextlib.contextmanager
def worker_process(env: dict[str, str], **extra: str) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--sweep-interval",
            "0.5",
        ],
        cwd=ROOT,
        env={**env, **extra},
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def wait_until(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
    return result


class Partner:
    """A partner made through the API, with a key that manages orgs and webhooks."""

    def __init__(self, base: str) -> None:
        self.base, slug = base, f"p-{uuid.uuid4().hex[:8]}"
        assert (
            self.call("POST", "/cp/admin/partners", {"name": slug, "slug": slug}, MASTER_KEY)[0]
            == 201
        )
        status, key, _ = self.call(
            "POST",
            "/cp/admin/partner-keys",
            {"name": "hooks", "scopes": WEBHOOK_SCOPES, "partner": slug},
            MASTER_KEY,
        )
        assert status == 201
        self.token = key["key"]

    def call(self, method: str, path: str, body: dict | None = None, token: str = "") -> Any:
        return request(self.base, method, path, token or self.token, body)

    def endpoint(self, receiver: Receiver) -> str:
        status, body, _ = self.call(
            "POST", "/cp/webhook-endpoints", {"url": receiver.url, "events": ["org.ready"]}
        )
        assert status == 201
        return body["secret"]

    def create_org(self) -> str:
        slug = f"org-{uuid.uuid4().hex[:8]}"
        status, org, _ = self.call(
            "POST", "/cp/orgs", {"name": slug, "slug": slug, "plan": "standard"}
        )
        assert status == 201
        return org["id"]

    def delivery(self, event_id: str) -> dict:
        status, event, _ = self.call("GET", f"/cp/events/{event_id}")
        assert status == 200
        (state,) = event["deliveries"]
        return state


def test_an_org_is_announced_as_ready_signed_with_its_login_url(deployment):
    base, env = deployment
    partner = Partner(base)
    with receiving() as receiver, worker_process(env):
        secret = partner.endpoint(receiver)
        org_id = partner.create_org()
        (sent,) = receiver.wait_for(1)
    body = sent.verify(secret)
    assert (body["type"], body["data"]["id"], body["data"]["status"]) == (
        "org.ready",
        org_id,
        "ready",
    )
    assert body["data"]["login_url"].startswith("https://app.moleculesai.app/login?org=org-")
    assert partner.delivery(sent.headers["webhook-id"])["status"] == "succeeded"


def test_a_receiver_answering_500_twice_then_200_gets_three_attempts_with_one_id(deployment):
    base, env = deployment
    partner = Partner(base)
    with receiving(script=[500, 500]) as receiver, worker_process(env):
        secret = partner.endpoint(receiver)
        partner.create_org()
        sent = receiver.wait_for(3)
    assert len({attempt.headers["webhook-id"] for attempt in sent}) == 1
    assert all(attempt.verify(secret)["type"] == "org.ready" for attempt in sent)
    assert sent[1].at - sent[0].at >= 0.9  # the schedule's 1 s between attempts
    state = partner.delivery(sent[0].headers["webhook-id"])
    assert (state["status"], state["attempts"], state["last_status_code"]) == ("succeeded", 3, 200)


def test_a_worker_killed_between_attempts_loses_nothing(deployment):
    needs_postgres()
    base, env = deployment
    partner = Partner(base)
    with receiving(script=[500]) as receiver:
        secret = partner.endpoint(receiver)
        with worker_process(env, CP_WEBHOOK_RETRY_SCHEDULE="0,3,1") as doomed:
            partner.create_org()
            (first,) = receiver.wait_for(1)
            event_id = first.headers["webhook-id"]
            wait_until(lambda: partner.delivery(event_id)["next_attempt_at"])
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        assert partner.delivery(event_id)["status"] == "pending"
        with worker_process(env):
            second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == event_id
    second.verify(secret)
    state = partner.delivery(event_id)
    assert (state["status"], state["attempts"]) == ("succeeded", 2)


def test_a_worker_killed_mid_delivery_loses_nothing(deployment):
    needs_postgres()
    base, env = deployment
    partner = Partner(base)
    with receiving(hold=threading.Event()) as receiver:
        secret = partner.endpoint(receiver)
        with worker_process(env) as doomed:
            partner.create_org()
            receiver.wait_arrived(1)  # the POST is in flight; the receiver has not answered
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        receiver.hold.set()
        event_id = receiver.arrived[0].headers["webhook-id"]
        assert receiver.requests == []
        with worker_process(env):  # its sweep finds the lease run out and sends again
            (delivered,) = receiver.wait_for(1)
    assert delivered.headers["webhook-id"] == event_id
    delivered.verify(secret)
    state = partner.delivery(event_id)
    assert (state["status"], state["attempts"]) == ("succeeded", 2)


def test_the_lifecycle_example_waits_for_the_webhook_when_given_a_receiver_url(deployment):
    from tests.live.server import free_port

    base, env = deployment
    with worker_process(env):
        result = subprocess.run(
            [sys.executable, "examples/org_lifecycle.py"],
            cwd=ROOT,
            env={
                "CP_URL": base,
                "CP_ADMIN_MASTER_KEY": MASTER_KEY,
                "CP_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/webhooks",
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "org.ready received (msg_" in result.stdout and "signature verified" in result.stdout
    assert "ready: send the customer to https://app.moleculesai.app/login?org=acme-" in (
        result.stdout
    )
    assert "deleted org_" in result.stdout
