"""/cp/webhook-endpoints: create (secret once), list, read, update, delete, rotate-secret."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEvent
from webhooks import vault
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "https://hooks.acme.example/molecule"
BODY = {"url": URL, "events": ["org.ready", "org.failed"], "description": "prod"}


def audit_of(response) -> AuditEvent:
    return AuditEvent.objects.get(request_id=response["X-Request-Id"])


def test_creating_an_endpoint_returns_its_secret_once_and_stores_it_encrypted(api, partner):
    response = api.post("/cp/webhook-endpoints", BODY)
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("we_")
    assert response["Location"] == f"/cp/webhook-endpoints/{body['id']}"
    assert (body["url"], body["events"], body["description"]) == (
        URL,
        ["org.failed", "org.ready"],
        "prod",
    )
    assert (body["enabled"], body["disabled_reason"], body["partner_id"]) == (
        True,
        None,
        partner.id,
    )
    secret = body["secret"]
    assert secret.startswith("whsec_")

    stored = WebhookEndpoint.objects.get(pk=body["id"])
    assert vault.decrypt(stored.secret_encrypted) == secret
    row = json.dumps([str(getattr(stored, f.attname)) for f in WebhookEndpoint._meta.fields])
    assert secret not in row and secret.removeprefix("whsec_") not in row
    for page in (api.get("/cp/webhook-endpoints"), api.get(f"/cp/webhook-endpoints/{body['id']}")):
        assert page.status_code == 200
        assert secret not in page.content.decode() and '"secret"' not in page.content.decode()

    event = audit_of(response)
    assert (event.action, event.target_type, event.target_id) == (
        "webhook_endpoint.create",
        "webhookendpoint",
        body["id"],
    )
    assert secret not in json.dumps(event.details)


def test_a_replayed_create_carries_null_for_the_secret(api):
    headers = {"Idempotency-Key": "endpoint-1"}
    first = api.post("/cp/webhook-endpoints", BODY, headers=headers)
    replay = api.post("/cp/webhook-endpoints", BODY, headers=headers)
    assert replay["Idempotent-Replayed"] == "true"
    assert first.json()["secret"].startswith("whsec_")
    assert replay.json()["secret"] is None
    assert replay.json()["id"] == first.json()["id"]
    assert WebhookEndpoint.objects.count() == 1


def test_all_events_is_the_star_alone(api):
    response = api.post("/cp/webhook-endpoints", {"url": URL, "events": ["org.ready", "*"]})
    assert response.json()["events"] == ["*"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": URL, "events": ["org.exploded"]}, "events"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL}, "events"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": URL, "events": "org.ready"}, "events"),
        ({"url": 5, "events": ["*"]}, "url"),
        ({"url": URL, "events": ["*"], "secret": "whsec_mine"}, "secret"),
        ({"url": URL, "events": ["*"], "enabled": False}, "enabled"),
    ],
)
def test_a_bad_body_is_400_naming_the_field_and_creates_nothing(api, body, field):
    response = api.post("/cp/webhook-endpoints", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.5/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:192.168.0.1]/hooks",
        "https://169.254.169.254/latest",
        "https://localhost/hooks",
        "http://93.184.215.14/hooks",
    ],
)
def test_a_private_or_plain_http_url_is_refused_at_creation_when_the_guard_is_on(
    api, settings, url
):
    settings.CP_WEBHOOK_ALLOW_HTTP = False
    settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = api.post("/cp/webhook-endpoints", {"url": url, "events": ["*"]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["url"]
    assert not WebhookEndpoint.objects.exists()
    created = api.post("/cp/webhook-endpoints", {"url": URL, "events": ["*"]})
    assert created.status_code == 201
    patched = api.patch(f"/cp/webhook-endpoints/{created.json()['id']}", {"url": url})
    assert patched.status_code == 400 and "url" in patched.json()["error"]["fields"]
    assert WebhookEndpoint.objects.get().url == URL


def test_an_endpoint_is_updated_field_by_field(api, make_endpoint):
    endpoint = make_endpoint(URL, ["org.ready"])
    response = api.patch(
        f"/cp/webhook-endpoints/{endpoint['id']}",
        {"events": ["partner_key.revoked"], "description": "keys"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["url"], body["events"], body["description"]) == (
        URL,
        ["partner_key.revoked"],
        "keys",
    )
    assert "secret" not in body
    assert audit_of(response).action == "webhook_endpoint.update"
    assert audit_of(response).details["changes"] == ["description", "events"]


def test_disabling_and_enabling_through_the_api(api, make_endpoint):
    endpoint = make_endpoint(URL)
    off = api.patch(f"/cp/webhook-endpoints/{endpoint['id']}", {"enabled": False}).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "Disabled through the API.")
    assert off["disabled_at"] is not None
    on = api.patch(f"/cp/webhook-endpoints/{endpoint['id']}", {"enabled": True}).json()
    assert (on["enabled"], on["disabled_reason"], on["disabled_at"]) == (True, None, None)
    assert (
        api.patch(f"/cp/webhook-endpoints/{endpoint['id']}", {"enabled": "no"}).status_code == 400
    )


def test_deleting_an_endpoint_is_204_and_it_is_gone(api, make_endpoint):
    endpoint = make_endpoint(URL)
    response = api.delete(f"/cp/webhook-endpoints/{endpoint['id']}")
    assert response.status_code == 204 and response.content == b""
    assert audit_of(response).action == "webhook_endpoint.delete"
    assert api.get(f"/cp/webhook-endpoints/{endpoint['id']}").status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_returns_a_new_one_once_and_keeps_the_old_for_the_overlap(
    api, make_endpoint
):
    endpoint = make_endpoint(URL)
    response = api.post(f"/cp/webhook-endpoints/{endpoint['id']}/rotate-secret")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != endpoint["secret"]
    assert body["secret_rotated_at"] is not None and body["previous_secret_expires_at"] is not None
    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert vault.decrypt(stored.secret_encrypted) == body["secret"]
    assert vault.decrypt(stored.previous_secret_encrypted) == endpoint["secret"]
    assert (stored.previous_secret_expires_at - stored.secret_rotated_at).total_seconds() == 86400
    event = audit_of(response)
    assert event.action == "webhook_endpoint.rotate_secret"
    assert body["secret"] not in json.dumps(event.details)
    assert (
        api.post(f"/cp/webhook-endpoints/{endpoint['id']}/rotate-secret", {"x": 1}).status_code
        == 400
    )


def test_a_replayed_rotation_carries_null_for_the_secret(api, make_endpoint):
    endpoint = make_endpoint(URL)
    path, headers = (
        f"/cp/webhook-endpoints/{endpoint['id']}/rotate-secret",
        {"Idempotency-Key": "r1"},
    )
    first, replay = api.post(path, headers=headers), api.post(path, headers=headers)
    assert first.json()["secret"] and replay.json()["secret"] is None
    assert WebhookEndpoint.objects.get().secret_rotated_at is not None


def test_listing_and_reading_are_audited(api, make_endpoint):
    endpoint = make_endpoint(URL)
    listing = api.get("/cp/webhook-endpoints")
    assert [e["id"] for e in listing.json()["data"]] == [endpoint["id"]]
    assert audit_of(listing).action == "webhook_endpoint.list"
    read = api.get(f"/cp/webhook-endpoints/{endpoint['id']}")
    assert read.json()["id"] == endpoint["id"]
    assert (audit_of(read).action, audit_of(read).target_id) == (
        "webhook_endpoint.read",
        endpoint["id"],
    )


def test_a_partner_has_at_most_the_configured_number_of_endpoints(api, settings, make_endpoint):
    settings.CP_WEBHOOK_MAX_ENDPOINTS = 2
    make_endpoint(URL)
    make_endpoint(URL)
    response = api.post("/cp/webhook-endpoints", {"url": URL, "events": ["*"]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "webhook_endpoint_limit"


def test_keys_of_the_same_partner_share_its_endpoints(
    api, make_endpoint, partner, make_key, as_key
):
    endpoint = make_endpoint(URL)
    _, sibling = make_key(partner=partner, scopes=["webhooks:manage"])
    assert as_key(sibling).get(f"/cp/webhook-endpoints/{endpoint['id']}").status_code == 200


def test_a_partner_less_key_and_its_successor_own_their_endpoints(make_key, as_key, master):
    key, token = make_key(scopes=["webhooks:manage"])
    endpoint = as_key(token).post("/cp/webhook-endpoints", {"url": URL, "events": ["*"]}).json()
    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert (stored.partner_id, stored.owner_family_id) == (None, key.family_id)
    _, stranger = make_key(scopes=["webhooks:manage"])
    assert as_key(stranger).get(f"/cp/webhook-endpoints/{endpoint['id']}").status_code == 404
    assert as_key(stranger).get("/cp/webhook-endpoints").json()["data"] == []
    successor = as_key(token).post(f"/cp/admin/partner-keys/{key.id}/rotate").json()["key"]
    assert as_key(successor).get(f"/cp/webhook-endpoints/{endpoint['id']}").status_code == 200


def test_the_master_key_reads_every_endpoint_but_changes_none(master, make_endpoint):
    endpoint = make_endpoint(URL)
    assert [e["id"] for e in master.get("/cp/webhook-endpoints").json()["data"]] == [endpoint["id"]]
    assert master.get(f"/cp/webhook-endpoints/{endpoint['id']}").status_code == 200
    for response in (
        master.post("/cp/webhook-endpoints", {"url": URL, "events": ["*"]}),
        master.patch(f"/cp/webhook-endpoints/{endpoint['id']}", {"enabled": False}),
        master.delete(f"/cp/webhook-endpoints/{endpoint['id']}"),
        master.post(f"/cp/webhook-endpoints/{endpoint['id']}/rotate-secret"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert WebhookEndpoint.objects.get().enabled


def test_an_org_bound_key_cannot_manage_webhooks(partner, make_key, as_key):
    from orgs.models import Org

    org = Org.objects.create(
        name="A", slug="bound-org", plan="standard", partner=partner, status="ready"
    )
    _, token = make_key(partner=partner, org_id=org.pk, scopes=["webhooks:manage"])
    for response in (
        as_key(token).get("/cp/webhook-endpoints"),
        as_key(token).post("/cp/webhook-endpoints", {"url": URL, "events": ["*"]}),
        as_key(token).get("/cp/events"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "org_bound_key"
    assert not WebhookEndpoint.objects.exists()


ENDPOINT_CALLS = [
    ("get", "/cp/webhook-endpoints/{id}", None),
    ("patch", "/cp/webhook-endpoints/{id}", {"enabled": False}),
    ("delete", "/cp/webhook-endpoints/{id}", None),
    ("post", "/cp/webhook-endpoints/{id}/rotate-secret", None),
]


def _call(client, method, path, body):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize("method, path, body", ENDPOINT_CALLS)
def test_another_partners_endpoint_is_404_on_every_call_and_untouched(
    other_api, make_endpoint, method, path, body
):
    endpoint = make_endpoint(URL)
    before = WebhookEndpoint.objects.get(pk=endpoint["id"])
    response = _call(other_api, method, path.format(id=endpoint["id"]), body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    after = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert (after.enabled, after.secret_encrypted, after.updated_at) == (
        before.enabled,
        before.secret_encrypted,
        before.updated_at,
    )
    assert other_api.get("/cp/webhook-endpoints").json()["data"] == []


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/cp/webhook-endpoints", BODY),
        ("get", "/cp/webhook-endpoints", None),
        *ENDPOINT_CALLS,
        ("get", "/cp/events", None),
        ("get", "/cp/events/msg_x", None),
        ("post", "/cp/events/msg_x/redeliver", None),
    ],
)
def test_a_key_without_webhooks_manage_is_403_naming_the_scope(
    partner, make_key, as_key, method, path, body
):
    _, token = make_key(partner=partner, scopes=["orgs:create", "orgs:list"])
    response = _call(as_key(token), method, path.format(id="we_x"), body)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope" and "webhooks:manage" in error["message"]


def test_an_unauthenticated_call_is_401(anon):
    response = anon.get("/cp/webhook-endpoints")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cp"'


def test_put_is_405_with_allow(api, make_endpoint):
    endpoint = make_endpoint(URL)
    response = api.call("put", f"/cp/webhook-endpoints/{endpoint['id']}", {"url": URL})
    assert response.status_code == 405 and "PATCH" in response["Allow"]
