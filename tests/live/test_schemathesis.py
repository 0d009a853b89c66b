"""The schema is the truth: schemathesis drives every operation of /cp/openapi.json against gunicorn
and the worker on a fresh PostgreSQL database, with every check, and finds nothing.

Twice: with a partner key holding every scope, and with the master key. The number of examples
and the seed are fixed, so a run is reproducible (`st run` prints the command for each failure).
The server's limits are raised (this is a contract test, not a load test), GitHub secret scanning
is configured with a key of the test's own, and webhook deliveries wait a day: nothing the run
creates is ever sent anywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from partners.models import SCOPES
from tests.conftest import needs_postgres
from tests.leaks.conftest import GitHubKey, key_list
from tests.live import schemathesis_hooks as hooks
from tests.live.server import MASTER_KEY, ROOT, fresh_database, live_server, server_env

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = "15"
SEED = "20261201"
UNLIMITED = "1000000/m"
OPERATIONS = len(
    [
        op
        for item in json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"].values()
        for op in item
    ]
)  # every one of them is tested


def call(base: str, method: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """The server, a partner, two of its keys with every scope, and two webhook endpoints."""
    needs_postgres()
    tmp = tmp_path_factory.mktemp("schemathesis")
    keys = tmp / "github_keys.json"
    keys.write_bytes(key_list(GitHubKey.new()))
    env = server_env(
        "",
        PARTNER_KEY_DEFAULT_RATE=UNLIMITED,
        CP_AUTH_FAILURE_RATE=UNLIMITED,
        CP_PUBLIC_REVOKE_RATE=UNLIMITED,
        CP_SECRET_SCANNING_RATE=UNLIMITED,
        CP_SECRET_SCANNING_PUBLIC_KEYS=str(keys),
        CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",  # no DNS look-up of drawn host names
        CP_WEBHOOK_RETRY_SCHEDULE="86400",  # the first attempt is due after the run
        CP_MAX_BODY_BYTES=str(1024 * 1024),  # drawn lists of long strings fit
    )
    with fresh_database(tmp) as database_url:
        env["DATABASE_URL"] = database_url
        with live_server(env, workers=2) as base:
            call(base, "POST", "/cp/admin/partners", MASTER_KEY, {"name": "Acme", "slug": "acme"})
            every_scope = {"name": "schemathesis", "partner": "acme", "scopes": list(SCOPES)}
            key = call(base, "POST", "/cp/admin/partner-keys", MASTER_KEY, every_scope)
            sibling = call(base, "POST", "/cp/admin/partner-keys", MASTER_KEY, every_scope)
            endpoint = {"url": "https://hooks.example.com/molecule", "events": ["*"]}
            hook = call(base, "POST", "/cp/webhook-endpoints", key["key"], endpoint)
            spare = call(base, "POST", "/cp/webhook-endpoints", key["key"], endpoint)
            yield {
                "base": base,
                "key": key,
                "env": {
                    hooks.PARTNER: "acme",
                    hooks.ENDPOINT: hook["id"],
                    hooks.SIBLING_KEY: sibling["id"],
                    hooks.SPARE_ENDPOINT: spare["id"],
                },
            }


def schemathesis(base: str, token: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`st run` over every operation with every check; its output is the failure message."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/cp/openapi.json",
            "--url",
            base,
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {token}",
            # One worker: hypothesis parses lambdas' source, which CPython 3.11 cannot do from two
            # threads at once ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.live.schemathesis_hooks", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_partner_key_with_every_scope_finds_no_failure(deployment):
    env = {**deployment["env"], hooks.OWN_KEY: deployment["key"]["id"]}
    run = schemathesis(deployment["base"], deployment["key"]["key"], env)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert f"Tested: {OPERATIONS}" in run.stdout, run.stdout[-3000:]


def test_the_master_key_finds_no_failure(deployment):
    run = schemathesis(deployment["base"], MASTER_KEY, deployment["env"])
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert f"Tested: {OPERATIONS}" in run.stdout, run.stdout[-3000:]


def test_the_docs_page_and_its_files_are_served_by_gunicorn_itself(deployment):
    """DEBUG is false here: Swagger UI's files come from WhiteNoise, not from a CDN."""
    with urllib.request.urlopen(deployment["base"] + "/cp/docs/", timeout=10) as page:
        html = page.read().decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        with urllib.request.urlopen(deployment["base"] + asset, timeout=10) as response:
            assert response.status == 200
            assert response.read()
