"""Private services to break: a PostgreSQL cluster and a Redis of the tests' own, on free ports.

Outage tests stop and pause these (SIGSTOP, as a stalled host would), never the shared services.
The cluster is made once per session (`initdb` as the postgres user when the tests run as root) and
always torn down, whatever the tests did to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import needs_postgres, needs_redis, services_required
from tests.live.server import free_port, live_server, server_env

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pids_of(parent: int) -> list[int]:
    """`parent` and its children (a PostgreSQL cluster: the postmaster and its backends)."""
    children = subprocess.run(
        ["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [parent, *map(int, children)]


class PrivatePostgres:
    """A throwaway cluster: `stop`/`start` it, `pause`/`resume` every one of its processes."""

    def __init__(self, root: Path) -> None:
        self.root, self.data, self.port = root, root / "data", free_port()
        self.paused: list[int] = []

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
        initdb += ["--auth=trust", "-E", "UTF8", "--no-sync"]
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.root / "server.log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def pause(self) -> None:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        self.paused = _pids_of(postmaster)
        for pid in self.paused:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in reversed(self.paused):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused = []

    def ensure_running(self) -> None:
        self.resume()
        if not (self.data / "postmaster.pid").exists():
            self.start()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _needs_binaries() -> None:
    missing = [b for b in ("pg_ctl", "initdb") if not (PG_BIN / b).exists()]
    if missing or not shutil.which("redis-server"):
        if services_required():
            pytest.fail(f"Outage tests need PostgreSQL 15 binaries and redis-server ({missing}).")
        pytest.skip("needs PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin and redis-server")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    needs_postgres()  # the PostgreSQL run of the suite is the one that breaks a cluster
    _needs_binaries()
    root = Path(tempfile.mkdtemp(prefix="cp-outage-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PrivatePostgres(root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.resume()
        with contextlib.suppress(subprocess.SubprocessError):
            cluster._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def running_postgres(postgres: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """The private cluster, up; brought back up after the test whatever it did."""
    postgres.ensure_running()
    yield postgres
    postgres.ensure_running()


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            ).stdout.strip()
            != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.05)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    needs_redis()  # likewise the Redis run
    _needs_binaries()
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.close()


class Web:
    """gunicorn (the committed config, 4 workers) on the private cluster, its log in a file."""

    def __init__(self, base: str, env: dict[str, str], log: Path) -> None:
        self.base, self.env, self.log = base, env, log


@pytest.fixture(scope="session")
def web(postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    env = server_env(postgres.create_database("cp_outage"))
    log = tmp_path_factory.mktemp("outage") / "gunicorn.log"
    with live_server(env, workers=4, worker=False, log=log) as base:
        yield Web(base, env, log)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    seconds: float


def call(base: str, method: str, path: str, token: str, body: dict | None = None) -> Answer:
    """One HTTP call: (status, JSON body, headers, seconds it took)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
    return Answer(status, json.loads(raw) if raw else None, dict(got), time.monotonic() - started)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
