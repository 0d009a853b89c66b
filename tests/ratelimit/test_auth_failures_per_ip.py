"""Malformed and unknown keys are limited per client IP, and refused before any database work."""

from __future__ import annotations

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from core import tokens as keys
from tests.conftest import CPClient, plain_sql
from tests.ratelimit.conftest import KEYS_URL, assert_rate_limited, policy_of, state_of

pytestmark = pytest.mark.django_db


def _guess(client: CPClient, token: str | None = None, **extra: str):
    return client.get(KEYS_URL, token=token or keys.generate(), **extra)


@override_settings(CP_AUTH_FAILURE_RATE="3/m")
def test_after_its_budget_of_unknown_keys_an_ip_gets_429_in_the_envelope(anon):
    answers = [_guess(anon) for _ in range(5)]

    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    for refused in answers[3:]:
        assert_rate_limited(refused)
        assert policy_of(refused) == ("ip", 3, 60)
        assert state_of(refused)[1] == 0
    assert AuditEvent.objects.filter(action="rate_limit.exceeded", status_code=429).count() == 2


@override_settings(CP_AUTH_FAILURE_RATE="3/m")
def test_malformed_keys_and_wrong_master_keys_count_too(anon):
    bad = ["mol_pk_short", "not-even-a-key", "mol_pk_" + "a" * 49]

    answers = [_guess(anon, token) for token in bad] + [_guess(anon)]

    assert [a.status_code for a in answers] == [401, 401, 401, 429]


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
def test_a_refused_malformed_key_costs_no_query_but_the_calls_audit_event(
    anon, django_assert_num_queries
):
    """The only SQL is CPCallMiddleware's: the call's atomic block (savepoint, rolled back because
    the call failed, released), then the audit event's insert in an atomic block of its own (inside
    the test's transaction each block is a savepoint). No key lookup, not even for the audit."""
    _guess(anon, "mol_pk_short"), _guess(anon, "mol_pk_short")

    with django_assert_num_queries(6) as captured:
        refused = _guess(anon, "mol_pk_short")

    assert_rate_limited(refused)
    sql = [plain_sql(q["sql"]) for q in captured.captured_queries]
    writes = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert len(writes) == 1
    assert writes[0].startswith('INSERT INTO "audit_auditevent"')
    assert not any("partners_partnerkey" in s for s in sql)


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
def test_a_refused_well_formed_key_costs_its_one_lookup(anon, django_assert_num_queries):
    """A well-formed key must be looked up even from a blocked address: it may be a valid one."""
    _guess(anon), _guess(anon)

    with django_assert_num_queries(7) as captured:
        refused = _guess(anon)

    assert_rate_limited(refused)
    sql = [plain_sql(q["sql"]) for q in captured.captured_queries]
    writes = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert len(writes) == 2
    assert 'FROM "partners_partnerkey"' in writes[0] and "key_hash" in writes[0]
    assert writes[1].startswith('INSERT INTO "audit_auditevent"')


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
def test_the_public_schema_outside_the_cp_api_reads_no_key_and_costs_no_query(
    anon, django_assert_num_queries
):
    """/openapi.json reads no bearer token: a blocked guesser gets it like anyone, and nothing
    (no key lookup, no audit outside /cp/) touches the database."""
    _guess(anon), _guess(anon)

    with django_assert_num_queries(0):
        schema = anon.get("/openapi.json", token=keys.generate())

    assert schema.status_code == 200
    assert schema.json()["openapi"] == "3.1.0"


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
def test_a_flooding_ip_does_not_lock_out_other_clients(anon, key_client):
    _, good = key_client()
    flood = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(3):
        _guess(anon, **flood)

    assert _guess(anon, **flood).status_code == 429
    assert _guess(anon).status_code == 401
    assert good.get(KEYS_URL).status_code == 200


@override_settings(CP_AUTH_FAILURE_RATE="2/m", CP_TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_a_trusted_proxy_the_forwarded_client_is_the_one_limited(anon):
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        _guess(anon, headers={"X-Forwarded-For": "198.51.100.7"}, **via_proxy)

    assert _guess(anon, headers={"X-Forwarded-For": "198.51.100.7"}, **via_proxy).status_code == 429
    assert _guess(anon, headers={"X-Forwarded-For": "198.51.100.8"}, **via_proxy).status_code == 401


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
def test_a_blocked_ip_is_still_served_for_a_valid_partner_key_and_the_master_key(
    anon, key_client, master
):
    """A tenant behind the same NAT as a guesser (or a broken integration) is not locked out."""
    _, good = key_client()
    for _ in range(3):
        _guess(anon)
    assert_rate_limited(_guess(anon))

    served = good.get(KEYS_URL)
    operator = master.get(KEYS_URL)

    assert served.status_code == 200
    assert policy_of(served)[0] == "key"
    assert operator.status_code == 200
    assert_rate_limited(_guess(anon))
    assert_rate_limited(_guess(anon, "mol_pk_short"))
    assert_rate_limited(anon.get(KEYS_URL))


@override_settings(CP_AUTH_FAILURE_RATE="2/m")
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["no-authorization", "another-scheme", "empty-bearer"],
)
def test_calls_without_a_bearer_key_count_against_the_ip(anon, headers):
    answers = [anon.get(KEYS_URL, headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [401, 401, 429]
    assert answers[0]["WWW-Authenticate"] == 'Bearer realm="cp"'
    assert answers[0].json()["error"]["code"] == "unauthenticated"
    assert_rate_limited(answers[2])
    assert policy_of(answers[2]) == ("ip", 2, 60)
    event = AuditEvent.objects.get(status_code=429)
    assert (event.action, event.details["reason"]) == ("rate_limit.exceeded", "too_many_failures")


@override_settings(CP_AUTH_FAILURE_RATE="3/m")
def test_keys_that_are_ours_but_refused_count_against_the_ip_too(anon, make_key, partner):
    """Revoked, expired and deactivated keys prove nothing either; they are counted, never the
    key's own budget (a leaked, revoked key must not spend its successor's)."""
    revoked, revoked_token = make_key()
    revoked.revoked_at = revoked.created_at
    revoked.save(update_fields=["revoked_at"])
    _, expired_token = make_key(expires_at=revoked.created_at)
    _, inactive_token = make_key(partner=partner)
    partner.active = False
    partner.save(update_fields=["active"])

    answers = [_guess(anon, t) for t in (revoked_token, expired_token, inactive_token)]
    again = _guess(anon, revoked_token)

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert "revoked" in answers[0].json()["error"]["message"]
    assert_rate_limited(again)
    assert AuditEvent.objects.get(status_code=429).key_id == revoked.id
