"""Per-key limits on /cp/: the IETF headers on every partner-key response, 429 past the limit."""

from __future__ import annotations

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from partners.models import Partner
from tests.ratelimit.conftest import KEYS_URL, assert_rate_limited, policy_of, state_of


def test_a_success_carries_the_policy_and_the_remaining_budget(key_client):
    _, client = key_client(rate_limit="120/m")

    first = client.get(KEYS_URL)
    second = client.get(KEYS_URL)

    assert first.status_code == 200, first.content
    assert policy_of(first) == ("key", 120, 60)
    name, remaining, reset = state_of(first)
    assert (name, remaining) == ("key", 119)
    assert 1 <= reset <= 60
    assert state_of(second)[1] == 118


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", f"{KEYS_URL}/pak_nosuchkey", None, 404),
        ("post", f"{KEYS_URL}/{{own}}/rotate", {"grace_seconds": "soon"}, 400),
        ("delete", f"{KEYS_URL}/{{sibling}}", None, 403),
    ],
    ids=["not-found", "validation-error", "not-your-key"],
)
def test_errors_answered_by_the_view_carry_the_headers_and_spend_the_budget(
    key_client, method, path, body, status
):
    key, client = key_client(rate_limit="10/m")
    sibling, _ = key_client()
    path = path.format(own=key.id, sibling=sibling.id)

    response = client.call(method, path, body) if body else getattr(client, method)(path)

    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert policy_of(response) == ("key", 10, 60)
    assert state_of(response)[1] == 9


def test_past_its_limit_a_key_gets_429_in_the_envelope_with_retry_after(key_client):
    key, client = key_client(rate_limit="3/m")

    answers = [client.get(KEYS_URL) for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [state_of(a)[1] for a in answers] == [2, 1, 0, 0, 0]
    for refused in answers[3:]:
        assert_rate_limited(refused)
        assert policy_of(refused) == ("key", 3, 60)
        assert int(refused["Retry-After"]) == state_of(refused)[2]
    events = AuditEvent.objects.filter(key_id=key.id, status_code=429)
    assert events.count() == 2
    assert {e.action for e in events} == {"rate_limit.exceeded"}
    assert events.first().details["rate"] == "3/m"


def test_a_limited_key_does_not_limit_another_key_of_the_same_partner(key_client):
    _, noisy = key_client(rate_limit="1/m")
    _, quiet = key_client(rate_limit="1/m")

    assert noisy.get(KEYS_URL).status_code == 200
    assert noisy.get(KEYS_URL).status_code == 429
    assert quiet.get(KEYS_URL).status_code == 200


@override_settings(PARTNER_KEY_DEFAULT_RATE="7/m", PARTNER_PLAN_RATES={"enterprise": "70/m"})
def test_without_its_own_rate_a_key_gets_its_plan_rate_else_the_default(key_client, partner):
    big = Partner.objects.create(name="Big", slug="big", plan="enterprise")
    _, plain = key_client()
    _, enterprise = key_client(partner=big)
    _, own = key_client(partner=big, rate_limit="2/s")
    _, partnerless = key_client(partner=None)

    assert policy_of(plain.get(KEYS_URL)) == ("key", 7, 60)
    assert policy_of(enterprise.get(KEYS_URL)) == ("key", 70, 60)
    assert policy_of(own.get(KEYS_URL)) == ("key", 2, 1)
    assert policy_of(partnerless.get(KEYS_URL)) == ("key", 7, 60)


def test_the_default_rate_is_600_a_minute(key_client):
    _, client = key_client()

    assert client.get(KEYS_URL)["RateLimit-Policy"] == '"key";q=600;w=60'


def test_the_master_key_is_not_limited_per_key_and_gets_no_key_headers(master, db):
    with override_settings(PARTNER_KEY_DEFAULT_RATE="1/m"):
        answers = [master.get(KEYS_URL) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert not answers[0].has_header("RateLimit")
    assert not answers[0].has_header("RateLimit-Policy")


def test_a_revoked_key_is_refused_with_401_and_no_key_headers(key_client):
    key, client = key_client()
    assert client.delete(f"{KEYS_URL}/{key.id}").status_code == 204

    response = client.get(KEYS_URL)

    assert response.status_code == 401
    assert not response.has_header("RateLimit")
