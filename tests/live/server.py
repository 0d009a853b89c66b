"""A real deployment for tests: migrate a fresh database, then gunicorn (N workers) and the worker.

The database is the suite's backend family (a temporary SQLite file, or a fresh PostgreSQL database
beside DATABASE_URL's), but never pytest's own test database, so the servers see what they commit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MASTER_KEY = "live-master-key-0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for an empty database of the suite's backend, dropped afterwards."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    import psycopg

    name = f"cp_live_{uuid.uuid4().hex[:10]}"
    admin = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin += f" password={db['PASSWORD']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        password = db.get("PASSWORD") or ""
        yield f"postgres://{db['USER']}:{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY="live-test-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        CP_ADMIN_MASTER_KEY=MASTER_KEY,
        **extra,
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    return env


def _wait_healthy(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def live_server(
    env: dict[str, str],
    workers: int = 4,
    worker: bool = True,
    setup: list[list[str]] | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """Migrate, run the `setup` manage.py commands, start gunicorn with `workers` processes and the
    task worker; yield the base URL. With `log`, everything the servers print (gunicorn's access
    log included) goes to that file, for tests that read it."""
    python = sys.executable
    for command in [["migrate", "--no-input", "-v", "0"], *(setup or [])]:
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300)
    port = free_port()
    output = open(log, "ab") if log else None  # noqa: SIM115  (closed below, after the servers)
    access_log = ["--access-logfile", "-"] if log else []
    gunicorn = [str(Path(python).parent / "gunicorn"), "config.wsgi", "-w", str(workers)]
    commands = [[*gunicorn, "-b", f"127.0.0.1:{port}", "--log-level", "warning", *access_log]]
    if worker:
        commands.append([python, "manage.py", "worker"])
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        for command in commands
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, processes[0])
        yield base
    finally:
        for process in processes:
            _stop(process)
        if output:
            output.close()
