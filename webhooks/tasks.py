"""The delivery task (Django Tasks API, run by `manage.py worker`): one attempt of one delivery.

django-tasks-db neither retries nor recovers a task whose worker died: the delivery row does
(see `webhooks.delivery` and `webhooks.sweep`).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from webhooks import client, delivery, signing, vault
from webhooks.models import Delivery

logger = logging.getLogger("webhooks.worker")


# Ahead of provisioning in the queue: a partner's customer is often waiting for `org.ready`, and an
# attempt is bounded (CP_WEBHOOK_TIMEOUT_SECONDS), so it never holds provisioning up for long.
DELIVERY_PRIORITY = 10


@task(priority=DELIVERY_PRIORITY)
def deliver_webhook(delivery_id: str, attempt: int) -> str:
    return run_attempt(delivery_id=delivery_id, attempt=attempt)


def queue(item: Delivery, *, run_after: datetime | None = None) -> None:
    """Enqueue the delivery's next attempt once the current transaction commits (robust: a lost
    enqueue is logged, and the sweep re-queues the delivery when its lease runs out)."""
    job = deliver_webhook if run_after is None else deliver_webhook.using(run_after=run_after)
    delivery_id, attempt = item.pk, item.attempts
    transaction.on_commit(lambda: job.enqueue(delivery_id, attempt), robust=True)


def run_attempt(*, delivery_id: str, attempt: int) -> str:
    """Claim attempt `attempt + 1`, sign and POST the event, then record what came back."""
    claimed = delivery.claim(delivery_id=delivery_id, attempt=attempt)
    if claimed is None:
        return "skipped"
    endpoint = claimed.endpoint
    if not endpoint.enabled:
        delivery.cancel(claimed)
        return "canceled"
    started = timezone.now()
    try:
        secrets = delivery.signing_secrets(endpoint, started)
    except vault.SecretUnreadable as exc:
        logger.error("Webhook endpoint %s: %s", endpoint.pk, exc)
        outcome = client.Outcome(None, "The endpoint's signing secret could not be read.", 0)
    else:
        headers = signing.headers(
            secrets=secrets,
            msg_id=claimed.event_id,
            timestamp=int(time.time()),
            body=claimed.event.body,
        )
        outcome = client.post(endpoint.url, headers=headers, body=claimed.event.body.encode())
    with transaction.atomic():
        result, retry_at = delivery.record(claimed, outcome, started)
        if retry_at is not None:
            queue(claimed, run_after=retry_at)
    if not outcome.ok:
        logger.info("Webhook %s attempt %s: %s", delivery_id, claimed.attempts, outcome.error)
    return result
