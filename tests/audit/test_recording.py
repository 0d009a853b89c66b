"""What an event says about its call: actor, target, client, details — and never a secret."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core import tokens as keys
from tests.audit.conftest import event_of


@pytest.mark.django_db
def test_a_partner_key_call_records_the_key_its_partner_and_the_client(as_key, make_key, partner):
    key, token = make_key(partner=partner)
    response = as_key(token).get(
        "/cp/admin/partner-keys", headers={"User-Agent": "acme-cli/1.2"}, REMOTE_ADDR="10.1.2.3"
    )

    event = event_of(response)
    assert (event.actor_type, event.key_id, event.key_hint, event.partner_id) == (
        "partner_key",
        key.id,
        key.hint,
        partner.id,
    )
    assert (event.ip, event.user_agent, event.method) == ("10.1.2.3", "acme-cli/1.2", "GET")


@pytest.mark.django_db
def test_an_unknown_well_formed_key_records_only_its_hint(as_key):
    token = keys.generate()
    event = event_of(as_key(token).get("/cp/admin/partner-keys"))

    assert (event.actor_type, event.key_id, event.key_hint) == ("anonymous", "", keys.hint(token))
    assert (event.action, event.details) == (
        "auth.failed",
        {"reason": "unknown", "error": "unauthenticated"},
    )
    assert token not in str(event.details)


@pytest.mark.django_db
def test_a_malformed_key_records_no_actor_and_no_part_of_the_token(as_key):
    event = event_of(as_key("mol_pk_" + "A" * 49).get("/cp/admin/partner-keys"))

    assert (event.actor_type, event.key_id, event.key_hint) == ("anonymous", "", "")
    assert event.details == {"reason": "malformed", "error": "unauthenticated"}


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_revoked_or_expired_key_is_refused_and_named_by_its_id(as_key, make_key, partner, state):
    past = timezone.now() - timezone.timedelta(seconds=1)
    fields = {"revoked_at": past} if state == "revoked" else {"expires_at": past}
    key, token = make_key(partner=partner)
    type(key).objects.filter(pk=key.pk).update(**fields)

    event = event_of(as_key(token).get("/cp/admin/partner-keys"))

    assert (event.status_code, event.action, event.details["reason"]) == (401, "auth.failed", state)
    assert (event.key_id, event.key_hint, event.partner_id) == (key.id, key.hint, partner.id)


@pytest.mark.django_db
def test_a_key_issued_by_the_master_key_shows_in_its_partners_trail_but_not_as_its_actor(
    master, partner
):
    response = master.post(
        "/cp/admin/partner-keys", {"name": "ci", "scopes": ["orgs:list"], "partner": "acme"}
    )

    event = event_of(response)
    assert (event.actor_type, event.action) == ("master_key", "partner_key.create")
    assert (event.target_type, event.target_id) == ("partnerkey", response.json()["id"])
    assert event.partner_id == partner.id
    assert response.json()["key"] not in str(event.details)


@pytest.mark.django_db
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(master, settings):
    settings.CP_TRUSTED_PROXIES = ["10.0.0.1"]
    forwarded = {"headers": {"X-Forwarded-For": "203.0.113.9, 10.0.0.1"}}

    trusted = event_of(master.get("/cp/admin/partners", REMOTE_ADDR="10.0.0.1", **forwarded))
    spoofed = event_of(master.get("/cp/admin/partners", REMOTE_ADDR="198.51.100.7", **forwarded))

    assert trusted.ip == "203.0.113.9"
    assert spoofed.ip == "198.51.100.7"


@pytest.mark.django_db
def test_a_call_refused_before_any_view_still_names_its_caller(master, settings):
    response = master.post("/cp/admin/partners", "x" * (settings.CP_MAX_BODY_BYTES + 1))

    event = event_of(response)
    assert (event.status_code, event.actor_type, event.details["error"]) == (
        413,
        "master_key",
        "payload_too_large",
    )
