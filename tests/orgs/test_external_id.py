"""external_id: unique among the orgs one manager sees, and found only among the orgs a key sees."""

from __future__ import annotations

import pytest

from orgs.models import Org
from partners import services as key_services

pytestmark = pytest.mark.django_db

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard", "external_id": "cust-1"}


def found(client, external_id: str, query: str = "") -> list[str]:
    response = client.get(f"/cp/orgs?external_id={external_id}{query}")
    assert response.status_code == 200, response.content
    return [org["id"] for org in response.json()["data"]]


def test_an_external_id_the_partner_already_uses_is_409_and_creates_nothing(
    partner, make_key, make_org, as_key
):
    make_org(partner=partner, external_id="cust-1")
    _, token = make_key(partner=partner)
    response = as_key(token).post("/cp/orgs", BODY)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "external_id_taken"
    assert "external_id" in error["message"]
    assert Org.objects.count() == 1


def test_another_partner_may_use_the_same_external_id(
    partner, other_partner, make_key, make_org, as_key
):
    make_org(partner=other_partner, external_id="cust-1")
    _, token = make_key(partner=partner)
    assert as_key(token).post("/cp/orgs", BODY).status_code == 201


def test_partner_less_keys_are_scoped_by_rotation_family(make_key, as_key):
    first, first_token = make_key(name="ci-a")
    _, stranger_token = make_key(name="ci-b")
    assert as_key(first_token).post("/cp/orgs", BODY).status_code == 201
    # Another partner-less key (another family) does not see that org, so may use the reference.
    other = as_key(stranger_token).post("/cp/orgs", {**BODY, "slug": "other-org"})
    assert other.status_code == 201
    # The rotated successor shares the family and its orgs: the reference is taken.
    successor = key_services.partner_key_rotate(key=first, grace_seconds=0, rotated_by="test")
    again = as_key(successor.plaintext).post("/cp/orgs", {**BODY, "slug": "third-org"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "external_id_taken"


def test_master_key_orgs_share_one_scope(master):
    assert master.post("/cp/orgs", BODY).status_code == 201
    response = master.post("/cp/orgs", {**BODY, "slug": "second"})
    assert response.json()["error"]["code"] == "external_id_taken"


def test_no_external_id_is_never_a_conflict(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    client = as_key(token)
    for n in range(3):
        body = {**BODY, "slug": f"org-{n}", "external_id": "" if n else None}
        assert client.post("/cp/orgs", body).status_code == 201


def test_a_deleted_org_frees_its_external_id_but_a_deleting_one_does_not(
    partner, make_key, make_org, as_key
):
    org = make_org(partner=partner, external_id="cust-1", status="deleting")
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert client.post("/cp/orgs", BODY).json()["error"]["code"] == "external_id_taken"
    Org.objects.filter(pk=org.pk).update(status="deleted")
    assert client.post("/cp/orgs", BODY).status_code == 201


def test_the_lookup_finds_the_partners_org_and_not_another_partners(
    partner, other_partner, make_key, make_org, as_key
):
    ours = make_org(partner=partner, external_id="cust-1")
    make_org(partner=partner, external_id="cust-2")
    theirs = make_org(partner=other_partner, external_id="cust-1")
    make_org(partner=other_partner, external_id="only-theirs")
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert found(client, "cust-1") == [ours.pk]
    assert found(client, "only-theirs") == []
    _, their_token = make_key(partner=other_partner)
    assert found(as_key(their_token), "cust-1") == [theirs.pk]


def test_the_lookup_of_a_partner_less_key_sees_only_its_own_orgs(
    partner, make_key, make_org, as_key
):
    key, token = make_key(name="ci")
    other_key, _ = make_key(name="other ci")
    mine = make_org(created_by_key=key, external_id="run-1")
    make_org(created_by_key=other_key, external_id="run-2")
    make_org(partner=partner, external_id="run-3")
    client = as_key(token)
    assert found(client, "run-1") == [mine.pk]
    assert found(client, "run-2") == []
    assert found(client, "run-3") == []


def test_the_lookup_of_an_org_bound_key_sees_only_its_org(partner, make_key, make_org, as_key):
    bound = make_org(partner=partner, external_id="cust-1")
    make_org(partner=partner, external_id="cust-2")
    _, token = make_key(partner=partner, org_id=bound.pk)
    client = as_key(token)
    assert found(client, "cust-1") == [bound.pk]
    assert found(client, "cust-2") == []


def test_the_lookup_leaves_deleted_orgs_out_unless_asked(partner, make_key, make_org, as_key):
    gone = make_org(partner=partner, external_id="cust-1", status="deleted")
    live = make_org(partner=partner, external_id="cust-1")
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert found(client, "cust-1") == [live.pk]
    assert found(client, "cust-1", "&status=deleted") == [gone.pk]


def test_an_empty_external_id_filter_is_400(partner, make_key, make_org, as_key):
    make_org(partner=partner)
    _, token = make_key(partner=partner)
    response = as_key(token).get("/cp/orgs?external_id=")
    assert response.status_code == 400
    assert "external_id" in response.json()["error"]["fields"]
