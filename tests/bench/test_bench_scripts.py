"""The README's benchmark commands still run and print their tables (speed is never asserted here).

Each script is run as the README runs it, on small sizes: `bench/run.py` (the production shape,
one short round of the status poll, its floor and its peer), `bench/scale.py` (two small sizes and
their plans) and `bench/hot_path.py`. PostgreSQL and Redis only: that is what they measure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_postgres, needs_redis
from tests.live.server import ROOT, fresh_database

pytestmark = [pytest.mark.usefixtures("_services")]


@pytest.fixture
def _services() -> None:
    needs_postgres()
    needs_redis()


def run(*args: str, timeout: int = 300, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(REDIS_URL="redis://127.0.0.1:6379/13", **extra)
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_production_shape_prints_its_ratios() -> None:
    out = run(
        "bench/run.py",
        *("--rounds", "1", "--duration", "1", "--warmup", "1", "--workers", "2"),
        *("--orgs", "200", "--only", "status,floor,peer+audit,ceiling"),
    )
    for ratio in ("status / floor", "status / peer+audit", "status / ceiling"):
        assert re.search(rf"^{re.escape(ratio)}\s+\d+\.\d\d", out, re.M), out[-2000:]


def test_the_scale_mode_prints_both_sizes_and_every_plan() -> None:
    out = run(
        "bench/scale.py", "--small", "200", "--large", "2000", "--rounds", "1", "--calls", "5"
    )
    for call in ("status", "key lookup", "list, first page", "list, deep page"):
        assert re.search(
            rf"^{re.escape(call)}\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+", out, re.M
        )
    assert re.search(r"^--- plans at \S+ orgs ---$", out, re.M), out[-2000:]


def test_the_hot_path_counts_statements_and_round_trips(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as database_url:  # it migrates the database it is given
        out = run("bench/hot_path.py", "--requests", "20", DATABASE_URL=database_url)
    row = re.search(r"^GET status, valid partner key\s+(.*)$", out, re.M)
    assert row is not None, out
    *_, sql, redis_trips, _ = row.group(1).split()
    assert (sql, redis_trips) == ("3", "1")
