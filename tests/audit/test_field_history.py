"""django-auditlog history tied to the request id, with the key, master or admin as actor."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from audit.history import MASKED
from audit.models import AuditEvent
from partners.models import Partner, PartnerKey


@pytest.mark.django_db
def test_a_key_created_with_the_master_key_has_history_with_the_calls_request_id(master, partner):
    response = master.post(
        "/cp/admin/partner-keys", {"name": "ci", "scopes": ["orgs:list"], "partner": "acme"}
    )

    entry = LogEntry.objects.get_for_object(PartnerKey.objects.get(pk=response.json()["id"])).get()
    assert entry.cid == response["X-Request-Id"]
    assert entry.actor is None
    assert entry.actor_email == "master"
    assert entry.additional_data == {
        "request_id": response["X-Request-Id"],
        "actor": {"actor_type": "master_key"},
    }
    assert entry.changes_dict["key_hash"] == ["None", MASKED]
    assert response.json()["key"] not in str(entry.changes)


@pytest.mark.django_db
def test_a_key_revoking_itself_is_the_actor_of_its_history(as_key, make_key, partner):
    key, token = make_key(partner=partner)

    response = as_key(token).delete(f"/cp/admin/partner-keys/{key.id}")

    entry = LogEntry.objects.get_for_object(key).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.cid == response["X-Request-Id"]
    assert entry.actor_email == key.id
    assert entry.additional_data["actor"] == {
        "actor_type": "partner_key",
        "key_id": key.id,
        "key_hint": key.hint,
        "partner_id": partner.id,
    }
    assert set(entry.changes_dict) == {"revoked_at", "revoked_by"}


@pytest.mark.django_db
def test_a_rolled_back_call_leaves_no_history(master, partner):
    master.post("/cp/admin/partners", {"name": "Again", "slug": "acme"})

    assert not LogEntry.objects.filter(object_repr__contains="Again").exists()


@pytest.mark.django_db
def test_an_admin_change_has_the_admin_user_as_actor_and_its_request_id_everywhere(partner):
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw")
    client = Client()
    client.force_login(user)

    response = client.post(
        f"/test-admin/partners/partner/{partner.pk}/change/",
        {
            "id": partner.pk,
            "name": "Acme Corp",
            "slug": "acme",
            "plan": "partner",
            "active": "on",
            "created_at_0": "2025-01-01",
            "created_at_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert Partner.objects.get(pk=partner.pk).name == "Acme Corp"
    entry = LogEntry.objects.get_for_object(partner).filter(action=LogEntry.Action.UPDATE).get()
    assert (entry.actor, entry.cid) == (user, response["X-Request-Id"])
    event = AuditEvent.objects.get(request_id=response["X-Request-Id"])
    assert (event.actor_type, event.admin_user, event.action) == (
        "admin_user",
        "ops",
        "partner.update",
    )
    assert (event.target_id, event.partner_id) == (partner.pk, partner.pk)
    assert "name" in event.details["fields"]
