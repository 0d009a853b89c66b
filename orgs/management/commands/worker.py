"""`manage.py worker`: django-tasks-db's worker loop plus the org recovery sweep."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from orgs.sweep import sweep
from webhooks.sweep import sweep as sweep_webhooks

logger = logging.getLogger("orgs.worker")


def sweep_once() -> str:
    """One sweep on a fresh connection; never raises (the next one will try again)."""
    close_old_connections()
    try:
        report = sweep()
        sweep_webhooks()
    except Exception:
        logger.exception("Org sweep failed")
        return "sweep failed"
    finally:
        connections.close_all()
    if report.requeued or report.failed or report.expired:
        logger.info("Org sweep: %s", report)
    return str(report)


def _sweep_forever(interval: float) -> None:
    while True:
        sweep_once()
        time.sleep(interval)


class Command(DBWorkerCommand):
    help = "Run the background worker: provisioning tasks and the org recovery sweep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-interval",
            type=valid_interval,
            default=settings.ORG_SWEEP_INTERVAL_SECONDS,
            help="Seconds between recovery sweeps (default: ORG_SWEEP_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sweep_interval: float = options.pop("sweep_interval")
        if options["batch"]:
            self._batch(**options)
            return
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # Under the autoreloader only the child (the real worker) sweeps.
            threading.Thread(
                target=_sweep_forever, args=(sweep_interval,), name="org-sweep", daemon=True
            ).start()
        super().handle(*args, **options)

    def _batch(self, **options: Any) -> None:
        """Sweep once, run every ready task, exit: for cron-style runs, ops and tests."""
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            swept = sweep_once()
            super().handle(**{**options, "reload": False})
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Worker batch done (sweep: {swept}).")
