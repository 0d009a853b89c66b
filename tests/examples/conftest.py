"""The examples run as a partner runs them: subprocesses against gunicorn and the worker on a fresh
database of the suite's backend (PostgreSQL in CI), with nothing of the test's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live.server import MASTER_KEY, ROOT, fresh_database, live_server, server_env
from tests.live.test_live_deployment import request

LIFECYCLE_SCOPES = ["orgs:create", "orgs:list", "orgs:delete", "workspaces:create", "billing:read"]
CI_SCOPES = ["orgs:create", "orgs:list", "orgs:delete"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        fresh_database(tmp_path_factory.mktemp("examples")) as database_url,
        live_server(server_env(database_url), workers=2) as base,
    ):
        yield base


def master(base: str, method: str, path: str, body: dict | None = None) -> Any:
    status, answer, _ = request(base, method, path, MASTER_KEY, body)
    assert status < 400, answer
    return answer


def issue_key(base: str, scopes: list[str]) -> tuple[str, str]:
    """(plaintext, id) of a new partner key of a new partner, as the account team issues it."""
    slug = f"p-{uuid.uuid4().hex[:8]}"
    master(base, "POST", "/cp/admin/partners", {"name": slug, "slug": slug})
    issued = master(
        base, "POST", "/cp/admin/partner-keys", {"name": "ex", "scopes": scopes, "partner": slug}
    )
    return issued["key"], issued["id"]


def orgs_with(base: str, external_id: str) -> list[dict]:
    """Every org, in any status, with this external_id (the master key sees all)."""
    statuses = "provisioning,ready,failed,deleting,deleted"
    page = master(base, "GET", f"/cp/orgs?external_id={external_id}&status={statuses}&limit=200")
    return page["data"]


def wait_deleted(base: str, org_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (org := master(base, "GET", f"/cp/orgs/{org_id}"))["status"] != "deleted":
        assert time.monotonic() < deadline, org
        time.sleep(0.2)
    return org


def run_example(command: list[str], env: dict[str, str], timeout: float = 120) -> Any:
    """The example in a clean environment (PATH only, plus `env`), as a pipeline would run it."""
    return subprocess.run(
        command,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


PYTHON = sys.executable
