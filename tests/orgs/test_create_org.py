"""POST /cp/orgs: validation, 201 + Location, slug uniqueness, ttl, who may create."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from orgs.models import Org

pytestmark = pytest.mark.django_db

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}


def test_creating_an_org_answers_201_provisioning_with_its_location(partner, make_key, as_key):
    key, token = make_key(partner=partner)
    response = as_key(token).post("/cp/orgs", {**BODY, "external_id": "cust-42"})
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("org_")
    assert response["Location"] == f"/cp/orgs/{body['id']}"
    assert body["status"] == "provisioning"
    assert body["slug"] == "acme-corp"
    assert body["external_id"] == "cust-42"
    assert body["partner"] == "acme"
    assert body["login_url"] is None
    assert body["expires_at"] is None
    org = Org.objects.get(pk=body["id"])
    assert (org.partner_id, org.created_by_key_id, org.plan) == (partner.pk, key.pk, "standard")
    event = AuditEvent.objects.get(action="org.create")
    assert (event.target_id, event.status_code, event.key_id) == (org.pk, 201, key.pk)


def test_ttl_seconds_makes_an_ephemeral_org_that_expires(make_key, as_key):
    _, token = make_key()
    before = timezone.now()
    body = as_key(token).post("/cp/orgs", {**BODY, "ttl_seconds": 3600}).json()
    expires = Org.objects.get(pk=body["id"]).expires_at
    assert before + timedelta(seconds=3600) <= expires <= timezone.now() + timedelta(seconds=3600)
    assert body["expires_at"] is not None


def test_a_slug_taken_in_any_case_is_409_slug_taken(make_key, as_key, make_org):
    make_org(slug="acme-corp")
    _, token = make_key()
    response = as_key(token).post("/cp/orgs", BODY)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slug_taken"
    Org.objects.filter(slug="acme-corp").update(slug="ACME-CORP")
    assert as_key(token).post("/cp/orgs", BODY).json()["error"]["code"] == "slug_taken"
    assert Org.objects.count() == 1


@pytest.mark.parametrize(
    "slug",
    ["ab", "a" * 64, "-acme", "acme-", "Acme", "acme_corp", "acme corp", "acmé", ""],
)
def test_a_malformed_slug_is_a_validation_error_and_creates_nothing(make_key, as_key, slug):
    _, token = make_key()
    response = as_key(token).post("/cp/orgs", {**BODY, "slug": slug})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "slug" in error["fields"]
    assert not Org.objects.exists()


@pytest.mark.parametrize("slug", ["abc", "a" * 63, "a-b", "0rg-9"])
def test_slugs_of_3_to_63_characters_are_accepted(make_key, as_key, slug):
    _, token = make_key()
    assert as_key(token).post("/cp/orgs", {**BODY, "slug": slug}).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plan": "platinum"}, "plan"),
        ({"plan": 1}, "plan"),
        ({"name": 5}, "name"),
        ({"name": ""}, "name"),
        ({"slug": None}, "slug"),
        ({"ttl_seconds": "60"}, "ttl_seconds"),
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"ttl_seconds": 10**9}, "ttl_seconds"),
        ({"external_id": 42}, "external_id"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_bad_fields_are_400_validation_error_naming_the_field(make_key, as_key, change, field):
    _, token = make_key()
    response = as_key(token).post("/cp/orgs", {**BODY, **change})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Org.objects.exists()


def test_enterprise_is_a_plan_and_plans_come_from_settings(make_key, as_key, settings):
    _, token = make_key()
    assert as_key(token).post("/cp/orgs", {**BODY, "plan": "enterprise"}).status_code == 201
    settings.ORG_PLANS = ["standard", "enterprise", "startup"]
    response = as_key(token).post("/cp/orgs", {**BODY, "slug": "beta", "plan": "startup"})
    assert response.json()["plan"] == "startup"


def test_a_body_that_is_not_json_is_an_enveloped_4xx(make_key, as_key):
    _, token = make_key()
    response = as_key(token).post("/cp/orgs", "{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    response = as_key(token).post("/cp/orgs", [1, 2])
    assert response.status_code == 400
    assert not Org.objects.exists()


def test_an_org_bound_key_cannot_create_orgs(partner, make_key, as_key, make_org):
    org = make_org(partner=partner)
    _, token = make_key(partner=partner, org_id=org.pk)
    response = as_key(token).post("/cp/orgs", BODY)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "org_bound_key"
    assert "bound" in error["message"]
    assert Org.objects.count() == 1


def test_a_partner_less_key_creates_an_org_without_partner(make_key, as_key):
    key, token = make_key()
    body = as_key(token).post("/cp/orgs", BODY).json()
    assert body["partner"] is None
    assert Org.objects.get(pk=body["id"]).created_by_key_id == key.pk


def test_the_master_key_may_create_an_org(master):
    response = master.post("/cp/orgs", BODY)
    assert response.status_code == 201
    org = Org.objects.get(pk=response.json()["id"])
    assert org.partner_id is None and org.created_by_key_id is None


def test_without_a_key_creating_is_401(anon):
    response = anon.post("/cp/orgs", BODY)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cp"'
    assert not Org.objects.exists()


def test_an_idempotent_retry_replays_the_create_and_a_new_body_is_422(make_key, as_key):
    _, token = make_key()
    client = as_key(token)
    headers = {"Idempotency-Key": "create-acme-1"}
    first = client.post("/cp/orgs", BODY, headers=headers)
    again = client.post("/cp/orgs", BODY, headers=headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    other = client.post("/cp/orgs", {**BODY, "slug": "other"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Org.objects.count() == 1
