"""The hot path's statement budget: what each kind of call costs the database, pinned."""

from __future__ import annotations

import pytest

from orgs.models import Org

pytestmark = pytest.mark.django_db


def statements(captured) -> list[str]:
    """The SQL a request ran, less the savepoints of its transaction (free in production)."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def rotate(as_key, key_id: str, token: str) -> tuple[str, str]:
    response = as_key(token).post(f"/cp/admin/partner-keys/{key_id}/rotate", {"grace_seconds": 60})
    assert response.status_code == 201, response.json()
    return response.json()["id"], response.json()["key"]


def org_list_statements(client, django_assert_max_num_queries) -> list[str]:
    client.get("/cp/orgs")  # the first use of a key writes last_used_at
    with django_assert_max_num_queries(10) as captured:
        response = client.get("/cp/orgs")
    assert response.status_code == 200
    assert [org["slug"] for org in response.json()["data"]] == ["ci-run"]
    return statements(captured)


def test_a_partner_less_key_lists_its_orgs_in_three_statements_after_any_rotations(
    make_key, as_key, django_assert_max_num_queries
):
    key, token = make_key()
    assert (
        as_key(token)
        .post("/cp/orgs", {"name": "CI", "slug": "ci-run", "plan": "standard"})
        .status_code
        == 201
    )
    before = org_list_statements(as_key(token), django_assert_max_num_queries)

    child_id, child = rotate(as_key, key.id, token)
    _, grandchild = rotate(as_key, child_id, child)
    after = org_list_statements(as_key(grandchild), django_assert_max_num_queries)

    assert len(before) == len(after) == 3
    lookup, listing, audit = after
    assert 'FROM "partners_partnerkey"' in lookup and "key_hash" in lookup
    assert 'FROM "orgs_org"' in listing and "managed_by" in listing
    assert audit.startswith('INSERT INTO "audit_auditevent"')


def test_a_status_poll_runs_three_statements(make_key, as_key, django_assert_max_num_queries):
    _, token = make_key()
    client = as_key(token)
    created = client.post("/cp/orgs", {"name": "Acme", "slug": "acme-corp", "plan": "standard"})
    org_id = created.json()["id"]
    client.get(f"/cp/orgs/{org_id}/status")
    with django_assert_max_num_queries(10) as captured:
        response = client.get(f"/cp/orgs/{org_id}/status")
    assert response.json()["status"] == Org.Status.PROVISIONING
    lookup, read, audit = statements(captured)
    assert "key_hash" in lookup
    assert 'FROM "orgs_org"' in read
    assert audit.startswith('INSERT INTO "audit_auditevent"')
