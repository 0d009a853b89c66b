"""examples/org_lifecycle.py against gunicorn and the worker: the org it made is gone afterwards,
its retries are safe, and every way it can fail is one clear line and exit status 2."""

from __future__ import annotations

import uuid

from tests.examples.conftest import (
    LIFECYCLE_SCOPES,
    PYTHON,
    issue_key,
    master,
    orgs_with,
    run_example,
    wait_deleted,
)
from tests.examples.faulty_proxy import faulty_proxy
from tests.live.server import MASTER_KEY, free_port

EXAMPLE = [PYTHON, "examples/org_lifecycle.py"]


def slug() -> str:
    return f"acme-{uuid.uuid4().hex[:8]}"


def assert_clean_failure(result, message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"org_lifecycle: {message}"), line
    assert "Traceback" not in result.stdout + result.stderr


def test_it_creates_uses_and_deletes_an_org_with_a_partner_key(server):
    key, _ = issue_key(server, LIFECYCLE_SCOPES)
    name = slug()

    result = run_example(EXAMPLE, {"CP_URL": server, "CP_KEY": key, "CP_ORG_SLUG": name})

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"ready: send the customer to https://app.moleculesai.app/login?org={name}" in out
    assert 'RateLimit-Policy: "key";q=600;w=60' in out
    assert "workspaces: research, Default" in out
    assert "billing: standard, 1 seat(s), direct, active" in out
    assert key not in out + result.stderr
    (org,) = orgs_with(server, name)
    assert org["status"] == "deleted" and org["slug"] == name
    assert f"deleted {org['id']}; its slug is free again" in out
    billing = master(server, "GET", f"/cp/orgs/{org['id']}/billing")
    assert billing["status"] == "canceled" and billing["canceled_at"] is not None
    names = [w["name"] for w in master(server, "GET", f"/cp/orgs/{org['id']}/workspaces")["data"]]
    assert sorted(names) == ["Default", "research"]


def test_the_readme_demo_issues_a_key_and_revokes_it_at_the_end(server):
    result = run_example(EXAMPLE, {"CP_URL": server, "CP_ADMIN_MASTER_KEY": MASTER_KEY})

    assert result.returncode == 0, result.stdout + result.stderr
    key_id = result.stdout.split("issued demo key ")[1].split()[0]
    assert "its next call is refused: 401" in result.stdout
    assert master(server, "GET", f"/cp/admin/partner-keys/{key_id}")["status"] == "revoked"
    name = result.stdout.split("login?org=")[1].split()[0]
    assert [org["status"] for org in orgs_with(server, name)] == ["deleted"]


def test_a_lost_answer_and_a_502_are_retried_with_the_same_idempotency_key(server):
    key, _ = issue_key(server, LIFECYCLE_SCOPES)
    name = slug()
    faults = {
        ("POST", "/cp/orgs"): ["drop"],  # created upstream; the answer never arrives
        ("GET", r"/cp/orgs/[^/]+/status"): ["429"],
        ("POST", r"/cp/orgs/[^/]+/workspaces"): ["502"],  # created upstream; answered 502
    }
    with faulty_proxy(server, faults) as proxy:
        result = run_example(EXAMPLE, {"CP_URL": proxy.url, "CP_KEY": key, "CP_ORG_SLUG": name})

    assert result.returncode == 0, result.stdout + result.stderr
    creates = [seen for seen in proxy.seen if (seen.method, seen.path) == ("POST", "/cp/orgs")]
    assert [(c.fault, c.upstream_status, c.replayed) for c in creates] == [
        ("drop", 201, False),
        (None, 201, True),
    ]
    assert creates[0].idempotency_key and creates[0].idempotency_key == creates[1].idempotency_key
    workspaces = [s for s in proxy.seen if s.method == "POST" and s.path.endswith("/workspaces")]
    assert [(w.fault, w.replayed) for w in workspaces] == [("502", False), (None, True)]
    assert workspaces[0].idempotency_key == workspaces[1].idempotency_key
    assert "no answer (RemoteProtocolError); retry 1/4" in result.stdout
    assert "429 rate_limited; retry 1/4 in 1.0s" in result.stdout
    assert "a replay: an earlier attempt had created it" in result.stdout
    (org,) = orgs_with(server, name)  # one org, not two, and it is gone
    wait_deleted(server, org["id"])
    names = [w["name"] for w in master(server, "GET", f"/cp/orgs/{org['id']}/workspaces")["data"]]
    assert sorted(names) == ["Default", "research"]


def test_missing_variables_are_one_line_and_exit_2(server):
    no_url = run_example(EXAMPLE, {})
    no_key = run_example(EXAMPLE, {"CP_URL": server})

    assert_clean_failure(
        no_url, "CP_URL is not set: the control plane's address, e.g. https://cp.moleculesai.app"
    )
    assert_clean_failure(no_key, "CP_KEY is not set: a partner key with the scopes orgs:create")


def test_an_unreachable_server_is_one_line_and_exit_2():
    url = f"http://127.0.0.1:{free_port()}"

    result = run_example(EXAMPLE, {"CP_URL": url, "CP_KEY": "mol_pk_anything"})

    assert_clean_failure(result, f"cannot reach CP_URL={url}")


def test_a_revoked_key_is_one_line_and_exit_2(server):
    key, key_id = issue_key(server, LIFECYCLE_SCOPES)
    master(server, "DELETE", f"/cp/admin/partner-keys/{key_id}")

    result = run_example(EXAMPLE, {"CP_URL": server, "CP_KEY": key})

    assert_clean_failure(
        result, "the key was refused: POST /cp/orgs → 401 unauthenticated: The API key has been"
    )
    assert key not in result.stdout + result.stderr
