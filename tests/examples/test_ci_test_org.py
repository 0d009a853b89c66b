"""examples/ci_test_org.sh (bash, curl, jq) against gunicorn and the worker: a sandbox org per run,
the test step sees it, and it is deleted whatever the step did, with the step's exit status."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid

import pytest

from tests.examples.conftest import (
    CI_SCOPES,
    issue_key,
    master,
    orgs_with,
    run_example,
    wait_deleted,
)
from tests.live.server import ROOT

SCRIPT = ["bash", "examples/ci_test_org.sh"]


@pytest.fixture(autouse=True)
def _jq() -> None:
    if shutil.which("jq") is None:  # .ci/run installs it
        pytest.fail("the CI example needs jq (apt-get install jq)")


def run_id() -> str:
    return uuid.uuid4().hex[:10]


def the_org(server: str, run: str) -> dict:
    (org,) = orgs_with(server, f"ci-{run}")
    return org


def test_a_passing_run_creates_a_sandbox_org_tests_against_it_and_deletes_it(server, tmp_path):
    key, _ = issue_key(server, CI_SCOPES)
    run, seen = run_id(), tmp_path / "seen"
    command = f'echo "$ORG_ID $ORG_SLUG $LOGIN_URL" > {seen}'

    result = run_example(
        SCRIPT,
        {"CP_URL": server, "CP_KEY": key, "CP_RUN_ID": run, "CP_TEST_COMMAND": command},
    )

    assert result.returncode == 0, result.stderr
    org = the_org(server, run)
    assert org["sandbox"] is True and org["expires_at"] is not None
    assert seen.read_text().split() == [
        org["id"],
        f"ci-{run}",
        f"https://app.moleculesai.app/login?org=ci-{run}",
    ]
    assert f"ci_test_org: deleted {org['id']}" in result.stderr
    wait_deleted(server, org["id"])
    assert master(server, "GET", f"/cp/orgs/{org['id']}/billing")["status"] == "canceled"


def test_the_placeholder_step_runs_when_no_command_is_given_and_github_names_the_run(server):
    key, _ = issue_key(server, CI_SCOPES)
    github_run = str(int(time.time() * 1000))

    result = run_example(
        SCRIPT,
        {"CP_URL": server, "CP_KEY": key, "GITHUB_RUN_ID": github_run, "GITHUB_RUN_ATTEMPT": "2"},
    )

    assert result.returncode == 0, result.stderr
    org = the_org(server, f"{github_run}-2")
    assert "placeholder test step: test against https://app.moleculesai.app/login?org=ci-" in (
        result.stdout
    )
    assert org["status"] in ("deleting", "deleted")


def test_a_failing_test_step_still_deletes_the_org_and_keeps_its_exit_status(server):
    key, _ = issue_key(server, CI_SCOPES)
    run = run_id()

    result = run_example(
        SCRIPT,
        {"CP_URL": server, "CP_KEY": key, "CP_RUN_ID": run, "CP_TEST_COMMAND": "exit 7"},
    )

    assert result.returncode == 7
    assert "the test step failed with exit status 7" in result.stderr
    wait_deleted(server, the_org(server, run)["id"])


def test_a_canceled_job_stops_the_step_and_deletes_the_org(server):
    key, _ = issue_key(server, CI_SCOPES)
    run = run_id()
    env = {"CP_URL": server, "CP_KEY": key, "CP_RUN_ID": run, "CP_TEST_COMMAND": "sleep 60"}
    process = subprocess.Popen(
        SCRIPT, cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env}, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until the test step runs
        if "ready:" in line:
            break
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=20) == 143
    assert "terminated" in process.stderr.read()
    wait_deleted(server, the_org(server, run)["id"])


def test_missing_variables_and_a_refused_key_are_clear_and_leave_nothing(server):
    no_url = run_example(SCRIPT, {"CP_KEY": "x"})
    no_key = run_example(SCRIPT, {"CP_URL": server})
    run = run_id()
    bad_key = run_example(
        SCRIPT, {"CP_URL": server, "CP_KEY": "mol_pk_not_a_key", "CP_RUN_ID": run}
    )

    assert (no_url.returncode, no_key.returncode) == (2, 2)
    assert no_url.stderr.startswith("ci_test_org: CP_URL is not set")
    assert no_key.stderr.startswith("ci_test_org: CP_KEY is not set")
    assert bad_key.returncode == 1
    assert "POST /cp/orgs → 401 unauthenticated: The API key is malformed" in bad_key.stderr
    assert orgs_with(server, f"ci-{run}") == []
