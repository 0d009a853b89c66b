"""Deleting an endpoint while the worker records an event for it (found by schemathesis: a 500).

The endpoint's deliveries were collected, then the worker committed one more, then the endpoint's
DELETE failed its foreign key at COMMIT. The delete now locks the endpoint first.
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.models.signals import pre_delete

from tests.conftest import needs_postgres
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.outbox import event_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_event_recorded_during_a_delete_never_makes_it_a_500(api, partner, make_endpoint):
    needs_postgres()
    endpoint = make_endpoint("https://hooks.acme.example/molecule")
    outcome: dict[str, object] = {}

    def worker_records_an_event() -> None:
        try:
            with transaction.atomic():
                event_record(
                    type="org.updated", partner_id=partner.id, key_family_id=None, data={"id": "x"}
                )
            outcome["committed"] = True
        except DatabaseError as exc:
            outcome["refused"] = exc
        finally:
            connections.close_all()

    def meanwhile(sender: type, instance: WebhookEndpoint, **kwargs: object) -> None:
        """Between the collection of its deliveries and the endpoint's own DELETE."""
        worker = threading.Thread(target=worker_records_an_event)
        worker.start()
        worker.join(timeout=1.5)  # it commits at once, unless the endpoint is locked
        outcome["thread"] = worker

    pre_delete.connect(meanwhile, sender=WebhookEndpoint)
    try:
        response = api.delete(f"/cp/webhook-endpoints/{endpoint['id']}")
    finally:
        pre_delete.disconnect(meanwhile, sender=WebhookEndpoint)
    outcome["thread"].join(timeout=10)  # type: ignore[attr-defined]

    assert response.status_code == 204, response.content
    assert not WebhookEndpoint.objects.filter(pk=endpoint["id"]).exists()
    assert not Delivery.objects.filter(endpoint_id=endpoint["id"]).exists()
    # The worker's transaction waited for the delete and then found no endpoint: it rolled back
    # whole (its task is retried), leaving no event without its deliveries.
    assert "refused" in outcome and "committed" not in outcome
    assert not Event.objects.filter(type="org.updated").exists()
