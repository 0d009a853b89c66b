"""The recovery sweep: no org is lost to a dead worker, and no ephemeral org outlives its TTL.

Each `manage.py worker` runs it every ORG_SWEEP_INTERVAL_SECONDS. Several may run at once: every
re-queue is a conditional UPDATE on the lease it saw, so only one sweeper re-queues a given org.
It also fails task rows whose worker died, and prunes expired idempotency records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import idempotency
from orgs import lifecycle
from orgs.models import Org
from orgs.services import org_deprovision
from orgs.tasks import fail_abandoned_tasks, queue

logger = logging.getLogger("orgs.worker")

BATCH = 100
LOST_LAST_ATTEMPT = "The worker running the last attempt stopped before finishing."


@dataclass
class SweepReport:
    requeued: int = 0
    failed: int = 0
    expired: int = 0
    tasks_failed: int = 0
    idempotency_pruned: int = 0

    def __str__(self) -> str:
        return (
            f"re-queued {self.requeued}, failed {self.failed}, expired {self.expired}, "
            f"abandoned tasks failed {self.tasks_failed}, "
            f"idempotency records pruned {self.idempotency_pruned}"
        )


def sweep() -> SweepReport:
    report = SweepReport()
    now = timezone.now()
    stale = Org.objects.filter(status__in=lifecycle.IN_FLIGHT, lease_expires_at__lt=now)
    for org in stale.order_by("lease_expires_at")[:BATCH]:
        _recover(org, report)
    expired = Org.objects.filter(
        status__in=[Org.Status.PROVISIONING, Org.Status.READY, Org.Status.FAILED],
        expires_at__lte=now,
    )
    for org in expired.order_by("expires_at")[:BATCH]:
        org_deprovision(org=org)
        report.expired += 1
        logger.info("Org %s expired (ttl): deprovisioning", org.pk)
    report.tasks_failed = fail_abandoned_tasks(now=now)
    report.idempotency_pruned = idempotency.prune()
    return report


@transaction.atomic
def _recover(org: Org, report: SweepReport) -> None:
    """Re-queue an org whose lease ran out, or fail it if that was its last attempt."""
    seen = Org.objects.filter(
        pk=org.pk, status=org.status, attempts=org.attempts, lease_expires_at=org.lease_expires_at
    )
    if lifecycle.is_last_attempt(org):
        if lifecycle.give_up(seen, org, LOST_LAST_ATTEMPT):
            report.failed += 1
            logger.warning("Org %s: %s", org.pk, LOST_LAST_ATTEMPT)
        return
    if seen.update(lease_expires_at=lifecycle.lease_until()):
        queue(org)
        report.requeued += 1
        logger.info("Org %s: lease ran out while %s; re-queued", org.pk, org.status)
