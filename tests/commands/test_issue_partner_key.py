"""`issue_partner_key`: validated like the API, the key printed once, only its hash stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError
from django.utils import timezone

from core import tokens as keys
from orgs.models import Org
from partners.models import PartnerKey
from tests.commands.conftest import run


def test_the_key_goes_to_stdout_once_and_its_details_to_stderr(partner):
    out = run(
        "issue_partner_key",
        "--name",
        "acme-ci",
        "--scopes",
        "orgs:create,orgs:list",
        "--partner",
        "acme",
    )

    plaintext = out.stdout.strip()
    assert keys.is_well_formed(plaintext)
    assert plaintext not in out.stderr
    key = PartnerKey.objects.get()
    assert key.key_hash == keys.hash_token(plaintext)
    assert (key.name, key.partner, key.created_by) == ("acme-ci", partner, "cli")
    assert key.scopes == ["orgs:create", "orgs:list"]
    for line in [f"id:      {key.id}", f"hint:    {key.hint}", "scopes:  orgs:create, orgs:list"]:
        assert line in out.stderr
    assert "shown only once" in out.stderr


def test_json_output_carries_the_key_and_its_metadata(partner):
    org = Org.objects.create(name="P", slug="acme-prod", plan="standard", partner=partner)
    expires = (timezone.now() + timedelta(days=7)).isoformat()

    out = run(
        "issue_partner_key",
        "--name",
        "bound",
        "--scopes",
        "orgs:list",
        "--partner",
        partner.pk,
        "--org",
        org.pk,
        "--expires-at",
        expires,
        "--rate-limit",
        "60/m",
        "--json",
    )

    body = json.loads(out.stdout)
    key = PartnerKey.objects.get()
    assert key.key_hash == keys.hash_token(body["key"])
    assert body["id"] == key.id
    assert body["hint"] == key.hint
    assert (body["partner"], body["org_id"], body["rate_limit"]) == ("acme", org.pk, "60/m")
    assert body["status"] == "active"
    assert "key_hash" not in body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "orgs:list,root"], "scopes: Unknown scope(s): root."),
        (["--scopes", "orgs:list", "--partner", "nobody"], "partner: No partner 'nobody'."),
        (["--scopes", "orgs:list", "--org", "org_nope"], "org_id: No org 'org_nope' to bind to."),
        (["--scopes", "orgs:list", "--rate-limit", "fast"], "rate_limit: Use COUNT/PERIOD"),
        (["--scopes", "orgs:list", "--expires-at", "2001-01-01T00:00Z"], "Must be in the future."),
        (["--scopes", "orgs:list", "--expires-at", "tomorrow"], "expires_at: Datetime has"),
    ],
)
def test_bad_input_is_refused_like_the_api_and_issues_nothing(db, args, message):
    with pytest.raises(CommandError, match="Invalid key request") as error:
        run("issue_partner_key", "--name", "k", *args)

    assert message in str(error.value)
    assert PartnerKey.objects.count() == 0


def test_the_seed_scopes_issue_a_key_that_lists_itself(db, as_key):
    plaintext = run("issue_partner_key", "--name", "seed", "--scopes", "orgs:create,orgs:list")
    response = as_key(plaintext.stdout.strip()).get("/cp/admin/partner-keys")

    assert [k["name"] for k in response.json()["data"]] == ["seed"]


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_real_command_exits_zero_with_the_key_and_non_zero_on_bad_input(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "REDIS_URL": "",
    }
    assert _manage(["migrate", "--verbosity", "0"], env).returncode == 0

    ok = _manage(["issue_partner_key", "--name", "ci", "--scopes", "orgs:create,orgs:list"], env)
    bad = _manage(["issue_partner_key", "--name", "ci", "--scopes", "orgs:root"], env)

    assert ok.returncode == 0, ok.stderr
    assert keys.is_well_formed(ok.stdout.strip())
    assert "Issued key pak_" in ok.stderr
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "CommandError: Invalid key request:" in bad.stderr
    assert "Unknown scope(s): orgs:root" in bad.stderr
    listed = _manage(["list_partner_keys", "--json"], env)
    assert [k["name"] for k in json.loads(listed.stdout)] == ["ci"]
