"""Idempotency-Key on POST: replays, reuse with another body, in-flight duplicates, no secrets."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core import idempotency
from core import tokens as keys
from core.models import IdempotencyRecord
from partners.models import PartnerKey
from tests.conftest import CPClient, needs_postgres

SEED = {"name": "acme-ci-pipeline", "scopes": ["orgs:create", "orgs:list"], "org_id": None}


def create(client: CPClient, body: dict, idem: str = "k-1"):
    return client.post("/cp/admin/partner-keys", body, headers={"Idempotency-Key": idem})


@pytest.mark.django_db
def test_a_retry_replays_the_first_response_without_the_secret(master):
    first = create(master, SEED)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    replay = create(master, SEED)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == {**first.json(), "key": None}
    assert PartnerKey.objects.count() == 1
    stored = IdempotencyRecord.objects.get()
    assert first.json()["key"] not in str(stored.response_body)


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(master):
    create(master, SEED)
    response = create(master, {**SEED, "name": "other"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert PartnerKey.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_per_caller(master, make_key, as_key):
    key, token = make_key()
    create(master, SEED, idem="shared")
    rotated = as_key(token).post(
        f"/cp/admin/partner-keys/{key.id}/rotate",
        {"grace_seconds": 60},
        headers={"Idempotency-Key": "shared"},
    )
    assert rotated.status_code == 201
    assert keys.is_well_formed(rotated.json()["key"])


@pytest.mark.django_db
def test_a_duplicate_of_a_call_still_running_is_409(master):
    IdempotencyRecord.objects.create(  # a first call that has claimed the key and not finished
        caller="master",
        key="busy",
        method="POST",
        path="/cp/admin/partner-keys",
        fingerprint=idempotency.fingerprint_of("POST", "/cp/admin/partner-keys", SEED),
    )
    response = create(master, SEED, idem="busy")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert PartnerKey.objects.count() == 0


@pytest.mark.django_db
def test_a_failed_validation_is_replayed_and_a_refused_call_is_not_kept(master, anon):
    bad = {**SEED, "scopes": ["nope"]}
    assert create(master, bad).status_code == 400
    again = create(master, bad)
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert create(anon, SEED, idem="anon").status_code == 401
    assert not IdempotencyRecord.objects.filter(key="anon").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("idem", ["", "x" * 256])
def test_a_bad_idempotency_key_is_400(master, idem):
    response = create(master, SEED, idem=idem)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert PartnerKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_key_on_postgres(master):
    needs_postgres()

    def send(_: int):
        try:
            return create(CPClient(master.token), SEED, idem="race")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert all(s in (201, 409) for s in statuses), statuses
    originals = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(originals) == 1
    for r in responses:
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "idempotency_key_in_use"
    assert PartnerKey.objects.count() == 1


@pytest.mark.django_db
def test_a_revoked_key_gets_its_401_not_a_replay(make_key, as_key):
    key, token = make_key()
    client = as_key(token)
    rotate = f"/cp/admin/partner-keys/{key.id}/rotate"
    first = client.post(rotate, {"grace_seconds": 0}, headers={"Idempotency-Key": "r-1"})
    assert first.status_code == 201
    again = client.post(rotate, {"grace_seconds": 0}, headers={"Idempotency-Key": "r-1"})
    assert again.status_code == 401
    assert "Idempotent-Replayed" not in again
    assert again.json()["error"]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_a_claim_left_by_a_call_that_died_is_taken_over_after_its_lease(master):
    from datetime import timedelta

    from django.utils import timezone

    IdempotencyRecord.objects.create(  # a call that claimed the key and died before committing
        caller="master",
        key="dead",
        method="POST",
        path="/cp/admin/partner-keys",
        fingerprint=idempotency.fingerprint_of("POST", "/cp/admin/partner-keys", SEED),
        created_at=timezone.now() - idempotency.CLAIM_LEASE - timedelta(seconds=1),
    )
    response = create(master, SEED, idem="dead")
    assert response.status_code == 201
    assert PartnerKey.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="dead").status_code == 201
