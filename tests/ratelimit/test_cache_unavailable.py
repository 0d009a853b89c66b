"""With the cache unreachable, /cp/ fails open (logged, audited) and the admin login fails closed.

The cache points at a closed port: a real refused connection, not a mock.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from audit.models import AuditEvent
from tests.ratelimit.conftest import KEYS_URL, UNREACHABLE_CACHE, policy_of

pytestmark = pytest.mark.django_db


def test_a_partner_key_is_served_without_remaining_count_and_the_outage_is_logged(
    key_client, caplog
):
    key, client = key_client(rate_limit="1/m")
    caplog.set_level(logging.ERROR, logger="cp.ratelimit")

    with UNREACHABLE_CACHE:
        answers = [client.get(KEYS_URL) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert policy_of(answers[0]) == ("key", 1, 60)
    assert not answers[0].has_header("RateLimit")
    outage = [r for r in caplog.records if r.name == "cp.ratelimit"]
    assert len(outage) == 3  # once per request, not once per cache call
    assert "Rate-limit cache unavailable (ConnectionError" in outage[0].getMessage()
    events = AuditEvent.objects.filter(key_id=key.id)
    assert [e.details.get("rate_limit") for e in events] == ["unavailable"] * 3


def test_bad_keys_are_still_refused_with_401_when_the_cache_is_down(anon, caplog):
    caplog.set_level(logging.ERROR, logger="cp.ratelimit")

    with UNREACHABLE_CACHE:
        response = anon.get(KEYS_URL, token="mol_pk_nonsense")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert any(r.name == "cp.ratelimit" for r in caplog.records)


def test_the_admin_login_refuses_everyone_with_a_message_when_the_cache_is_down(
    django_user_model, caplog
):
    django_user_model.objects.create_superuser("ops", "ops@example.com", "right-password")
    client = Client()

    with UNREACHABLE_CACHE:
        response = client.post(
            "/admin/login/", {"username": "ops", "password": "right-password", "next": "/admin/"}
        )

    assert response.status_code == 503
    assert "Sign-in is temporarily unavailable" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert any("fail closed" in r.getMessage() for r in caplog.records)
