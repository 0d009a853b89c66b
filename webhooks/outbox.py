"""The outbox: an event is written in the transaction of the change it announces.

Emitters (orgs, partners) serialize the org or key as the API shows it and call `event_record`
inside the transaction of the state change: the event and its deliveries commit with the change or
not at all. Each delivery is queued once the transaction commits; if that enqueue is lost (a crash
right after COMMIT), its lease runs out and the worker's sweep queues it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.fields import DateTimeField

from webhooks.models import EVENT_TYPES, Delivery, Event, WebhookEndpoint
from webhooks.schedule import first_attempt_at, lease_until
from webhooks.selectors import endpoints_receiving
from webhooks.tasks import queue


def event_record(
    *,
    type: str,
    partner_id: str | None,
    key_family_id: str | None,
    data: dict[str, Any],
    dedupe_key: str | None = None,
) -> Event | None:
    """Record an event and a delivery to each endpoint that wants it, in the caller's transaction.

    `data` is the org or key as the API shows it (never a secret). With a `dedupe_key`, an event
    already recorded under that key is not recorded again (None is returned).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {type!r}.")
    now = timezone.now()
    payload = {"type": type, "timestamp": DateTimeField().to_representation(now), "data": data}
    event = Event(
        type=type,
        partner_id=partner_id or None,
        key_family_id=key_family_id or "",
        subject_id=str(data.get("id") or ""),
        body=json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")),
        dedupe_key=dedupe_key,
        created_at=now,
    )
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    endpoints = endpoints_receiving(
        partner_id=partner_id, key_family_id=key_family_id, event_type=type
    )
    deliveries_create(event=event, endpoints=endpoints)
    return event


def deliveries_create(*, event: Event, endpoints: list[WebhookEndpoint]) -> list[Delivery]:
    """New pending deliveries of `event` (first attempt per the schedule), queued on commit."""
    now = timezone.now()
    due = first_attempt_at(now)
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                endpoint=endpoint,
                next_attempt_at=due,
                lease_expires_at=lease_until(due),
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        queue(delivery, run_after=due if due > now else None)
    return deliveries
