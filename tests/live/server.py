"""A real deployment for tests: migrate a fresh database, then gunicorn (N workers) and the worker.

gunicorn runs the committed `gunicorn.conf.py`, so every live test runs the production shape. The
database is the suite's backend family (a temporary SQLite file, or a fresh PostgreSQL database
beside DATABASE_URL's), but never pytest's own test database, so the servers see what they commit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings

from tests.live.processes import free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
MASTER_KEY = "live-master-key-0123456789abcdef0123456789abcdef"


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


def migrate(env: dict[str, str], setup: list[list[str]] | None = None) -> None:
    """`migrate`, then the `setup` manage.py commands (e.g. `bootstrap_admin`)."""
    for command in [["migrate", "--no-input", "-v", "0"], *(setup or [])]:
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
        )


def start_gunicorn(
    env: dict[str, str], port: int, workers: int = 4, output: IO[bytes] | None = None
) -> subprocess.Popen:
    """gunicorn with the committed config on 127.0.0.1:`port`; its logs to `output` when given."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "info" if output else "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
    )


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
    migrate(env, setup)
    port = free_port()
    output = open(log, "ab") if log else None  # noqa: SIM115  (closed below, after the servers)
    processes = [start_gunicorn(env, port, workers, output)]
    if worker:
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "worker"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=output,
            )
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, processes[0])
        yield base
    finally:
        for process in processes:
            stop(process)
        if output:
            output.close()
