"""The hot path's statement budget: what each kind of call costs the database, pinned exactly.

Savepoints are left out (inside the test's transaction every atomic block is one; in production
they are the call's BEGIN and COMMIT). A read call (GET) on PostgreSQL adds one statement just
before its audit event: `SET LOCAL synchronous_commit = off` (see the README's hot-path section).
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from core import tokens
from orgs.models import Org
from tests.conftest import ASYNC_COMMIT_SQL, async_commit_statements, needs_postgres

pytestmark = pytest.mark.django_db

KEY_LOOKUP = 'FROM "partners_partnerkey"'
AUDIT_INSERT = 'INSERT INTO "audit_auditevent"'


def statements(captured) -> list[str]:
    """The SQL a request ran, less the savepoints of its transaction (free in production)."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def kinds(sql: list[str]) -> list[str]:
    """Each statement as what it does: `key lookup`, `SELECT orgs_org`, `INSERT …`, `SET LOCAL`."""
    named = []
    for statement in sql:
        if statement == ASYNC_COMMIT_SQL:
            named.append("set local")
        elif KEY_LOOKUP in statement and "key_hash" in statement:
            named.append("key lookup")
        else:
            verb = statement.split()[0]
            table = statement.split('"')[1] if '"' in statement else ""
            named.append(f"{verb} {table}")
    return named


def read(*kinds_before_audit: str) -> list[str]:
    """A read call's statements: what it does, then its audit event (asynchronously committed)."""
    relax = ["set local"] if async_commit_statements() else []
    return [*kinds_before_audit, *relax, "INSERT audit_auditevent"]


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
    assert ASYNC_COMMIT_SQL not in statements(captured)  # a change is committed durably


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
    assert "family_id" in statements(captured)[1]


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
