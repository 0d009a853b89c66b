"""The hot path's statement budget: what each kind of call costs the database, pinned exactly.

Savepoints are left out (inside the test's transaction every atomic block is one; in production
they are the call's BEGIN and COMMIT). On PostgreSQL the audit INSERT of a read call (GET) carries
`SET LOCAL synchronous_commit = off; ` in the same round trip (see the README's hot-path section):
its kind is then `async INSERT audit_auditevent`.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from core import tokens
from orgs.models import Org
from tests.conftest import ASYNC_COMMIT_PREFIX, needs_postgres, reads_commit_async

pytestmark = pytest.mark.django_db

KEY_LOOKUP = 'FROM "partners_partnerkey"'
AUDIT_INSERT = 'INSERT INTO "audit_auditevent"'


def statements(captured) -> list[str]:
    """The SQL a request ran, less the savepoints of its transaction (free in production)."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def kinds(sql: list[str]) -> list[str]:
    """Each statement as what it does: `key lookup`, `SELECT orgs_org`, `INSERT …`, `async …`."""
    return [_kind(statement) for statement in sql]


def _kind(statement: str) -> str:
    if statement.startswith(ASYNC_COMMIT_PREFIX):
        return "async " + _kind(statement.removeprefix(ASYNC_COMMIT_PREFIX))
    if KEY_LOOKUP in statement and "key_hash" in statement:
        return "key lookup"
    table = statement.split('"')[1] if '"' in statement else ""
    return f"{statement.split()[0]} {table}"


def read(*kinds_before_audit: str) -> list[str]:
    """A read call's statements: what it does, then its audit event (asynchronously committed)."""
    audit = "INSERT audit_auditevent"
    return [*kinds_before_audit, f"async {audit}" if reads_commit_async() else audit]


def synchronous_commit() -> str:
    """The setting the test's open transaction would commit with."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.fixture
def poller(make_key, as_key):
    """A key with an org to poll, its first use (which writes last_used_at) already made."""
    _, token = make_key()
    client = as_key(token)
    created = client.post("/cp/orgs", {"name": "Acme", "slug": "acme-corp", "plan": "standard"})
    assert created.status_code == 201
    client.get("/cp/orgs")
    return client, created.json()["id"]


def test_a_status_poll_is_key_lookup_org_read_and_audit_insert(
    poller, django_assert_max_num_queries
):
    client, org_id = poller

    with django_assert_max_num_queries(12) as captured:
        response = client.get(f"/cp/orgs/{org_id}/status")

    assert response.json()["status"] == Org.Status.PROVISIONING
    assert kinds(statements(captured)) == read("key lookup", "SELECT orgs_org")
    org_read = statements(captured)[1]
    assert 'JOIN "partners_partner" ' not in org_read  # the status shows nothing of the partner


def test_a_status_poll_with_the_master_key_is_org_read_and_audit_insert(
    poller, master, django_assert_max_num_queries
):
    _, org_id = poller

    with django_assert_max_num_queries(12) as captured:
        response = master.get(f"/cp/orgs/{org_id}/status")

    assert response.status_code == 200
    assert kinds(statements(captured)) == read("SELECT orgs_org")


def test_a_bad_checksum_costs_only_its_audit_insert(poller, anon, django_assert_max_num_queries):
    _, org_id = poller

    with django_assert_max_num_queries(12) as captured:
        response = anon.get(f"/cp/orgs/{org_id}/status", token="mol_pk_" + "a" * 49)

    assert response.status_code == 401
    assert kinds(statements(captured)) == read()


def test_an_unknown_key_costs_its_lookup_and_its_audit_insert(
    poller, anon, django_assert_max_num_queries
):
    _, org_id = poller

    with django_assert_max_num_queries(12) as captured:
        response = anon.get(f"/cp/orgs/{org_id}/status", token=tokens.generate())

    assert response.status_code == 401
    assert kinds(statements(captured)) == read("key lookup")


def test_an_org_list_is_key_lookup_listing_and_audit_insert(poller, django_assert_max_num_queries):
    client, _ = poller

    with django_assert_max_num_queries(12) as captured:
        response = client.get("/cp/orgs")

    assert [org["slug"] for org in response.json()["data"]] == ["acme-corp"]
    listing = statements(captured)[1]
    assert kinds(statements(captured)) == read("key lookup", "SELECT orgs_org")
    assert 'JOIN "partners_partner" ' in listing  # each org's partner: joined, not N+1


def test_creating_an_org_writes_the_org_its_history_and_its_event_durably(
    poller, django_assert_max_num_queries
):
    """Its provisioning task is enqueued once the transaction commits (not inside a test's)."""
    client, _ = poller

    with django_assert_max_num_queries(20) as captured:
        response = client.post("/cp/orgs", {"name": "B", "slug": "b-corp", "plan": "standard"})

    assert response.status_code == 201
    assert kinds(statements(captured)) == [
        "key lookup",
        "INSERT orgs_org",
        "SELECT orgs_subscription",  # django-auditlog's field history reading the new org
        "INSERT auditlog_logentry",
        "INSERT audit_auditevent",
    ]


def test_a_replay_is_key_lookup_claim_stored_answer_and_audit_insert(
    poller, django_assert_max_num_queries
):
    client, _ = poller
    body, idem = {"name": "C", "slug": "c-corp", "plan": "standard"}, {"Idempotency-Key": "c"}
    assert client.post("/cp/orgs", body, headers=idem).status_code == 201

    with django_assert_max_num_queries(20) as captured:
        replay = client.post("/cp/orgs", body, headers=idem)

    assert replay["Idempotent-Replayed"] == "true"
    assert kinds(statements(captured)) == [
        "key lookup",
        "DELETE core_idempotencyrecord",
        "INSERT core_idempotencyrecord",
        "SELECT core_idempotencyrecord",
        "INSERT audit_auditevent",
    ]


def test_a_partner_less_key_lists_its_orgs_in_the_same_statements_after_rotations(
    make_key, as_key, django_assert_max_num_queries
):
    key, token = make_key()
    client = as_key(token)
    created = client.post("/cp/orgs", {"name": "CI", "slug": "ci-run", "plan": "standard"})
    assert created.status_code == 201
    child = client.post(f"/cp/admin/partner-keys/{key.id}/rotate", {"grace_seconds": 60}).json()
    grandchild = as_key(child["key"]).post(
        f"/cp/admin/partner-keys/{child['id']}/rotate", {"grace_seconds": 60}
    )
    heir = as_key(grandchild.json()["key"])
    heir.get("/cp/orgs")

    with django_assert_max_num_queries(12) as captured:
        response = heir.get("/cp/orgs")

    assert [org["slug"] for org in response.json()["data"]] == ["ci-run"]
    assert kinds(statements(captured)) == read("key lookup", "SELECT orgs_org")
    assert "managed_by" in statements(captured)[1]


@override_settings(CP_AUDIT_ASYNC_COMMIT_READS=True)
def test_a_read_call_commits_without_waiting_for_the_disk(anon, db):
    needs_postgres()
    assert synchronous_commit() == "on"

    refused = anon.get("/cp/orgs", token=tokens.generate())  # a refused read is a read too

    assert refused.status_code == 401
    assert synchronous_commit() == "off"


def test_a_change_commits_durably(make_key, as_key):
    needs_postgres()
    _, token = make_key()

    created = as_key(token).post("/cp/orgs", {"name": "D", "slug": "d-corp", "plan": "standard"})
    refused = as_key(token).post("/cp/orgs", {"name": "D", "slug": "d-corp", "plan": "standard"})

    assert (created.status_code, refused.status_code) == (201, 409)
    assert synchronous_commit() == "on"


@override_settings(CP_AUDIT_ASYNC_COMMIT_READS=False)
def test_with_the_setting_off_a_read_commits_its_event_durably(
    poller, django_assert_max_num_queries
):
    needs_postgres()
    client, org_id = poller

    with django_assert_max_num_queries(12) as captured:
        client.get(f"/cp/orgs/{org_id}/status")

    durable = ["key lookup", "SELECT orgs_org", "INSERT audit_auditevent"]
    assert kinds(statements(captured)) == durable
