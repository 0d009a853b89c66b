"""Leak response on a real deployment (gunicorn, 2 workers): a signed GitHub report and the docs'
own commands (the README's self-signed report, the guide's curl) revoke a key on every worker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.leaks.conftest import GitHubKey, key_list, match, sha256
from tests.live.server import MASTER_KEY, ROOT, fresh_database, live_server, server_env

# The server's key list, read on every report: written by a test, or by the README's commands.
GITHUB_KEYS = "github-test-keys.json"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """(base URL, a directory the server reads its key list from)."""
    workdir = tmp_path_factory.mktemp("live-leaks")
    keys = workdir / "keys"
    keys.mkdir()
    with (
        fresh_database(workdir) as database_url,
        live_server(
            server_env(database_url, CP_SECRET_SCANNING_PUBLIC_KEYS=str(keys / GITHUB_KEYS)),
            workers=2,
            worker=False,
        ) as base,
    ):
        yield base, keys


def call(
    base: str,
    method: str,
    path: str,
    *,
    token: str = "",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, object]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def issue_key(base: str) -> str:
    seed = json.dumps({"name": "leaky", "scopes": ["orgs:list"], "org_id": None}).encode()
    status, issued = call(base, "POST", "/cp/admin/partner-keys", token=MASTER_KEY, body=seed)
    assert status == 201
    return issued["key"]  # type: ignore[index]


def assert_refused_on_every_worker(base: str, token: str) -> None:
    for _ in range(6):
        status, body = call(base, "GET", "/cp/admin/partner-keys", token=token)
        assert (status, body["error"]["message"]) == (401, "The API key has been revoked.")  # type: ignore[index]


def shell_block(document: Path, containing: str) -> str:
    blocks = re.findall(r"^ *```sh\n(.*?)^ *```$", document.read_text(), re.MULTILINE | re.DOTALL)
    (block,) = [block for block in blocks if containing in block]
    return block


def run(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_signed_report_revokes_the_key_on_every_worker(deployment):
    base, keys = deployment
    github = GitHubKey.new()
    (keys / GITHUB_KEYS).write_bytes(key_list(github))
    token = issue_key(base)
    body = json.dumps([match(token)]).encode()
    signed = {
        "Github-Public-Key-Identifier": github.identifier,
        "Github-Public-Key-Signature": github.sign(body),
    }

    status, labels = call(base, "POST", "/cp/secret-scanning/reports", body=body, headers=signed)

    assert status == 200
    assert labels == [
        {
            "token_hash": sha256(token),
            "token_type": "molecule_partner_key",
            "label": "true_positive",
        }
    ]
    assert_refused_on_every_worker(base, token)
    again = call(base, "POST", "/cp/secret-scanning/reports", body=body, headers=signed)
    assert again == (200, labels)


def test_the_readmes_self_signed_report_works_as_written(deployment):
    if shutil.which("openssl") is None:
        pytest.skip("the README's commands need openssl")
    base, keys = deployment
    token = issue_key(base)
    script = shell_block(ROOT / "README.md", "Github-Public-Key-Signature")

    answer = run(script, keys, BASE=base, KEY=token)  # writes the list where the server reads it

    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout.splitlines()[0]) == [
        {
            "token_hash": sha256(token),
            "token_type": "molecule_partner_key",
            "label": "true_positive",
        }
    ]
    assert_refused_on_every_worker(base, token)


def test_the_guides_public_revocation_curl_works_as_written(deployment, tmp_path):
    base, _ = deployment
    token = issue_key(base)
    script = shell_block(ROOT / "docs" / "guides" / "partner-onboarding.md", "credentials/revoke")
    script = script.replace("mol_pk_…", token)

    done = run(script, tmp_path, BASE=base)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 202 Accepted")
    assert done.stdout.rstrip().endswith('{"received":1}')
    assert_refused_on_every_worker(base, token)
