"""The outbox: every org and key event is recorded with its change, and goes to the right owner."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orgs import lifecycle
from orgs.models import Org
from tests.conftest import CPClient
from tests.webhooks.conftest import ORG
from webhooks.models import Delivery, Event
from webhooks.outbox import event_record

pytestmark = pytest.mark.django_db(transaction=True)


def received_types(receiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.requests]


def test_org_failed_carries_the_error(api, receiver, make_endpoint, worker, settings, fast_retries):
    settings.ORG_PROVISIONER = "tests.orgs.provisioners.BrokenProvisioner"
    endpoint = make_endpoint(receiver.url)
    org_id = api.post("/cp/orgs", ORG).json()["id"]
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert body["type"] == "org.failed"
    assert (body["data"]["id"], body["data"]["status"]) == (org_id, "failed")
    assert body["data"]["error"] == "The region is out of capacity."
    assert body["data"]["login_url"] is None


def test_org_deleted_follows_the_deletion(api, receiver, make_endpoint, worker):
    make_endpoint(receiver.url)
    org_id = api.post("/cp/orgs", ORG).json()["id"]
    worker()
    api.delete(f"/cp/orgs/{org_id}")
    worker()
    receiver.wait_for(2)
    assert received_types(receiver) == ["org.ready", "org.deleted"]
    assert Event.objects.get(type="org.deleted").data["deleted_at"] is not None


def test_an_endpoint_gets_only_the_types_it_subscribed_to(api, receiver, make_endpoint, worker):
    make_endpoint(receiver.url, ["org.deleted"])
    org_id = api.post("/cp/orgs", ORG).json()["id"]
    worker()
    assert Event.objects.filter(type="org.ready").exists()
    assert not Delivery.objects.exists()
    api.delete(f"/cp/orgs/{org_id}")
    worker()
    receiver.wait_for(1)
    assert received_types(receiver) == ["org.deleted"]


def test_the_event_is_part_of_the_transition_if_recording_fails_the_org_stays_provisioning(
    api, make_endpoint, receiver, monkeypatch
):
    make_endpoint(receiver.url)
    org_id = api.post("/cp/orgs", ORG).json()["id"]
    org = lifecycle.claim(org_id=org_id, status="provisioning", attempt=0)

    def broken(**kwargs):
        raise RuntimeError("the outbox insert failed")

    monkeypatch.setattr(lifecycle, "org_event_record", broken)
    with pytest.raises(RuntimeError):
        lifecycle.finish(org)
    assert Org.objects.get(pk=org_id).status == "provisioning"
    assert not Event.objects.exists()


def test_an_event_rolled_back_with_its_change_leaves_nothing_to_send(
    partner, receiver, make_endpoint
):
    make_endpoint(receiver.url)
    tasks_before = DBTaskResult.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        event_record(
            type="org.updated", partner_id=partner.pk, key_family_id=None, data={"id": "org_1"}
        )
        1 / 0  # noqa: B018
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert DBTaskResult.objects.count() == tasks_before


def test_revoking_a_key_announces_it_without_any_secret(
    api, hooks_key, partner, make_key, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    key, token = make_key(partner=partner, scopes=["orgs:list"], name="ci")
    assert CPClient(token).delete(f"/cp/admin/partner-keys/{key.pk}").status_code == 204
    assert CPClient(token).get("/cp/orgs").status_code == 401
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert body["type"] == "partner_key.revoked"
    assert (body["data"]["id"], body["data"]["status"], body["data"]["hint"]) == (
        key.pk,
        "revoked",
        key.hint,
    )
    assert "key" not in body["data"] and token not in sent.body.decode()
    assert key.key_hash not in sent.body.decode()


def test_rotating_a_key_announces_the_successor(api, hooks_key, receiver, make_endpoint, worker):
    key, token = hooks_key
    endpoint = make_endpoint(receiver.url, ["partner_key.rotated"])
    rotated = CPClient(token).post(f"/cp/admin/partner-keys/{key.pk}/rotate").json()
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert body["type"] == "partner_key.rotated"
    assert (body["data"]["id"], body["data"]["rotated_from"]) == (rotated["id"], key.pk)
    assert rotated["key"] not in sent.body.decode()


@pytest.mark.parametrize("event_type", ["org.updated", "partner_key.leaked"])
def test_events_other_features_emit_are_recorded_and_sent_by_a_direct_call(
    partner, receiver, make_endpoint, worker, event_type
):
    endpoint = make_endpoint(receiver.url, [event_type])
    with transaction.atomic():
        event = event_record(
            type=event_type, partner_id=partner.pk, key_family_id=None, data={"id": "x_1", "n": 1}
        )
    worker()
    (sent,) = receiver.wait_for(1)
    assert sent.verify(endpoint["secret"]) == {
        "type": event_type,
        "timestamp": sent.verify(endpoint["secret"])["timestamp"],
        "data": {"id": "x_1", "n": 1},
    }
    assert sent.headers["webhook-id"] == event.pk


def test_a_leaked_key_is_revoked_and_announced_as_leaked_once(
    partner, make_key, receiver, make_endpoint, worker
):
    from partners.services import partner_key_revoke

    endpoint = make_endpoint(receiver.url)
    key, _ = make_key(partner=partner, scopes=["orgs:list"], name="leaky")
    partner_key_revoke(key=key, revoked_by="secret_scanning", event="partner_key.leaked")
    partner_key_revoke(key=key, revoked_by="secret_scanning", event="partner_key.leaked")
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert (body["type"], body["data"]["id"], body["data"]["status"]) == (
        "partner_key.leaked",
        key.pk,
        "revoked",
    )
    assert list(Event.objects.values_list("type", flat=True)) == ["partner_key.leaked"]


def test_an_unknown_event_type_is_a_programming_error(partner):
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        event_record(type="org.exploded", partner_id=partner.pk, key_family_id=None, data={})


def test_a_partner_less_keys_events_go_to_its_family_only(make_key, as_key, receiver, worker):
    from tests.webhooks.receiver import receiving

    key, token = make_key(scopes=["orgs:create", "webhooks:manage"])
    _, stranger = make_key(scopes=["orgs:create", "webhooks:manage"])
    with receiving() as strangers_receiver:
        as_key(stranger).post(
            "/cp/webhook-endpoints", {"url": strangers_receiver.url, "events": ["*"]}
        )
        mine = (
            as_key(token)
            .post("/cp/webhook-endpoints", {"url": receiver.url, "events": ["*"]})
            .json()
        )
        org_id = as_key(token).post("/cp/orgs", ORG).json()["id"]
        worker()
        (sent,) = receiver.wait_for(1)
        assert sent.verify(mine["secret"])["data"]["id"] == org_id
        assert strangers_receiver.arrived == []
    event = Event.objects.get()
    assert (event.partner_id, event.key_family_id) == (None, key.family_id)


def test_another_partners_endpoint_gets_nothing(api, other_api, receiver, make_endpoint, worker):
    make_endpoint(receiver.url, client=other_api)
    api.post("/cp/orgs", ORG)
    worker()
    assert Event.objects.filter(type="org.ready").exists()
    assert not Delivery.objects.exists() and receiver.arrived == []


def test_a_key_about_to_expire_is_announced_once(
    partner, make_key, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url, ["partner_key.expiring"])
    soon, _ = make_key(partner=partner, expires_at=timezone.now() + timedelta(days=6), name="soon")
    make_key(partner=partner, expires_at=timezone.now() + timedelta(days=8), name="later")
    worker()
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert (body["type"], body["data"]["id"]) == ("partner_key.expiring", soon.pk)
    assert Event.objects.filter(type="partner_key.expiring").count() == 1
    # A new expiry date is a new announcement.
    type(soon).objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=5))
    worker()
    assert len(receiver.wait_for(2)) == 2
    worker()
    assert Event.objects.filter(type="partner_key.expiring").count() == 2


def test_a_rotated_key_in_its_grace_period_is_not_announced_as_expiring(
    hooks_key, receiver, make_endpoint, worker
):
    key, token = hooks_key
    make_endpoint(receiver.url, ["partner_key.expiring"])
    CPClient(token).post(f"/cp/admin/partner-keys/{key.pk}/rotate")
    worker()
    assert not Event.objects.filter(type="partner_key.expiring").exists()
