"""PATCH /cp/orgs/{id}: what may change, only on a ready org, billing following at once."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from audit.models import AuditEvent
from orgs.models import Org, Subscription

pytestmark = pytest.mark.django_db

CHANGES = {
    "name": "Acme Corporation",
    "plan": "enterprise",
    "seats": 40,
    "external_id": "acme-crm-9",
    "branding": {
        "display_name": "Acme AI",
        "logo_url": "https://acme.example/l.png",
        "primary_color": "#00ff00",
    },
    "metadata": {"contract": "C-77"},
}


@pytest.fixture
def key(partner, make_key):
    return make_key(partner=partner)


@pytest.fixture
def client(key, as_key):
    return as_key(key[1])


@pytest.fixture
def org(partner, make_org):
    return make_org(partner=partner, slug="acme-corp", seats=5)


def test_every_field_changes_and_round_trips(client, org):
    response = client.patch(f"/cp/orgs/{org.pk}", CHANGES)
    assert response.status_code == 200, response.content
    for body in (response.json(), client.get(f"/cp/orgs/{org.pk}").json()):
        assert {field: body[field] for field in CHANGES} == CHANGES
        assert (body["slug"], body["status"]) == ("acme-corp", "ready")
    org.refresh_from_db()
    assert (org.name, org.plan, org.seats, org.external_id) == (
        "Acme Corporation",
        "enterprise",
        40,
        "acme-crm-9",
    )
    assert org.metadata == {"contract": "C-77"}


def test_a_plan_or_seat_change_shows_in_billing_at_once_with_field_history(client, org):
    before = client.get(f"/cp/orgs/{org.pk}/billing").json()
    assert (before["plan"], before["seats"]) == ("standard", 5)

    response = client.patch(f"/cp/orgs/{org.pk}", {"plan": "enterprise", "seats": 12})

    billing = client.get(f"/cp/orgs/{org.pk}/billing").json()
    assert (billing["plan"], billing["seats"], billing["status"]) == ("enterprise", 12, "active")
    subscription = Subscription.objects.get(org=org)
    history = LogEntry.objects.get_for_object(subscription).filter(action=LogEntry.Action.UPDATE)
    entry = history.get()
    assert entry.changes_dict == {"plan": ["standard", "enterprise"], "seats": ["5", "12"]}
    assert entry.cid == response["X-Request-Id"]
    org_entry = LogEntry.objects.get_for_object(org).filter(action=LogEntry.Action.UPDATE).get()
    assert set(org_entry.changes_dict) == {"plan", "seats"}


def test_the_update_is_audited_with_the_fields_it_changed(client, key, org):
    client.patch(f"/cp/orgs/{org.pk}", {"name": "New name", "metadata": {"a": "b"}})
    event = AuditEvent.objects.get(action="org.update")
    assert (event.target_id, event.status_code, event.key_id) == (org.pk, 200, key[0].pk)
    assert event.details["changes"] == ["metadata", "name"]


def test_branding_and_metadata_are_replaced_whole_and_cleared_by_empty_objects(
    client, partner, make_org
):
    branding = {"display_name": "Old", "logo_url": "https://o.example/l.png"}
    org = make_org(partner=partner, branding=branding, metadata={"a": "1"})
    body = client.patch(f"/cp/orgs/{org.pk}", {"branding": {"display_name": "New"}}).json()
    assert body["branding"] == {"display_name": "New", "logo_url": None, "primary_color": None}
    body = client.patch(f"/cp/orgs/{org.pk}", {"branding": {}, "metadata": {}}).json()
    assert body["branding"]["display_name"] is None
    assert body["metadata"] == {}


def test_an_external_id_is_cleared_with_null_or_empty(client, partner, make_org):
    org = make_org(partner=partner, external_id="old-ref")
    assert client.patch(f"/cp/orgs/{org.pk}", {"external_id": None}).json()["external_id"] == ""
    Org.objects.filter(pk=org.pk).update(external_id="old-ref")
    assert client.patch(f"/cp/orgs/{org.pk}", {"external_id": ""}).json()["external_id"] == ""


def test_an_empty_patch_changes_nothing(client, org):
    response = client.patch(f"/cp/orgs/{org.pk}", {})
    assert response.status_code == 200
    assert response.json()["name"] == org.name
    assert not LogEntry.objects.filter(action=LogEntry.Action.UPDATE).exists()


@pytest.mark.parametrize("status", ["provisioning", "failed", "deleting", "deleted"])
def test_an_org_that_is_not_ready_is_409_org_not_ready_and_unchanged(
    client, partner, make_org, status
):
    org = make_org(partner=partner, status=status)
    response = client.patch(f"/cp/orgs/{org.pk}", {"name": "Changed", "seats": 9})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "org_not_ready"
    assert status in error["message"] and "ready" in error["message"]
    org.refresh_from_db()
    assert (org.name, org.seats) != ("Changed", 9)


@pytest.mark.parametrize("field", ["billing_channel", "sandbox", "slug", "ttl_seconds"])
def test_fields_set_at_creation_only_are_400_saying_so(client, org, field):
    value = {"billing_channel": "gcp_marketplace", "sandbox": True, "slug": "x-y-z"}.get(field, 60)
    response = client.patch(f"/cp/orgs/{org.pk}", {field: value})
    assert response.status_code == 400
    message = response.json()["error"]["fields"][field][0]
    assert "created" in message and "cannot be changed" in message
    org.refresh_from_db()
    assert (org.billing_channel, org.sandbox, org.slug) == ("direct", False, "acme-corp")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner": "me"}, "owner"),
        ({"status": "deleted"}, "status"),
        ({"plan": "platinum"}, "plan"),
        ({"seats": 0}, "seats"),
        ({"seats": "3"}, "seats"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"branding": {"logo_url": "http://acme.example/l.png"}}, "branding"),
        ({"metadata": {"k": 1}}, "metadata"),
    ],
)
def test_unknown_fields_and_bad_values_are_400_naming_the_field(client, org, body, field):
    response = client.patch(
        f"/cp/orgs/{org.pk}", {**body, "seats": 7} if field != "seats" else body
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    org.refresh_from_db()
    assert org.seats == 5 and org.status == "ready"


def test_a_body_that_is_not_an_object_is_400(client, org):
    response = client.patch(f"/cp/orgs/{org.pk}", [1])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_an_external_id_another_of_the_partners_orgs_has_is_409(client, partner, make_org, org):
    make_org(partner=partner, external_id="taken")
    response = client.patch(f"/cp/orgs/{org.pk}", {"external_id": "taken", "seats": 8})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "external_id_taken"
    org.refresh_from_db()
    assert (org.external_id, org.seats) == ("", 5)
    assert Subscription.objects.get(org=org).seats == 5


def test_a_sandbox_org_changes_plan_and_stays_unbilled(client, partner, make_org):
    org = make_org(partner=partner, sandbox=True)
    assert Subscription.objects.get(org=org).status == "sandbox"
    client.patch(f"/cp/orgs/{org.pk}", {"plan": "enterprise"})
    billing = client.get(f"/cp/orgs/{org.pk}/billing").json()
    assert (billing["plan"], billing["status"]) == ("enterprise", "sandbox")
