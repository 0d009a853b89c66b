"""The guide's `sh` blocks, run in order in one bash session (`set -euo pipefail`) against
gunicorn and the worker on a fresh database, as a new partner would paste them: the guide cannot
drift from the API. BASE is the server; `.env` holds the master key, as `make run` writes it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.docs.guide import blocks
from tests.live.server import MASTER_KEY, ROOT, fresh_database, live_server, server_env
from tests.live.test_live_deployment import request

# A floor, so that marking blocks "not run" cannot quietly hollow the test out.
AT_LEAST = 20
DONE = "=== the guide ran to its end ==="


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        fresh_database(tmp_path_factory.mktemp("guide")) as database_url,
        live_server(server_env(database_url), workers=2) as base,
    ):
        yield base


def script() -> tuple[str, int]:
    runnable = [block for block in blocks() if block.runs]
    parts = ["set -euo pipefail"]
    for number, block in enumerate(runnable, 1):
        parts.append(f'echo "=== block {number} (guide line {block.line}) ===" >&2')
        parts.append(block.code)
    parts.append(f'echo "{DONE}" >&2')
    parts.append('printf "%s\\n" "$KEY" "$OLD_KEY" "$ENDPOINT" > state.txt')
    return "\n".join(parts), len(runnable)


def master(base: str, path: str) -> dict:
    status, body, _ = request(base, "GET", path, MASTER_KEY)
    assert status == 200, body
    return body


def test_every_runnable_block_of_the_guide_runs_in_order_and_leaves_nothing_behind(
    server, tmp_path
):
    for tool in ("curl", "jq"):
        assert shutil.which(tool), f"the guide needs {tool} (.ci/run installs jq)"
    (tmp_path / ".env").write_text(f"DEBUG=true\nCP_ADMIN_MASTER_KEY={MASTER_KEY}\n")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    code, count = script()

    done = subprocess.run(
        ["bash", "-c", code],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "BASE": server, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-2000:]
    assert count >= AT_LEAST
    assert DONE in done.stderr
    key, old_key, endpoint = (tmp_path / "state.txt").read_text().split()
    # Every org the guide made is deleted or on its way (billing stopped), none left behind.
    orgs = master(server, "/cp/orgs?status=provisioning,ready,failed,deleting,deleted")["data"]
    assert len(orgs) >= 5
    assert {org["status"] for org in orgs} <= {"deleting", "deleted"}
    first = next(org for org in orgs if org["slug"].startswith("acme-"))
    assert first["status"] == "deleted"
    assert [org["sandbox"] for org in orgs if org["slug"].startswith("ci-guide-")] == [True]
    for org in orgs:
        assert master(server, f"/cp/orgs/{org['id']}/billing")["status"] in ("canceled", None)
    # The rotation section retired the first key; its successor works; the endpoint is gone.
    assert request(server, "GET", "/cp/orgs", old_key)[0] == 401
    assert request(server, "GET", "/cp/orgs", key)[0] == 200
    assert request(server, "GET", f"/cp/webhook-endpoints/{endpoint}", key)[0] == 404
    # What a partner reads in the output.
    assert "https://app.moleculesai.app/login?org=acme-" in done.stdout
    assert "unsupported_media_type" in done.stdout
    assert "Idempotent-Replayed: true" in done.stdout
    assert "idempotency_key_reused" in done.stdout
    assert 'RateLimit-Policy: "key";q=600;w=60' in done.stdout
    assert "placeholder" not in done.stdout  # the guide's own test step ran
    assert "testing against https://app.moleculesai.app/login?org=ci-guide-" in done.stdout
    assert '{"received":1}' in done.stdout
    assert key not in done.stdout + done.stderr
