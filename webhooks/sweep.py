"""The webhook sweep: no delivery lost to a dead worker or a lost enqueue; scheduled announcements.

`manage.py worker` runs it beside the org sweep. Several may run at once: every re-queue is a
conditional UPDATE on the lease it saw, so only one sweeper re-queues a given delivery. The
announcements (`CP_WEBHOOK_SCANS`, dotted paths such as the partners app's `partner_key.expiring`
scan) are called with the time; each raises its events at most once (dedupe keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from webhooks import delivery
from webhooks.models import Delivery
from webhooks.tasks import queue

logger = logging.getLogger("webhooks.worker")

BATCH = 500
Scan = Callable[..., int]


@dataclass
class WebhookSweepReport:
    requeued: int = 0
    failed: int = 0
    announced: int = 0

    def __str__(self) -> str:
        return (
            f"webhooks re-queued {self.requeued}, failed {self.failed}, announced {self.announced}"
        )


def sweep(now: datetime | None = None) -> WebhookSweepReport:
    report = WebhookSweepReport()
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.PENDING, lease_expires_at__lt=now)
    for item in stale.order_by("lease_expires_at")[:BATCH]:
        _recover(item, report)
    for path in settings.CP_WEBHOOK_SCANS:
        scan: Scan = import_string(path)
        report.announced += scan(now=now)
    if report.requeued or report.failed or report.announced:
        logger.info("Webhook sweep: %s", report)
    return report


@transaction.atomic
def _recover(item: Delivery, report: WebhookSweepReport) -> None:
    result = delivery.recover(item)
    if result == "requeued":
        queue(item)
        report.requeued += 1
    elif result == "failed":
        report.failed += 1
