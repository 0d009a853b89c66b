"""POST /cp/credentials/revoke: anyone may revoke a key they found, without authentication; the
answer is 202 whatever was sent, so it tells nothing about the tokens."""

from __future__ import annotations

import json
import logging

import pytest

from audit.models import AuditEvent
from core import tokens
from partners.leaks import MAX_PUBLIC_CREDENTIALS
from partners.models import PartnerKey
from tests.leaks.conftest import REVOKE_URL
from tests.scanner.conftest import look_alike

pytestmark = pytest.mark.django_db


def revoke(client, credentials, **kwargs):
    return client.post(REVOKE_URL, {"credentials": credentials}, **kwargs)


def test_a_live_key_is_revoked_and_its_next_call_is_refused(anon, make_key, as_key, partner):
    key, token = make_key(partner=partner)

    response = revoke(anon, [token])

    assert (response.status_code, response.json()) == (202, {"received": 1})
    key.refresh_from_db()
    assert (key.revoked_at is not None, key.revoked_by) == (True, "public_report")
    refused = as_key(token).get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="cp"'


def test_each_revocation_is_in_the_partners_trail_by_public_report(anon, make_key, as_key, partner):
    key, token = make_key(partner=partner)
    _, colleague = make_key(partner=partner, name="compliance")

    response = revoke(anon, [token], REMOTE_ADDR="198.51.100.7")

    events = AuditEvent.objects.filter(request_id=response["X-Request-Id"])
    revoked = events.get(action="partner_key.revoke")
    assert (revoked.actor_type, revoked.key_id, revoked.key_hint, revoked.partner_id) == (
        "public_report",
        key.id,
        key.hint,
        partner.id,
    )
    assert revoked.ip == "198.51.100.7"
    call = events.get(action="credentials.revoke_public")
    assert (call.actor_type, call.status_code, call.partner_id) == ("public_report", 202, "")
    assert call.details == {"received": 1, "revoked": 1, "failed_key_ids": []}
    trail = as_key(colleague).get(f"/cp/admin/audit-events?key={key.id}")
    assert [e["action"] for e in trail.json()["data"]] == ["partner_key.revoke"]
    assert trail.json()["data"][0]["actor"]["type"] == "public_report"


def test_garbage_is_202_too_and_changes_nothing(anon, make_key, master):
    make_key(name="untouched")
    revoked, revoked_token = make_key(name="revoked")
    assert master.delete(f"/cp/admin/partner-keys/{revoked.id}").status_code == 204
    before = list(PartnerKey.objects.order_by("id").values())
    garbage = [
        "nope",
        "",
        look_alike(tokens.generate()),
        tokens.generate(),
        tokens.generate(tokens.WORKSPACE_TOKEN_PREFIX),
        revoked_token,
        "mol_pk_" + "a" * 5000,
    ]

    response = revoke(anon, garbage)

    assert (response.status_code, response.json()) == (202, {"received": len(garbage)})
    assert list(PartnerKey.objects.order_by("id").values()) == before
    assert not AuditEvent.objects.filter(action="partner_key.revoke", actor_type="public_report")


def test_the_answer_for_a_live_key_is_the_answer_for_garbage(anon, make_key):
    _, token = make_key()

    live = revoke(anon, [token])
    garbage = revoke(anon, [tokens.generate()])

    assert (live.status_code, live.json()) == (garbage.status_code, garbage.json())
    assert set(live.headers) == set(garbage.headers)


def test_a_thousand_credentials_are_looked_up_in_one_query(anon, django_assert_max_num_queries):
    def statements(credentials) -> list[str]:
        with django_assert_max_num_queries(10) as captured:
            assert revoke(anon, credentials).status_code == 202
        return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"].upper()]

    unknown = [tokens.generate() for _ in range(MAX_PUBLIC_CREDENTIALS)]

    one, thousand = statements(unknown[:1]), statements(unknown)

    assert len(one) == len(thousand) == 2  # the lookup, then the call's audit event
    assert 'FROM "partners_partnerkey"' in thousand[0] and "key_hash" in thousand[0]
    assert thousand[1].startswith('INSERT INTO "audit_auditevent"')
    assert len(statements(["mol_pk_bad", look_alike(unknown[0])])) == 1  # no lookup at all


def test_more_than_a_thousand_is_400_and_revokes_nothing(anon, make_key):
    key, token = make_key()
    credentials = [token] + [tokens.generate() for _ in range(MAX_PUBLIC_CREDENTIALS)]

    response = revoke(anon, credentials)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "1000" in error["fields"]["credentials"][0]
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None
    assert token not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"credentials": [', "malformed_json"),
        ({"credentials": "TOKEN"}, "validation_error"),
        ({"credentials": ["TOKEN", 42]}, "validation_error"),
        ({"credentials": ["TOKEN"], "reason": "found it"}, "validation_error"),
        ({}, "validation_error"),
        (["TOKEN"], "validation_error"),
    ],
    ids=["not-json", "not-a-list", "not-strings", "unknown-field", "no-credentials", "array"],
)
def test_a_malformed_body_is_400_in_the_envelope_and_revokes_nothing(anon, make_key, body, code):
    key, token = make_key()
    if not isinstance(body, str):
        body = json.loads(json.dumps(body).replace("TOKEN", token))

    response = anon.post(REVOKE_URL, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["request_id"] == response["X-Request-Id"]
    assert token not in response.content.decode()
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_calls_are_limited_per_client_ip_not_per_key(anon, make_key, as_key, settings):
    settings.CP_PUBLIC_REVOKE_RATE = "2/m"
    _, token = make_key(rate_limit="100/m")

    answers = [revoke(anon, [], REMOTE_ADDR="203.0.113.9") for _ in range(3)]
    elsewhere = revoke(anon, [], REMOTE_ADDR="203.0.113.10")
    with_a_bearer_key = revoke(as_key(token), [], REMOTE_ADDR="203.0.113.9")

    assert [a.status_code for a in answers] == [202, 202, 429]
    refused = answers[2]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert refused["RateLimit-Policy"] == '"ip";q=2;w=60'
    assert refused["RateLimit"].startswith('"ip";r=0;t=')
    assert elsewhere.status_code == 202
    assert with_a_bearer_key.status_code == 429  # a key does not buy more revocations
    assert as_key(token).get("/cp/admin/partner-keys")["RateLimit"].startswith('"key";r=99;')


def test_no_token_reaches_a_log_line_or_an_audit_event(anon, make_key, partner, caplog):
    _, token = make_key(partner=partner)
    unknown = tokens.generate()
    caplog.set_level(logging.DEBUG)

    response = revoke(anon, [token, unknown, look_alike(token)])

    assert response.status_code == 202
    written = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in (token, unknown, look_alike(token)):
        assert secret not in caplog.text
        assert secret not in written


def test_a_publicly_revoked_key_is_announced_as_revoked(anon, make_key, partner):
    from webhooks.models import Event

    _, token = make_key(partner=partner)

    revoke(anon, [token])

    assert list(Event.objects.values_list("type", flat=True)) == ["partner_key.revoked"]
