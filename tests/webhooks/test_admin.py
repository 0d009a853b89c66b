"""The admin's webhook screens: read-only, secrets never shown, one action: redeliver."""

from __future__ import annotations

import pytest
from django.db import transaction

from webhooks.models import Delivery, WebhookEndpoint
from webhooks.outbox import event_record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(api, partner, receiver, make_endpoint, worker):
    endpoint = make_endpoint(receiver.url)
    receiver.script = [500]
    with transaction.atomic():
        event_record(
            type="org.updated", partner_id=partner.pk, key_family_id=None, data={"id": "org_1"}
        )
    worker()
    receiver.wait_for(2)
    return endpoint


def test_an_endpoints_page_shows_its_recent_deliveries_and_no_secret(admin_client, sent):
    stored = WebhookEndpoint.objects.get()
    listing = admin_client.get("/admin/webhooks/webhookendpoint/")
    assert listing.status_code == 200 and stored.url in listing.content.decode()
    page = admin_client.get(f"/admin/webhooks/webhookendpoint/{stored.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert Delivery.objects.get().pk in html and "org.updated" in html
    assert sent["secret"] not in html and stored.secret_encrypted not in html
    assert 'name="_save"' not in html  # read-only


def test_a_deliverys_page_lists_its_attempts(admin_client, sent):
    item = Delivery.objects.get()
    html = admin_client.get(f"/admin/webhooks/delivery/{item.pk}/change/").content.decode()
    assert "The receiver answered HTTP 500." in html


def test_the_redeliver_action_queues_the_same_event_again(admin_client, sent, receiver, worker):
    item = Delivery.objects.get()
    response = admin_client.post(
        "/admin/webhooks/delivery/",
        {"action": "redeliver", "_selected_action": [item.pk]},
        follow=True,
    )
    assert "Queued 1 redelivery" in response.content.decode()
    worker()
    third = receiver.wait_for(3)[2]
    assert third.headers["webhook-id"] == item.event_id
    assert Delivery.objects.filter(event_id=item.event_id, status="succeeded").count() == 2


def test_the_event_redeliver_action_goes_to_every_endpoint_that_wants_it(
    admin_client, sent, worker, receiver
):
    item = Delivery.objects.get()
    response = admin_client.post(
        "/admin/webhooks/event/",
        {"action": "redeliver", "_selected_action": [item.event_id]},
        follow=True,
    )
    assert "Queued 1 delivery" in response.content.decode()
    worker()
    assert len(receiver.wait_for(3)) == 3
