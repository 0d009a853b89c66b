"""The bench's deployment: a fresh PostgreSQL database, its environment, gunicorn and the worker.

The servers run the way the Procfile runs them (gunicorn with the committed `gunicorn.conf.py`:
`WEB_CONCURRENCY` buffering gthread workers and the access log; `manage.py worker` beside it), on
production settings (`DEBUG=false`, a `SECRET_KEY`, no SSL redirect behind the loopback), with
`bench.settings` so the bench's own targets and the peer's app are there too.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from tests.live.processes import free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"
MASTER_KEY = "bench-master-key-0123456789abcdef0123456789abcdef"
# High enough that no target ever meets a 429 (the settings accept at most 9 digits).
UNLIMITED_RATE = "100000000/m"


def server_url(base: str | None) -> str:
    """The PostgreSQL server to create bench databases on (any database name in it is ignored)."""
    base = base or os.environ.get("DATABASE_URL", "")
    return base if base.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


def _admin_conninfo(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def _with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


@contextlib.contextmanager
def fresh_database(
    base: str | None, *, prefix: str = "cp_bench", keep: bool = False
) -> Iterator[str]:
    """A new empty database `<prefix>_<random>` on the server of `base`; dropped unless `keep`."""
    import psycopg

    server = server_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_conninfo(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    try:
        yield url
    finally:
        if keep:
            print(f"kept database {name}: DATABASE_URL={url}")
        else:
            drop_database(url)


def drop_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings for the bench's servers (and for the harness's own Django)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY="bench-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        CP_ADMIN_MASTER_KEY=MASTER_KEY,
        PARTNER_KEY_DEFAULT_RATE=UNLIMITED_RATE,
        CP_AUTH_FAILURE_RATE=UNLIMITED_RATE,
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    """Configure this process like the servers, then set Django up."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_bench_extra() -> None:
    """The peer and the profiler live in the `bench` extra; install it into this venv if missing."""
    try:
        importlib.import_module("rest_framework_api_key")
        importlib.import_module("pyinstrument")
    except ImportError:
        print("installing the bench extra: pip install -e '.[bench]'", flush=True)
        subprocess.run(
            [PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[bench]"], cwd=ROOT, check=True
        )
        importlib.invalidate_caches()


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's `wrk` package with apt-get", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


@contextlib.contextmanager
def servers(env: dict[str, str], *, workers: int, log_dir: Path) -> Iterator[str]:
    """gunicorn (the committed gunicorn.conf.py, as the Procfile, with `workers` processes) and
    `manage.py worker`; yields the URL."""
    port = free_port()
    bin_dir = Path(PYTHON).parent
    web_log = (log_dir / "gunicorn.log").open("w")
    worker_log = (log_dir / "worker.log").open("w")
    web = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log: written as in production, not kept
        stderr=web_log,
    )
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "worker"], cwd=ROOT, env=env, stdout=worker_log, stderr=worker_log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, web)
        yield base
    except BaseException:
        for log in (web_log, worker_log):
            log.flush()
            tail = Path(log.name).read_text().splitlines()[-20:]
            print(f"--- last lines of {Path(log.name).name} ---", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        stop(web)
        stop(worker)
        web_log.close()
        worker_log.close()
