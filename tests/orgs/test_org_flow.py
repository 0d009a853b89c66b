"""The partner's flow through the API and the real worker: create, poll, use, delete."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from core.tokens import WORKSPACE_TOKEN_PREFIX, hash_token, is_well_formed
from orgs.models import Org, Subscription, Workspace

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "enterprise"}


@pytest.fixture
def client(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    return as_key(token)


def test_an_org_is_provisioned_by_the_worker_and_then_has_a_login_url(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    assert DBTaskResult.objects.filter(task_path="orgs.tasks.provision_org").count() == 1

    polling = client.get(f"/cp/orgs/{org_id}/status")
    assert polling.status_code == 200
    assert polling.json() == {
        "id": org_id,
        "slug": "acme-corp",
        "status": "provisioning",
        "ready_at": None,
        "login_url": None,
        "error": None,
    }
    assert polling["Retry-After"] == "2"

    worker()

    ready = client.get(f"/cp/orgs/{org_id}/status")
    body = ready.json()
    assert body["status"] == "ready"
    assert body["ready_at"] is not None
    assert body["login_url"] == "https://app.moleculesai.app/login?org=acme-corp"
    assert not ready.has_header("Retry-After")
    assert Workspace.objects.filter(org_id=org_id, is_default=True).count() == 1
    subscription = Subscription.objects.get(org_id=org_id)
    assert (subscription.status, subscription.plan) == ("active", "enterprise")
    assert subscription.current_period_end > subscription.current_period_start


def test_the_login_url_follows_the_configured_template(client, worker, settings):
    settings.CP_LOGIN_URL_TEMPLATE = "https://{slug}.example.test/sso?org_id={id}"
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    worker()
    url = client.get(f"/cp/orgs/{org_id}").json()["login_url"]
    assert url == f"https://acme-corp.example.test/sso?org_id={org_id}"


def test_workspaces_are_created_only_in_ready_orgs_with_a_token_shown_once(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    early = client.post(f"/cp/orgs/{org_id}/workspaces", {"name": "CI"})
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "org_not_ready"
    assert not Workspace.objects.filter(org_id=org_id).exists()

    worker()
    created = client.post(f"/cp/orgs/{org_id}/workspaces", {"name": "CI"})
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("ws_")
    assert (body["org_id"], body["name"], body["is_default"]) == (org_id, "CI", False)
    assert is_well_formed(body["token"], WORKSPACE_TOKEN_PREFIX)
    stored = Workspace.objects.get(pk=body["id"])
    assert stored.token_hash == hash_token(body["token"])
    assert body["token"] not in str(stored.__dict__)
    assert body["token_hint"] == stored.token_hint

    listing = client.get(f"/cp/orgs/{org_id}/workspaces")
    assert listing.status_code == 200
    page = listing.json()
    assert [ws["name"] for ws in page["data"]] == ["CI", "Default"]
    assert page["has_more"] is False
    assert body["token"] not in listing.content.decode()
    assert all("token" not in ws for ws in page["data"])


def test_a_replayed_workspace_create_does_not_reveal_the_token_again(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    worker()
    headers = {"Idempotency-Key": "ws-1"}
    first = client.post(f"/cp/orgs/{org_id}/workspaces", {"name": "CI"}, headers=headers)
    replay = client.post(f"/cp/orgs/{org_id}/workspaces", {"name": "CI"}, headers=headers)
    assert first.json()["token"].startswith("mol_ws_")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["token"] is None
    assert replay.json()["id"] == first.json()["id"]
    assert Workspace.objects.filter(org_id=org_id).count() == 2


def test_billing_shows_the_subscription_and_is_empty_while_provisioning(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    pending = client.get(f"/cp/orgs/{org_id}/billing").json()
    assert pending == {
        "org_id": org_id,
        "plan": "enterprise",
        "seats": 1,
        "channel": "direct",
        "status": None,
        "current_period_start": None,
        "current_period_end": None,
        "canceled_at": None,
    }
    worker()
    billing = client.get(f"/cp/orgs/{org_id}/billing").json()
    assert billing["status"] == "active"
    assert billing["plan"] == "enterprise"
    assert billing["current_period_start"] and billing["current_period_end"]
    assert billing["canceled_at"] is None


def test_delete_stops_billing_at_once_and_the_worker_finishes_it(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    worker()

    deleted = client.delete(f"/cp/orgs/{org_id}")
    assert deleted.status_code == 202
    assert deleted.json()["status"] == "deleting"
    assert deleted.json()["deleting_at"] is not None
    billing = client.get(f"/cp/orgs/{org_id}/billing").json()
    assert billing["status"] == "canceled" and billing["canceled_at"] is not None
    status = client.get(f"/cp/orgs/{org_id}/status")
    assert status.json()["status"] == "deleting"
    assert status.json()["login_url"] is None
    assert status["Retry-After"] == "2"
    again = client.delete(f"/cp/orgs/{org_id}")
    assert (again.status_code, again.json()["status"]) == (202, "deleting")

    worker()
    org = Org.objects.get(pk=org_id)
    assert org.status == "deleted" and org.deleted_at is not None
    status = client.get(f"/cp/orgs/{org_id}/status")
    assert status.json()["status"] == "deleted"
    assert not status.has_header("Retry-After")
    last = client.delete(f"/cp/orgs/{org_id}")
    assert (last.status_code, last.json()["status"]) == (202, "deleted")
    assert last.json()["deleted_at"] is not None
    gone = client.post(f"/cp/orgs/{org_id}/workspaces", {"name": "late"})
    assert gone.json()["error"]["code"] == "org_not_ready"


def test_deleting_an_org_still_provisioning_cancels_its_provisioning(client, worker):
    org_id = client.post("/cp/orgs", BODY).json()["id"]
    assert client.delete(f"/cp/orgs/{org_id}").status_code == 202
    worker()
    org = Org.objects.get(pk=org_id)
    assert org.status == "deleted" and org.ready_at is None
    assert not Subscription.objects.filter(org=org, status="active").exists()


def test_the_list_is_a_cursor_page_filtered_by_status_without_deleted_orgs(client, worker):
    ids = [client.post("/cp/orgs", {**BODY, "slug": f"org-{n}"}).json()["id"] for n in range(3)]
    worker()
    client.delete(f"/cp/orgs/{ids[0]}")
    worker()

    page = client.get("/cp/orgs").json()
    assert [org["id"] for org in page["data"]] == [ids[2], ids[1]]
    first = client.get("/cp/orgs?limit=1").json()
    assert first["has_more"] is True and len(first["data"]) == 1
    rest = client.get(f"/cp/orgs?limit=1&cursor={first['next_cursor']}").json()
    assert [org["id"] for org in rest["data"]] == [ids[1]]
    deleted = client.get("/cp/orgs?status=deleted").json()
    assert [org["id"] for org in deleted["data"]] == [ids[0]]
    both = client.get("/cp/orgs?status=ready,deleted").json()
    assert len(both["data"]) == 3
    bad = client.get("/cp/orgs?status=gone")
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_unsupported_methods_are_405_with_allow(client):
    response = client.patch("/cp/orgs", {})
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert response.json()["error"]["code"] == "method_not_allowed"
