"""Every call of a valid key counts once: replays, idempotency conflicts and refusals included."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core import idempotency
from core.models import IdempotencyRecord
from orgs.models import Org
from tests.ratelimit.conftest import KEYS_URL, assert_rate_limited, policy_of, state_of

pytestmark = pytest.mark.django_db

ORGS_URL = "/cp/orgs"
ORG = {"name": "Acme", "slug": "acme-corp", "plan": "standard"}


def create_org(client, body=ORG, idem="idem-1"):
    return client.post(ORGS_URL, body, headers={"Idempotency-Key": idem})


def test_an_idempotent_call_counts_once_though_two_layers_see_it(key_client):
    _, client = key_client(rate_limit="10/m")

    created = create_org(client)
    after = client.get(KEYS_URL)

    assert created.status_code == 201
    assert state_of(created)[1] == 9
    assert state_of(after)[1] == 8


def test_a_replay_counts_and_carries_the_headers(key_client):
    key, client = key_client(rate_limit="10/m")
    create_org(client)

    replay = create_org(client)

    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert policy_of(replay) == ("key", 10, 60)
    assert state_of(replay)[1] == 8
    assert Org.objects.count() == 1
    events = AuditEvent.objects.filter(key_id=key.id, action="org.create")
    assert events.count() == 2
    assert events.filter(details__replayed=True).count() == 1


def test_past_the_budget_a_replay_is_refused_not_replayed(key_client):
    key, client = key_client(rate_limit="2/m")
    create_org(client)
    create_org(client)

    refused = create_org(client)

    assert_rate_limited(refused)
    assert "Idempotent-Replayed" not in refused
    assert state_of(refused)[1] == 0
    assert AuditEvent.objects.get(key_id=key.id, status_code=429).action == "rate_limit.exceeded"
    assert IdempotencyRecord.objects.get().status_code == 201  # the stored answer is untouched


def test_a_reused_idempotency_key_is_422_counted_with_the_headers(key_client):
    _, client = key_client(rate_limit="10/m")
    create_org(client)

    reused = create_org(client, {**ORG, "name": "Other"})

    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert policy_of(reused) == ("key", 10, 60)
    assert state_of(reused)[1] == 8


def test_a_duplicate_in_flight_is_409_counted_with_the_headers(key_client):
    key, client = key_client(rate_limit="10/m")
    IdempotencyRecord.objects.create(  # a first call that has claimed the key and not finished
        caller=key.id,
        key="busy",
        method="POST",
        path=ORGS_URL,
        fingerprint=idempotency.fingerprint_of("POST", ORGS_URL, ORG),
    )

    busy = create_org(client, idem="busy")

    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert state_of(busy)[1] == 9
    assert not Org.objects.exists()


def test_a_bad_idempotency_key_is_400_counted_with_the_headers(key_client):
    _, client = key_client(rate_limit="10/m")

    bad = create_org(client, idem="x" * 256)

    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_idempotency_key"
    assert state_of(bad)[1] == 9


def test_a_call_refused_for_scope_counts_once_with_the_headers(key_client):
    _, client = key_client(rate_limit="10/m", scopes=["billing:read"])

    refused = client.get(ORGS_URL)
    again = client.get(ORGS_URL)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert policy_of(refused) == ("key", 10, 60)
    assert [state_of(refused)[1], state_of(again)[1]] == [9, 8]


def test_a_call_refused_for_permission_counts_once_with_the_headers(key_client):
    _, client = key_client(rate_limit="10/m")

    refused = client.post("/cp/admin/partners", {"name": "X", "slug": "x"})
    after = client.get(KEYS_URL)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert [state_of(refused)[1], state_of(after)[1]] == [9, 8]


def test_a_call_to_an_unknown_route_counts_once_with_the_headers(key_client):
    _, client = key_client(rate_limit="10/m")

    missing = client.get("/cp/no-such-route")
    after = client.get(KEYS_URL)

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert [state_of(missing)[1], state_of(after)[1]] == [9, 8]


def test_past_the_budget_a_scope_refusal_is_a_429(key_client):
    _, client = key_client(rate_limit="1/m", scopes=["billing:read"])
    client.get(KEYS_URL)

    assert_rate_limited(client.get(ORGS_URL))


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no-authorization", "another-scheme"],
)
def test_an_unauthenticated_call_stores_no_idempotency_row(anon, key_client, headers):
    _, client = key_client()

    refused = anon.post(ORGS_URL, ORG, headers={"Idempotency-Key": "same", **headers})
    missing = anon.post("/cp/nowhere", ORG, headers={"Idempotency-Key": "same", **headers})

    assert refused.status_code == 401
    assert missing.status_code == 404
    assert not IdempotencyRecord.objects.exists()
    first = create_org(client, idem="same")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first


def test_a_refused_key_stores_no_idempotency_row(make_key, anon):
    key, token = make_key()
    key.revoked_at = key.created_at
    key.save(update_fields=["revoked_at"])

    refused = anon.post(ORGS_URL, ORG, token=token, headers={"Idempotency-Key": "r"})
    missing = anon.post("/cp/nowhere", ORG, token=token, headers={"Idempotency-Key": "r"})

    assert refused.status_code == 401
    assert missing.status_code == 404
    assert not IdempotencyRecord.objects.exists()
