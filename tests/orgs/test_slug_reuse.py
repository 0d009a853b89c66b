"""A slug is free again once its org is `deleted` (the worker finished), never while `deleting`."""

from __future__ import annotations

import pytest

from orgs.models import Org

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"name": "CI run", "slug": "ci-run", "plan": "standard", "external_id": "pipeline-7"}


@pytest.fixture
def client(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    return as_key(token)


def test_a_slug_is_taken_while_deleting_and_free_once_deleted(client, worker):
    first = client.post("/cp/orgs", BODY).json()["id"]
    worker()
    assert client.delete(f"/cp/orgs/{first}").json()["status"] == "deleting"

    early = client.post("/cp/orgs", {**BODY, "external_id": "pipeline-8"})
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "slug_taken"
    early = client.post("/cp/orgs", {**BODY, "slug": "ci-run-2"})
    assert early.json()["error"]["code"] == "external_id_taken"

    worker()
    assert client.get(f"/cp/orgs/{first}/status").json()["status"] == "deleted"
    again = client.post("/cp/orgs", BODY)
    assert again.status_code == 201, again.content
    second = again.json()["id"]
    assert second != first
    worker()
    assert client.get(f"/cp/orgs/{second}/status").json()["login_url"].endswith("org=ci-run")
    # The deleted org keeps its slug and external id as history; both orgs are readable.
    old = client.get(f"/cp/orgs/{first}").json()
    assert (old["slug"], old["external_id"], old["status"]) == ("ci-run", "pipeline-7", "deleted")
    lookup = client.get("/cp/orgs?external_id=pipeline-7").json()["data"]
    assert [org["id"] for org in lookup] == [second]


def test_a_reused_slug_is_still_unique_among_live_orgs_in_any_case(client, worker):
    first = client.post("/cp/orgs", BODY).json()["id"]
    client.delete(f"/cp/orgs/{first}")
    worker()
    assert client.post("/cp/orgs", BODY).status_code == 201
    response = client.post("/cp/orgs", {**BODY, "slug": "ci-run", "external_id": "other"})
    assert response.json()["error"]["code"] == "slug_taken"
    Org.objects.filter(status="ready").update(slug="CI-RUN")
    response = client.post("/cp/orgs", {**BODY, "external_id": "other"})
    assert response.json()["error"]["code"] == "slug_taken"
    assert Org.objects.filter(slug__iexact="ci-run").count() == 2
