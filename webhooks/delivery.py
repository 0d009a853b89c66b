"""A delivery's state machine as the worker drives it: claim, record, retry, give up, cancel.

Every transition is a conditional UPDATE on (id, status, attempts): `attempts` is the claim
token. A task carries the attempt count it expects; the first worker to bump it owns the attempt,
and a duplicate (a re-queue by the sweep, a second worker) finds "0 rows" and stands down. Nothing
is locked while the HTTP request runs. A pending delivery's `lease_expires_at` says when the sweep
should look at it if no worker has (a worker killed mid-attempt, a lost enqueue).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from webhooks import vault
from webhooks.client import Outcome
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.schedule import lease_until, next_attempt_at

PENDING = Delivery.Status.PENDING
ENDPOINT_DISABLED = "The endpoint is disabled."
WORKER_STOPPED = "The worker stopped during this attempt; it is retried."
WORKER_STOPPED_LAST = "The worker stopped during the last attempt."


def _mine(delivery: Delivery) -> QuerySet[Delivery]:
    return Delivery.objects.filter(pk=delivery.pk, status=PENDING, attempts=delivery.attempts)


def claim(*, delivery_id: str, attempt: int) -> Delivery | None:
    """Take attempt `attempt + 1` of a pending delivery, or None if someone else has it."""
    taken = Delivery.objects.filter(pk=delivery_id, status=PENDING, attempts=attempt).update(
        attempts=attempt + 1, lease_expires_at=lease_until()
    )
    if not taken:
        return None
    return Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    secrets = [vault.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        secrets.append(vault.decrypt(endpoint.previous_secret_encrypted))
    return secrets


def record(delivery: Delivery, outcome: Outcome, started: datetime) -> tuple[str, datetime | None]:
    """Write what the attempt got; returns (result, when to retry or None). Call in a transaction.

    An attempt that no longer owns the delivery (the sweep gave it to another worker) records
    nothing: the newer attempt speaks for it.
    """
    now = timezone.now()
    retry_at = None if outcome.ok else next_attempt_at(delivery.attempts, now)
    fields: dict[str, object] = {
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "next_attempt_at": retry_at,
        "lease_expires_at": lease_until(retry_at) if retry_at else None,
    }
    if outcome.ok:
        fields.update(status=Delivery.Status.SUCCEEDED, delivered_at=now)
    elif retry_at is None:
        fields["status"] = Delivery.Status.FAILED
    if not _mine(delivery).update(**fields):
        return "lost", None
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        next_attempt_at=retry_at,
    )
    if outcome.ok:
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).exclude(failing_since=None).update(
            failing_since=None
        )
        return "delivered", None
    if endpoint_failing(delivery.endpoint_id, now, outcome):
        return "disabled", None
    return ("retrying", retry_at) if retry_at else ("failed", None)


def endpoint_failing(endpoint_id: str, now: datetime, outcome: Outcome) -> bool:
    """Note a failure; disable the endpoint once every attempt failed for the configured time."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    endpoints.filter(failing_since=None).update(failing_since=now)
    window = settings.CP_WEBHOOK_DISABLE_AFTER_SECONDS
    reason = f"Every delivery failed for {_duration(window)}; the last: {outcome.error}"
    disabled = endpoints.filter(
        enabled=True, failing_since__lte=now - timedelta(seconds=window)
    ).update(enabled=False, disabled_at=now, disabled_reason=reason[:500], updated_at=now)
    if disabled:
        cancel_pending(endpoint_id)
    return bool(disabled)


def cancel_pending(endpoint_id: str) -> int:
    """Stop every pending delivery of an endpoint that was disabled."""
    return Delivery.objects.filter(endpoint_id=endpoint_id, status=PENDING).update(
        status=Delivery.Status.CANCELED,
        last_error=ENDPOINT_DISABLED,
        next_attempt_at=None,
        lease_expires_at=None,
    )


def cancel(delivery: Delivery) -> None:
    _mine(delivery).update(
        status=Delivery.Status.CANCELED,
        last_error=ENDPOINT_DISABLED,
        next_attempt_at=None,
        lease_expires_at=None,
    )


def recover(delivery: Delivery) -> str:
    """A pending delivery whose lease ran out: re-queue it (noting a lost attempt, if any).

    Returns "requeued", "failed" (a lost attempt beyond the schedule's one spare) or "" when
    another sweeper got there first. Call in a transaction, then queue when "requeued".
    """
    seen = Delivery.objects.filter(
        pk=delivery.pk,
        status=PENDING,
        attempts=delivery.attempts,
        lease_expires_at=delivery.lease_expires_at,
    )
    lost = (
        delivery.attempts > 0
        and not DeliveryAttempt.objects.filter(delivery=delivery, number=delivery.attempts).exists()
    )
    spent = next_attempt_at(delivery.attempts - 1, timezone.now()) is None
    if lost and spent:
        done = seen.update(
            status=Delivery.Status.FAILED, last_error=WORKER_STOPPED_LAST, lease_expires_at=None
        )
        return "failed" if done else ""
    if not seen.update(lease_expires_at=lease_until()):
        return ""
    if lost:
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, error=WORKER_STOPPED
        )
    return "requeued"


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{seconds:g} seconds"
