"""GET /cp/events (the key's partner's last 30 days, with delivery state) and redeliver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.outbox import event_record

pytestmark = pytest.mark.django_db(transaction=True)


def record(partner_id, type="org.updated", **data) -> Event:
    with transaction.atomic():
        return event_record(
            type=type, partner_id=partner_id, key_family_id=None, data={"id": "org_1", **data}
        )


def action_of(response) -> str:
    return AuditEvent.objects.get(request_id=response["X-Request-Id"]).action


def test_events_are_listed_newest_first_with_their_data_and_delivery_state(
    api, partner, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    receiver.script = [500]
    first = record(partner.pk, name="one")
    second = record(partner.pk, type="partner_key.revoked", name="two")
    worker()
    receiver.wait_for(3)
    response = api.get("/cp/events")
    assert response.status_code == 200 and action_of(response) == "event.list"
    page = response.json()
    assert [e["id"] for e in page["data"]] == [second.pk, first.pk]
    assert page["has_more"] is False
    listed = page["data"][1]
    assert (listed["type"], listed["data"]) == ("org.updated", {"id": "org_1", "name": "one"})
    (state,) = listed["deliveries"]
    assert state["endpoint_id"] == endpoint["id"]
    assert state["status"] == "succeeded" and state["last_status_code"] == 200
    assert state["delivered_at"] is not None and state["last_error"] is None
    assert {state["attempts"], page["data"][0]["deliveries"][0]["attempts"]} == {1, 2}


def test_events_filter_by_type_and_since(api, partner):
    old = record(partner.pk)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    recent = record(partner.pk, type="org.ready")
    assert [e["id"] for e in api.get("/cp/events?type=org.ready").json()["data"]] == [recent.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert [e["id"] for e in api.get(f"/cp/events?since={since}").json()["data"]] == [recent.pk]
    for bad in ("type=org.exploded", "since=yesterday"):
        response = api.get(f"/cp/events?{bad}")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"


def test_events_older_than_30_days_are_not_listed(api, partner):
    old = record(partner.pk)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert api.get("/cp/events").json()["data"] == []
    assert api.get(f"/cp/events/{old.pk}").status_code == 404


def test_an_event_is_read_by_id(api, partner):
    event = record(partner.pk)
    response = api.get(f"/cp/events/{event.pk}")
    assert response.status_code == 200 and response.json()["id"] == event.pk
    assert action_of(response) == "event.read"


def test_redelivering_sends_the_event_again_with_the_same_webhook_id(
    api, partner, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    event = record(partner.pk)
    worker()
    receiver.wait_for(1)
    response = api.post(f"/cp/events/{event.pk}/redeliver")
    assert response.status_code == 202 and action_of(response) == "event.redeliver"
    (queued,) = response.json()["deliveries"]
    assert (queued["status"], queued["endpoint_id"]) == ("pending", endpoint["id"])
    worker()
    first, again = receiver.wait_for(2)
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == event.pk
    assert again.body == first.body
    again.verify(endpoint["secret"])
    assert Delivery.objects.filter(event=event, status="succeeded").count() == 2


def test_redelivering_to_one_named_endpoint(api, partner, receiver, make_endpoint, worker):
    from tests.webhooks.receiver import receiving

    with receiving() as other:
        make_endpoint(other.url)
        chosen = make_endpoint(receiver.url)
        event = record(partner.pk)
        worker()
        api.post(f"/cp/events/{event.pk}/redeliver", {"endpoint_id": chosen["id"]})
        worker()
        assert len(receiver.wait_for(2)) == 2
        assert len(other.requests) == 1


def test_redelivering_nowhere_is_a_clear_error(api, other_api, partner, make_endpoint):
    event = record(partner.pk)
    response = api.post(f"/cp/events/{event.pk}/redeliver")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "no_webhook_endpoint")
    endpoint = make_endpoint("https://hooks.acme.example/h")
    api.patch(f"/cp/webhook-endpoints/{endpoint['id']}", {"enabled": False})
    named = api.post(f"/cp/events/{event.pk}/redeliver", {"endpoint_id": endpoint["id"]})
    assert (named.status_code, named.json()["error"]["code"]) == (409, "webhook_endpoint_disabled")
    foreign = make_endpoint("https://hooks.globex.example/h", client=other_api)
    unknown = api.post(f"/cp/events/{event.pk}/redeliver", {"endpoint_id": foreign["id"]})
    assert unknown.status_code == 400 and "endpoint_id" in unknown.json()["error"]["fields"]
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    "method, path",
    [("get", "/cp/events/{id}"), ("post", "/cp/events/{id}/redeliver")],
)
def test_another_partners_event_is_404(other_api, partner, make_endpoint, method, path):
    make_endpoint("https://hooks.acme.example/h")
    event = record(partner.pk)
    response = getattr(other_api, method)(path.format(id=event.pk))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert other_api.get("/cp/events").json()["data"] == []
    assert Delivery.objects.filter(event=event).count() == 1


def test_a_partner_less_key_sees_its_familys_events_only(make_key, as_key, partner):
    key, token = make_key(scopes=["webhooks:manage"])
    with transaction.atomic():
        mine = event_record(
            type="partner_key.revoked",
            partner_id=None,
            key_family_id=key.family_id,
            data={"id": key.pk},
        )
    record(partner.pk)
    assert [e["id"] for e in as_key(token).get("/cp/events").json()["data"]] == [mine.pk]
    _, stranger = make_key(scopes=["webhooks:manage"])
    assert as_key(stranger).get("/cp/events").json()["data"] == []
    assert as_key(stranger).get(f"/cp/events/{mine.pk}").status_code == 404


def test_the_master_key_reads_every_event_but_does_not_redeliver(master, partner, other_partner):
    ours, theirs = record(partner.pk), record(other_partner.pk)
    assert {e["id"] for e in master.get("/cp/events").json()["data"]} == {ours.pk, theirs.pk}
    response = master.post(f"/cp/events/{ours.pk}/redeliver")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not WebhookEndpoint.objects.exists()
