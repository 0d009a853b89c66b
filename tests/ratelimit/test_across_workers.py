"""Limits hold exactly across processes: 4 gunicorn workers share one Redis counter per key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit.models import AuditEvent
from core import ratelimit
from partners import services
from tests.conftest import needs_postgres, needs_redis
from tests.ratelimit.conftest import KEYS_URL

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{connection.settings_dict['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SECURE_SSL_REDIRECT": "false",
        "CP_ADMIN_MASTER_KEY": settings.CP_ADMIN_MASTER_KEY,
    }


@pytest.fixture
def server() -> Iterator[str]:
    """A 4-worker gunicorn on a free port, on the test's database and Redis; always killed."""
    needs_postgres()
    needs_redis()
    base = f"http://127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "-w", "4", "-b", base.removeprefix("http://")],
        cwd=ROOT,
        env=_server_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_until_ready(base, process)
        yield base
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets the arbiter stop its workers (closing their database sessions); past a few
    seconds the whole process group is killed, so no worker outlives the test."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_until_ready(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer /healthz in time")


def _get(url: str, token: str) -> tuple[int, dict[str, str], dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.django_db(transaction=True)
def test_a_key_limited_to_5_a_minute_gets_exactly_5_of_20_concurrent_requests(server, make_key):
    key, token = make_key(rate_limit="5/m")
    # Fire inside one window: if this key's window is about to roll over, wait for the next one.
    reset = ratelimit.peek(key.budget()).reset
    if reset < 15:
        time.sleep(reset + 1)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: _get(f"{server}{KEYS_URL}", token), range(20)))

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 5 + [429] * 15
    remaining = sorted(int(h["RateLimit"].split(";r=")[1].split(";")[0]) for s, h, _ in answers)
    assert remaining == [0] * 16 + [1, 2, 3, 4]
    for status, headers, body in answers:
        assert headers["RateLimit-Policy"] == '"key";q=5;w=60'
        if status == 429:
            assert body["error"]["code"] == "rate_limited"
            assert body["error"]["request_id"] == headers["X-Request-Id"]
            assert 0 < int(headers["Retry-After"]) <= 60
    assert AuditEvent.objects.filter(key_id=key.id, action="rate_limit.exceeded").count() == 15
    assert ratelimit.peek(key.budget()).used == 20


@pytest.mark.django_db(transaction=True)
def test_a_rotated_key_and_its_successor_get_exactly_5_of_20_concurrent_requests(server, make_key):
    key, old = make_key(rate_limit="5/m")
    with transaction.atomic():
        new = services.partner_key_rotate(key=key, grace_seconds=600, rotated_by="test").plaintext
    reset = ratelimit.peek(key.budget()).reset
    if reset < 15:
        time.sleep(reset + 1)

    tokens = [old, new] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda token: _get(f"{server}{KEYS_URL}", token), tokens))

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 5 + [429] * 15  # not 5 for each key: one budget for the two
    for token in (old, new):
        mine = [status for t, (status, _, _) in zip(tokens, answers, strict=True) if t == token]
        assert mine.count(429) >= 5
    assert AuditEvent.objects.filter(action="rate_limit.exceeded", status_code=429).count() == 15
    assert ratelimit.peek(key.budget()).used == 20
