"""Odd input from the attacker-and-outage probe (issue 15): each once answered 500 or skipped audit.

The column-length cases only fail on PostgreSQL (SQLite does not enforce `max_length`); they run on
both, so CI's PostgreSQL run is the one that proves them.
"""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEvent
from core.models import IdempotencyRecord
from partners.models import PartnerKey

pytestmark = pytest.mark.django_db

SEED = {"name": "acme-ci-pipeline", "scopes": ["orgs:list"], "org_id": None}


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["code"], error["request_id"]) == (code, response["X-Request-Id"])
    return error


def test_an_idempotent_post_to_a_path_longer_than_300_characters_is_a_clean_404(master):
    path = "/cp/admin/partner-keys/" + "x" * 400 + "/rotate"
    response = master.post(path, {}, headers={"Idempotency-Key": "long-path-1"})
    assert_envelope(response, 404, "not_found")
    assert AuditEvent.objects.filter(request_id=response["X-Request-Id"]).count() == 1


def test_the_idempotency_fingerprint_covers_the_whole_of_a_long_path(master):
    stem = "/cp/no-such-endpoint/" + "x" * 400
    first = master.post(stem + "a", {}, headers={"Idempotency-Key": "shared-stem"})
    other = master.post(stem + "b", {}, headers={"Idempotency-Key": "shared-stem"})
    assert_envelope(first, 404, "not_found")
    assert_envelope(other, 422, "idempotency_key_reused")
    assert len(IdempotencyRecord.objects.get().path) <= 300


def test_a_method_longer_than_ten_characters_is_a_405_and_audited(master):
    response = master.client.generic(
        "PROPFINDALLTHETHINGS",
        "/cp/admin/partner-keys",
        headers={"Authorization": f"Bearer {master.token}"},
    )
    error = assert_envelope(response, 405, "method_not_allowed")
    assert error["message"]
    event = AuditEvent.objects.get(request_id=response["X-Request-Id"])
    assert event.status_code == 405 and len(event.method) <= 10


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "x", "scopes": [], "org_id": null, "bad\\u0000field": 1}',
        '{"name": "x\\u0000y", "scopes": [], "org_id": null}',
        '{"name": "x", "scopes": ["orgs:list\\u0000"], "org_id": null}',
    ],
)
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "nul-1"}])
def test_a_nul_character_anywhere_in_a_json_body_is_a_400(master, body, headers):
    response = master.post("/cp/admin/partner-keys", body, headers=headers)
    error = assert_envelope(response, 400, "malformed_json")
    assert "\\u0000" in error["message"]
    assert not PartnerKey.objects.exists()
    assert AuditEvent.objects.filter(request_id=response["X-Request-Id"]).count() == 1


@pytest.mark.parametrize("idem", ["a\x00b", "tab\there", "\x7f"])
def test_an_idempotency_key_with_a_control_character_is_a_400(master, idem):
    response = master.post("/cp/admin/partner-keys", SEED, headers={"Idempotency-Key": idem})
    assert_envelope(response, 400, "invalid_idempotency_key")
    assert not PartnerKey.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_405_does_not_offer_options_in_allow(master, make_key):
    key, _ = make_key()
    response = master.call("put", f"/cp/admin/partner-keys/{key.id}", {})
    assert_envelope(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert "OPTIONS" not in allowed
    assert {"GET", "DELETE"} <= allowed
    assert master.call("options", f"/cp/admin/partner-keys/{key.id}").status_code == 405


def test_no_cp_response_offers_options_in_allow(master):
    response = master.get("/cp/admin/partner-keys")
    assert response.status_code == 200
    assert "OPTIONS" not in response.get("Allow", "")


def test_a_host_not_in_allowed_hosts_is_a_json_400_and_audited(master):
    response = master.get("/cp/admin/partner-keys", headers={"Host": "evil.example"})
    assert_envelope(response, 400, "bad_request")
    event = AuditEvent.objects.get(request_id=response["X-Request-Id"])
    assert event.status_code == 400
    assert event.details.get("reason") == "disallowed_host"
    assert "evil.example" not in json.dumps(event.details)
