"""POST /cp/orgs with seats, branding, metadata, billing channel and sandbox: round trips."""

from __future__ import annotations

import pytest

from orgs.models import Org, Subscription

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}
BRANDING = {
    "display_name": "Acme Cloud AI",
    "logo_url": "https://cdn.acme.example/logo.svg",
    "primary_color": "#1a2b3c",
}
METADATA = {"aws_customer_id": "cust-7", "crm": "0061a000003XyZ", "empty": ""}
FULL = {
    **BODY,
    "seats": 25,
    "external_id": "acme-123",
    "branding": BRANDING,
    "metadata": METADATA,
    "billing_channel": "aws_marketplace",
}


@pytest.fixture
def client(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    return as_key(token)


@transactional
def test_every_new_field_round_trips_through_create_read_list_and_billing(client, worker):
    created = client.post("/cp/orgs", FULL)
    assert created.status_code == 201, created.content
    body = created.json()
    expected = {
        "seats": 25,
        "external_id": "acme-123",
        "branding": BRANDING,
        "metadata": METADATA,
        "billing_channel": "aws_marketplace",
        "sandbox": False,
    }
    assert {field: body[field] for field in expected} == expected
    read = client.get(f"/cp/orgs/{body['id']}").json()
    assert {field: read[field] for field in expected} == expected
    listed = client.get("/cp/orgs").json()["data"][0]
    assert {field: listed[field] for field in expected} == expected
    org = Org.objects.get(pk=body["id"])
    assert (org.seats, org.branding, org.metadata) == (25, BRANDING, METADATA)

    worker()
    billing = client.get(f"/cp/orgs/{body['id']}/billing").json()
    assert list(billing) == [
        "org_id",
        "plan",
        "seats",
        "channel",
        "status",
        "current_period_start",
        "current_period_end",
        "canceled_at",
    ]
    assert (billing["plan"], billing["seats"], billing["channel"], billing["status"]) == (
        "standard",
        25,
        "aws_marketplace",
        "active",
    )
    subscription = Subscription.objects.get(org_id=body["id"])
    assert (subscription.seats, subscription.status) == (25, "active")


def test_the_defaults_are_one_seat_direct_billing_no_branding_no_metadata(client):
    body = client.post("/cp/orgs", BODY).json()
    assert body["seats"] == 1
    assert body["billing_channel"] == "direct"
    assert body["sandbox"] is False
    assert body["metadata"] == {}
    assert body["branding"] == {"display_name": None, "logo_url": None, "primary_color": None}
    assert body["external_id"] == ""


def test_branding_keys_left_out_are_null_and_a_colour_comes_back_in_lower_case(client):
    body = client.post("/cp/orgs", {**BODY, "branding": {"primary_color": "#ABCDEF"}}).json()
    assert body["branding"] == {"display_name": None, "logo_url": None, "primary_color": "#abcdef"}
    assert Org.objects.get(pk=body["id"]).branding == {"primary_color": "#abcdef"}


@pytest.mark.parametrize(
    "channel",
    ["direct", "aws_marketplace", "gcp_marketplace", "azure_marketplace", "partner_invoice"],
)
def test_every_billing_channel_is_accepted(client, channel):
    body = client.post("/cp/orgs", {**BODY, "billing_channel": channel}).json()
    assert body["billing_channel"] == channel


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"seats": 0}, ["seats"]),
        ({"seats": -3}, ["seats"]),
        ({"seats": "5"}, ["seats"]),
        ({"seats": 2.5}, ["seats"]),
        ({"seats": True}, ["seats"]),
        ({"seats": 1_000_001}, ["seats"]),
        ({"branding": "Acme"}, ["branding"]),
        ({"branding": {"logo_url": "http://cdn.acme.example/logo.svg"}}, ["branding", "logo_url"]),
        ({"branding": {"logo_url": "javascript:alert(1)"}}, ["branding", "logo_url"]),
        ({"branding": {"logo_url": "not a url"}}, ["branding", "logo_url"]),
        ({"branding": {"logo_url": "https://x.example/" + "a" * 2048}}, ["branding", "logo_url"]),
        ({"branding": {"primary_color": "red"}}, ["branding", "primary_color"]),
        ({"branding": {"primary_color": "#12345"}}, ["branding", "primary_color"]),
        ({"branding": {"primary_color": "#1234567"}}, ["branding", "primary_color"]),
        ({"branding": {"primary_color": "#ggghhh"}}, ["branding", "primary_color"]),
        ({"branding": {"display_name": "x" * 101}}, ["branding", "display_name"]),
        ({"branding": {"display_name": 7}}, ["branding", "display_name"]),
        ({"branding": {"favicon": "https://x.example/f.ico"}}, ["branding", "favicon"]),
        ({"metadata": ["a"]}, ["metadata"]),
        ({"metadata": {f"k{n}": "v" for n in range(21)}}, ["metadata"]),
        ({"metadata": {"k" * 41: "v"}}, ["metadata"]),
        ({"metadata": {"": "v"}}, ["metadata"]),
        ({"metadata": {"crm": "v" * 501}}, ["metadata", "crm"]),
        ({"metadata": {"crm": 42}}, ["metadata", "crm"]),
        ({"metadata": {"crm": {"nested": "no"}}}, ["metadata", "crm"]),
        ({"metadata": {"crm": None}}, ["metadata", "crm"]),
        ({"billing_channel": "paypal"}, ["billing_channel"]),
        ({"billing_channel": 1}, ["billing_channel"]),
        ({"sandbox": "true"}, ["sandbox"]),
        ({"sandbox": 1}, ["sandbox"]),
    ],
)
def test_a_bad_value_is_400_naming_the_field_and_creates_nothing(client, change, path):
    response = client.post("/cp/orgs", {**BODY, **change})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = error["fields"]
    for name in path:
        assert name in fields, fields
        fields = fields[name]
    assert not Org.objects.exists()


def test_metadata_at_its_limits_is_accepted(client):
    metadata = {f"{n:02d}".ljust(40, "k"): "v" * 500 for n in range(20)}
    body = client.post("/cp/orgs", {**BODY, "metadata": metadata}).json()
    assert body["metadata"] == metadata


def test_a_bad_metadata_key_is_not_echoed_back(client):
    key = "\u202e" + "x" * 60
    response = client.post("/cp/orgs", {**BODY, "metadata": {key: "v"}})
    assert response.status_code == 400
    assert key not in response.content.decode()
    assert "1 to 40 characters" in response.json()["error"]["fields"]["metadata"][0]


def test_null_branding_and_metadata_mean_none(client):
    body = client.post("/cp/orgs", {**BODY, "branding": None, "metadata": None}).json()
    assert body["metadata"] == {}
    assert body["branding"]["display_name"] is None


@transactional
def test_a_sandbox_org_is_never_billed_and_expires(client, worker):
    response = client.post("/cp/orgs", {**BODY, "sandbox": True, "ttl_seconds": 3600})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sandbox"] is True
    assert body["expires_at"] is not None
    worker()
    billing = client.get(f"/cp/orgs/{body['id']}/billing").json()
    assert billing["status"] == "sandbox"
    assert Subscription.objects.get(org_id=body["id"]).status == "sandbox"
    client.delete(f"/cp/orgs/{body['id']}")
    billing = client.get(f"/cp/orgs/{body['id']}/billing").json()
    assert billing["status"] == "canceled" and billing["canceled_at"] is not None


def test_a_sandbox_org_at_the_seven_day_limit_is_accepted(client):
    response = client.post("/cp/orgs", {**BODY, "sandbox": True, "ttl_seconds": 604800})
    assert response.status_code == 201


@pytest.mark.parametrize("ttl", [None, "absent", 604801, 30 * 86400])
def test_a_sandbox_org_without_a_ttl_of_at_most_seven_days_is_400(client, ttl):
    body = {**BODY, "sandbox": True}
    if ttl != "absent":
        body["ttl_seconds"] = ttl
    response = client.post("/cp/orgs", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "604800" in error["fields"]["ttl_seconds"][0]
    assert "sandbox" in error["fields"]["ttl_seconds"][0]
    assert not Org.objects.exists()


def test_an_org_that_is_not_a_sandbox_may_live_longer_than_seven_days(client):
    response = client.post("/cp/orgs", {**BODY, "ttl_seconds": 30 * 86400})
    assert response.status_code == 201
    assert response.json()["sandbox"] is False
