"""The product as a partner meets it: gunicorn with 4 workers, the worker process, real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.live.server import MASTER_KEY, fresh_database, live_server, server_env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with (
        fresh_database(tmp_path_factory.mktemp("live")) as database_url,
        live_server(server_env(database_url)) as base,
    ):
        yield base


def request(base: str, method: str, path: str, token: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def test_the_seed_calls_behave_as_the_contract_says_across_workers(server):
    seed = {"name": "acme-ci-pipeline", "scopes": ["orgs:create", "orgs:list"], "org_id": None}
    status, issued, headers = request(server, "POST", "/cp/admin/partner-keys", MASTER_KEY, seed)
    assert status == 201 and issued["key"].startswith("mol_pk_")
    assert headers["X-Request-Id"].startswith("req_")
    token = issued["key"]

    # Several calls land on different gunicorn workers; all agree.
    for _ in range(8):
        status, listing, _ = request(server, "GET", "/cp/admin/partner-keys", token)
        assert status == 200
        assert [k["id"] for k in listing["data"]] == [issued["id"]]
        assert token not in json.dumps(listing)

    status, body, _ = request(server, "DELETE", f"/cp/admin/partner-keys/{issued['id']}", token)
    assert (status, body) == (204, None)
    # The very next request, on any worker, is refused.
    for _ in range(8):
        status, body, headers = request(server, "GET", "/cp/admin/partner-keys", token)
        assert status == 401
        assert body["error"]["code"] == "unauthenticated"
        assert headers["WWW-Authenticate"] == 'Bearer realm="cp"'
