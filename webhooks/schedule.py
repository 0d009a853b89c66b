"""The retry schedule and the lease, read from settings (checked at startup: `webhooks.checks`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def retry_schedule() -> list[float]:
    """CP_WEBHOOK_RETRY_SCHEDULE as seconds: entry n is the wait before attempt n + 1."""
    return [float(part) for part in str(settings.CP_WEBHOOK_RETRY_SCHEDULE).split(",")]


def is_valid_schedule(raw: object) -> bool:
    try:
        delays = [float(part) for part in str(raw).split(",")]
    except ValueError:
        return False
    return bool(delays) and all(0 <= delay < 30 * 86400 for delay in delays)


def first_attempt_at(now: datetime) -> datetime:
    return now + timedelta(seconds=retry_schedule()[0])


def next_attempt_at(attempts_made: int, now: datetime) -> datetime | None:
    """When to try again after `attempts_made` attempts failed; None once the schedule is spent."""
    schedule = retry_schedule()
    if attempts_made >= len(schedule):
        return None
    return now + timedelta(seconds=schedule[attempts_made])


def lease_until(at: datetime | None = None) -> datetime:
    """Past this, a pending delivery nobody touched is re-queued by the sweep."""
    return (at or timezone.now()) + timedelta(seconds=settings.CP_WEBHOOK_LEASE_SECONDS)
