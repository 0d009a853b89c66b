"""The Redis budget of each kind of call, counted exactly on a private redis-server.

The counts come from `INFO commandstats` of a server this test starts on a free port (never the
shared one, which other processes use). Commands a Lua script runs are listed there too: a call's
round trips are its top-level commands (here only EVALSHA), the rest runs inside the script.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings

from core import tokens
from core.models import IdempotencyRecord
from tests.conftest import CPClient, services_required
from tests.ratelimit.conftest import KEYS_URL, assert_rate_limited, state_of

pytestmark = pytest.mark.django_db

# Counting a call in a window that is already open: one EVALSHA, which runs one INCR.
COUNTED = Counter({"evalsha": 1, "incr": 1})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis() -> Iterator[redis.Redis]:
    """A redis-server of this test's own, as the default cache; stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        if services_required():
            pytest.fail("redis-server is needed to count Redis commands.")
        pytest.skip("needs the redis-server binary")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        _wait_for(client)
        location = f"redis://127.0.0.1:{port}/0"
        cache = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location}
        with override_settings(CACHES={"default": cache}):
            yield client
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def _wait_for(client: redis.Redis, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def commands_of(server: redis.Redis, call) -> tuple[Counter, object]:
    """The commands the server ran for `call()` (less this test's own INFO), and its answer."""
    before = _stats(server)
    answer = call()
    return _stats(server) - before, answer


def _stats(server: redis.Redis) -> Counter:
    stats = server.info("commandstats")
    return Counter(
        {name.removeprefix("cmdstat_"): row["calls"] for name, row in stats.items()}
    ) - Counter({"info": 10**9})


def test_a_valid_key_costs_one_round_trip_and_opens_its_window_with_the_same_one(
    private_redis, key_client
):
    _, client = key_client()
    _, other = key_client()
    other.get(KEYS_URL)  # the process's connection and the server's script cache, once

    first, answer = commands_of(private_redis, lambda: client.get(KEYS_URL))
    second, _ = commands_of(private_redis, lambda: client.get(KEYS_URL))

    assert answer.status_code == 200
    assert first == COUNTED + Counter({"expire": 1})
    assert second == COUNTED


def test_a_server_that_does_not_know_the_script_yet_costs_one_more_round_trip_once(
    private_redis, key_client
):
    _, client = key_client()
    cache.get("connect")  # the process's connection, once
    private_redis.script_flush()

    first, _ = commands_of(private_redis, lambda: client.get(KEYS_URL))
    second, _ = commands_of(private_redis, lambda: client.get(KEYS_URL))

    assert first == Counter({"evalsha": 1, "eval": 1, "incr": 1, "expire": 1})  # NOSCRIPT, EVAL
    assert second == COUNTED


def test_a_status_poll_costs_one_round_trip(private_redis, key_client):
    _, client = key_client()
    org = client.post("/cp/orgs", {"name": "Acme", "slug": "acme-corp", "plan": "standard"})
    path = f"/cp/orgs/{org.json()['id']}/status"

    used, answer = commands_of(private_redis, lambda: client.get(path))

    assert answer.status_code == 200
    assert used == COUNTED


def test_the_master_key_costs_no_round_trip(private_redis, master):
    master.get(KEYS_URL)

    used, answer = commands_of(private_redis, lambda: master.get(KEYS_URL))

    assert answer.status_code == 200
    assert used == Counter()


@pytest.mark.parametrize(
    "token",
    [None, "mol_pk_short", "unknown"],
    ids=["no-bearer", "bad-checksum", "unknown-well-formed"],
)
def test_a_failed_credential_costs_one_round_trip(private_redis, anon, token):
    token = tokens.generate() if token == "unknown" else token
    anon.get(KEYS_URL, token=token)

    used, answer = commands_of(private_redis, lambda: anon.get(KEYS_URL, token=token))

    assert answer.status_code == 401
    assert used == COUNTED


@override_settings(CP_AUTH_FAILURE_RATE="1/m")
def test_a_blocked_address_costs_one_round_trip_per_guess(private_redis, anon):
    anon.get(KEYS_URL, token="mol_pk_short")

    used, answer = commands_of(private_redis, lambda: anon.get(KEYS_URL, token="mol_pk_short"))

    assert_rate_limited(answer)
    assert used == COUNTED


def test_an_idempotent_call_and_its_replay_cost_one_round_trip_each(private_redis, key_client):
    _, client = key_client(rate_limit="10/m")
    client.get(KEYS_URL)

    def create() -> object:
        body = {"name": "Acme", "slug": "acme-corp", "plan": "standard"}
        return client.post("/cp/orgs", body, headers={"Idempotency-Key": "once"})

    created_cost, created = commands_of(private_redis, create)
    replay_cost, replay = commands_of(private_redis, create)

    assert (created.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert [state_of(created)[1], state_of(replay)[1]] == [8, 7]
    assert created_cost == replay_cost == COUNTED
    assert IdempotencyRecord.objects.count() == 1


def test_the_health_check_costs_no_round_trip(private_redis):
    used, answer = commands_of(private_redis, lambda: CPClient().get("/healthz"))

    assert answer.status_code == 200
    assert used == Counter()
