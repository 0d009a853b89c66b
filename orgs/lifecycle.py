"""The org state machine as the worker drives it: claim, hold, finish, fail or retry.

Every transition is a conditional UPDATE on (id, status, attempts): `attempts` is the claim token.
A task carries the attempt count it expects; the first worker to bump it owns the attempt, and any
duplicate (a re-queue by the sweep, a second worker) finds "0 rows" and stands down.
`lease_expires_at` says until when the current owner is trusted; past it the sweep re-queues.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orgs.events import org_event_record
from orgs.models import Org

logger = logging.getLogger("orgs.worker")

IN_FLIGHT = (Org.Status.PROVISIONING, Org.Status.DELETING)
ERROR_MAX_LENGTH = 500


class LostClaim(Exception):
    """Another attempt took the org over (or it changed state): this one stops quietly."""


def lease_until(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.ORG_LEASE_SECONDS)


def backoff(attempt: int) -> timedelta:
    """Delay before the attempt after `attempt`: exponential, capped."""
    seconds = settings.ORG_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, settings.ORG_RETRY_MAX_SECONDS))


def _mine(org: Org) -> QuerySet[Org]:
    return Org.objects.filter(pk=org.pk, status=org.status, attempts=org.attempts)


def is_last_attempt(org: Org) -> bool:
    return org.attempts >= settings.ORG_MAX_ATTEMPTS


def give_up(rows: QuerySet[Org], org: Org, error: str) -> bool:
    """End the org's job after its last attempt; False when `rows` no longer match (taken over).

    A provisioning org becomes `failed` (and `org.failed` is recorded with it); a deletion stays in
    `deleting` with its error and no lease (parked: `deprovision_org` re-queues it).
    """
    failing = org.status == Org.Status.PROVISIONING
    ended = {"status": Org.Status.FAILED, "failed_at": timezone.now()} if failing else {}
    with transaction.atomic():
        if not rows.update(**ended, error=error[:ERROR_MAX_LENGTH], lease_expires_at=None):
            return False
        if failing:
            org_event_record(org_id=org.pk, type="org.failed")
    return True


def claim(*, org_id: str, status: str, attempt: int) -> Org | None:
    """Take attempt `attempt + 1` of the org's current job, or None if someone else has it."""
    taken = Org.objects.filter(pk=org_id, status=status, attempts=attempt).update(
        attempts=attempt + 1, lease_expires_at=lease_until()
    )
    return Org.objects.get(pk=org_id) if taken else None


@contextmanager
def holding(org: Org) -> Iterator[Org]:
    """One step: the org row locked, the lease renewed, as long as this attempt still owns it."""
    with transaction.atomic():
        current = _mine(org).select_for_update().first()
        if current is None:
            raise LostClaim(org.pk)
        current.lease_expires_at = lease_until()
        current.save(update_fields=["lease_expires_at"])
        yield current


def finish(org: Org) -> bool:
    """provisioning → ready, deleting → deleted, with its `org.ready` / `org.deleted` event in the
    same transaction; False when the attempt no longer owns the org."""
    now = timezone.now()
    if org.status == Org.Status.PROVISIONING:
        done, event = {"status": Org.Status.READY, "ready_at": now}, "org.ready"
    else:
        done, event = {"status": Org.Status.DELETED, "deleted_at": now}, "org.deleted"
    with transaction.atomic():
        if not _mine(org).update(**done, lease_expires_at=None, error=""):
            return False
        org_event_record(org_id=org.pk, type=event)
    return True


def fail_attempt(org: Org, error: str) -> datetime | None:
    """Record a failed attempt; the time of the next one, or None when that was the last."""
    now, error = timezone.now(), error[:ERROR_MAX_LENGTH]
    if is_last_attempt(org):
        give_up(_mine(org), org, error)
        logger.warning("Org %s: attempt %s failed, giving up: %s", org.pk, org.attempts, error)
        return None
    retry_at = now + backoff(org.attempts)
    if not _mine(org).update(error=error, lease_expires_at=lease_until(retry_at)):
        return None
    logger.warning(
        "Org %s: attempt %s failed, retry at %s: %s", org.pk, org.attempts, retry_at, error
    )
    return retry_at
