"""Who sees which org, on every endpoint: invisible is 404 (never 403); scopes are 403."""

from __future__ import annotations

import pytest

from orgs.models import Org, Subscription, Workspace
from partners import services as key_services
from tests.conftest import ALL_SCOPES

pytestmark = pytest.mark.django_db

# (method, path, body, the scope it needs)
ORG_ENDPOINTS = [
    ("get", "/cp/orgs/{id}", None, "orgs:list"),
    ("get", "/cp/orgs/{id}/status", None, "orgs:list"),
    ("patch", "/cp/orgs/{id}", {"name": "Intruder"}, "orgs:update"),
    ("delete", "/cp/orgs/{id}", None, "orgs:delete"),
    ("get", "/cp/orgs/{id}/workspaces", None, "orgs:list"),
    ("post", "/cp/orgs/{id}/workspaces", {"name": "Intruder"}, "workspaces:create"),
    ("get", "/cp/orgs/{id}/billing", None, "billing:read"),
]
ALL_ENDPOINTS = [
    ("post", "/cp/orgs", {"name": "X", "slug": "x-org", "plan": "standard"}, "orgs:create"),
    ("get", "/cp/orgs", None, "orgs:list"),
    *ORG_ENDPOINTS,
]
SUCCESS = {"get": 200, "delete": 202, "post": 201, "patch": 200}


def call(client, method: str, path: str, body, org: Org | None = None):
    path = path.format(id=org.pk if org else "none")
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


def untouched(org: Org) -> bool:
    org.refresh_from_db()
    return (
        org.status == Org.Status.READY
        and org.name != "Intruder"
        and Workspace.objects.filter(org=org).count() == 1
        and Subscription.objects.get(org=org).status == Subscription.Status.ACTIVE
    )


@pytest.mark.parametrize(("method", "path", "body", "scope"), ORG_ENDPOINTS)
def test_another_partners_org_is_404_on_every_endpoint(
    partner, other_partner, make_key, make_org, as_key, method, path, body, scope
):
    theirs = make_org(partner=other_partner)
    _, token = make_key(partner=partner)
    response = call(as_key(token), method, path, body, theirs)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert untouched(theirs)


@pytest.mark.parametrize(("method", "path", "body", "scope"), ORG_ENDPOINTS)
def test_a_key_of_the_same_partner_reaches_the_org_on_every_endpoint(
    partner, make_key, make_org, as_key, method, path, body, scope
):
    creator, _ = make_key(partner=partner, name="creator")
    org = make_org(partner=partner, created_by_key=creator)
    _, colleague = make_key(partner=partner, name="colleague")
    assert call(as_key(colleague), method, path, body, org).status_code == SUCCESS[method]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ORG_ENDPOINTS)
def test_an_org_bound_key_reaches_only_its_own_org(
    partner, make_key, make_org, as_key, method, path, body, scope
):
    mine, sibling = make_org(partner=partner), make_org(partner=partner)
    _, token = make_key(partner=partner, org_id=mine.pk)
    client = as_key(token)
    assert call(client, method, path, body, sibling).status_code == 404
    assert untouched(sibling)
    assert call(client, method, path, body, mine).status_code == SUCCESS[method]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ORG_ENDPOINTS)
def test_a_partner_less_key_reaches_only_the_orgs_it_created(
    make_key, make_org, as_key, method, path, body, scope
):
    key, token = make_key(name="mine")
    other_key, _ = make_key(name="someone else's")
    mine = make_org(created_by_key=key)
    theirs = make_org(created_by_key=other_key)
    client = as_key(token)
    assert call(client, method, path, body, theirs).status_code == 404
    assert untouched(theirs)
    assert call(client, method, path, body, mine).status_code == SUCCESS[method]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ORG_ENDPOINTS)
def test_an_unknown_org_id_is_404(make_key, as_key, method, path, body, scope):
    _, token = make_key()
    response = call(as_key(token), method, path, body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_list_shows_each_key_exactly_the_orgs_it_may_see(
    partner, other_partner, make_key, make_org, as_key, master
):
    lone_key, lone_token = make_key(name="partner-less")
    ours = make_org(partner=partner)
    bound = make_org(partner=partner)
    theirs = make_org(partner=other_partner)
    lone = make_org(created_by_key=lone_key)
    _, partner_token = make_key(partner=partner)
    _, bound_token = make_key(partner=partner, org_id=bound.pk)

    def ids(token) -> set[str]:
        return {org["id"] for org in as_key(token).get("/cp/orgs").json()["data"]}

    assert ids(partner_token) == {ours.pk, bound.pk}
    assert ids(bound_token) == {bound.pk}
    assert ids(lone_token) == {lone.pk}
    assert {org["id"] for org in master.get("/cp/orgs").json()["data"]} == {
        ours.pk,
        bound.pk,
        theirs.pk,
        lone.pk,
    }


def test_a_rotated_partner_less_key_keeps_seeing_the_orgs_of_its_predecessor(
    make_key, make_org, as_key
):
    key, _ = make_key(name="ci")
    org = make_org(created_by_key=key)
    successor = key_services.partner_key_rotate(key=key, grace_seconds=0, rotated_by="test")
    response = as_key(successor.plaintext).get(f"/cp/orgs/{org.pk}")
    assert response.status_code == 200
    created = as_key(successor.plaintext).post(
        "/cp/orgs", {"name": "N", "slug": "newer", "plan": "standard"}
    )
    assert created.status_code == 201
    assert {o["id"] for o in as_key(successor.plaintext).get("/cp/orgs").json()["data"]} == {
        org.pk,
        created.json()["id"],
    }


def test_the_master_key_sees_any_org(master, other_partner, make_org):
    org = make_org(partner=other_partner)
    assert master.get(f"/cp/orgs/{org.pk}").json()["id"] == org.pk


@pytest.mark.parametrize(("method", "path", "body", "scope"), ALL_ENDPOINTS)
def test_a_missing_scope_is_403_insufficient_scope_naming_it(
    partner, make_key, make_org, as_key, method, path, body, scope
):
    org = make_org(partner=partner)
    lacking = [s for s in ALL_SCOPES if s != scope]
    if path.endswith("/status"):
        lacking.remove("orgs:create")  # either scope grants the status
    _, token = make_key(partner=partner, scopes=lacking)
    response = call(as_key(token), method, path, body, org)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert scope in error["message"]
    assert untouched(org)
    assert Org.objects.count() == 1


@pytest.mark.parametrize("scope", ["orgs:list", "orgs:create"])
def test_either_orgs_list_or_orgs_create_may_read_the_status(
    partner, make_key, make_org, as_key, scope
):
    org = make_org(partner=partner)
    _, token = make_key(partner=partner, scopes=[scope])
    response = as_key(token).get(f"/cp/orgs/{org.pk}/status")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
