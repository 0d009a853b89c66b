"""`manage.py rate_limit_status KEY_ID`: the key's rate and its current window."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError
from django.test import override_settings

from tests.commands.conftest import run
from tests.ratelimit.conftest import KEYS_URL, UNREACHABLE_CACHE

pytestmark = pytest.mark.django_db


def test_it_prints_the_rate_its_source_and_the_windows_usage(key_client):
    key, client = key_client(rate_limit="5/m", name="acme-ci")
    for _ in range(7):
        client.get(KEYS_URL)

    out = run("rate_limit_status", key.id).stdout

    assert f"Key {key.id} 'acme-ci' ({key.hint})" in out
    assert "rate: 5/m (5 per 60 s, from key)" in out
    summary = out.strip().splitlines()[-1]
    match = re.fullmatch(
        rf"{key.id}: 7 requests this window \(limit 5\), 0 remaining, resets in (\d+) s\.", summary
    )
    assert match, summary
    assert 1 <= int(match[1]) <= 60


@override_settings(PARTNER_PLAN_RATES={"partner": "50/m"})
def test_a_fresh_key_shows_its_plans_rate_and_a_full_budget(key_client):
    key, _ = key_client()

    out = run("rate_limit_status", key.id).stdout

    assert "rate: 50/m (50 per 60 s, from plan partner)" in out
    assert "0 requests this window (limit 50), 50 remaining" in out


def test_a_revoked_key_is_shown_with_a_note(key_client):
    key, client = key_client()
    client.delete(f"{KEYS_URL}/{key.id}")

    out = run("rate_limit_status", key.id).stdout

    assert "note: this key cannot authenticate (revoked)" in out


def test_an_unknown_key_id_is_a_clear_error():
    with pytest.raises(CommandError, match="No partner key with id 'pak_nope'"):
        run("rate_limit_status", "pak_nope")


def test_an_unreachable_cache_is_a_clear_error(key_client):
    key, _ = key_client()

    with UNREACHABLE_CACHE, pytest.raises(CommandError, match="cache is unreachable"):
        run("rate_limit_status", key.id)
