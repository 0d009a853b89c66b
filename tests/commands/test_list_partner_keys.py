"""`list_partner_keys`: a table or JSON of metadata, filtered by partner and status; no secrets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.utils import timezone

from tests.commands.conftest import run


@pytest.fixture
def keys(make_key, partner, other_partner):
    now = timezone.now()
    live, live_plain = make_key(name="live", scopes=["orgs:list"], partner=partner)
    old, _ = make_key(name="old", partner=partner, expires_at=now - timedelta(hours=1))
    gone, _ = make_key(name="gone", partner=other_partner)
    gone.revoked_at = now
    gone.save()
    return {"live": (live, live_plain), "old": old, "gone": gone}


def test_the_table_shows_every_key_without_secrets(keys):
    live, plaintext = keys["live"]

    out = run("list_partner_keys").stdout

    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "HINT", "PARTNER", "SCOPES", "STATUS", "LAST", "USED"]
    assert lines[-1] == "3 keys."
    row = next(line for line in lines if line.startswith(live.id)).split()
    assert row == [live.id, "live", live.hint, "acme", "orgs:list", "active", "never"]
    assert plaintext not in out
    assert all(k.key_hash not in out for k in [live, keys["old"], keys["gone"]])


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--status", "active"], ["live"]),
        (["--status", "expired"], ["old"]),
        (["--status", "revoked"], ["gone"]),
        (["--partner", "acme"], ["live", "old"]),
        (["--partner", "globex", "--status", "active"], []),
    ],
)
def test_keys_are_filtered_by_status_and_partner(keys, args, names):
    listed = json.loads(run("list_partner_keys", *args, "--json").stdout)

    assert sorted(k["name"] for k in listed) == sorted(names)
    assert all("key_hash" not in k and "key" not in k for k in listed)


def test_an_unknown_partner_is_an_error(db):
    with pytest.raises(CommandError, match=r"No partner 'nobody'\."):
        run("list_partner_keys", "--partner", "nobody")


def test_an_unknown_status_is_an_error(db):
    with pytest.raises(CommandError, match="invalid choice: 'lost'"):
        run("list_partner_keys", "--status", "lost")
