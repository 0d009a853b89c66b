"""`manage.py worker`: django-tasks-db's worker loop plus the org recovery sweep.

django-tasks-db's loop exits on the first database error; ours backs off and resumes (see
`ResilientWorker`), so a database restart or failover needs no one to restart the worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import close_old_connections, connection, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, valid_interval

from core import database
from core.outage import Outage
from orgs.sweep import sweep
from webhooks.sweep import sweep as sweep_webhooks

logger = logging.getLogger("orgs.worker")

# db_worker's options that its Worker takes as they are.
_WORKER_OPTIONS = ("interval", "backend_name", "startup_delay", "max_tasks", "worker_id")
# The task loop and the sweep thread share it: one ERROR when the database goes, one INFO back.
OUTAGE = Outage(
    "Database",
    logger,
    base=settings.WORKER_BACKOFF_BASE_SECONDS,
    cap=settings.WORKER_BACKOFF_MAX_SECONDS,
)


def sweep_once() -> str:
    """One sweep on a fresh connection; never raises (the next one will try again)."""
    close_old_connections()
    try:
        report = sweep()
        sweep_webhooks()
    except database.UNAVAILABLE as exc:
        OUTAGE.failed(exc)
        return "sweep failed: database unavailable"
    except Exception:
        logger.exception("Org sweep failed")
        return "sweep failed"
    finally:
        connections.close_all()
    OUTAGE.recovered()
    if report.requeued or report.failed or report.expired or report.tasks_failed:
        logger.info("Org sweep: %s", report)
    return str(report)


def _sweep_forever(interval: float) -> None:
    while True:
        try:
            sweep_once()
        except Exception:  # closing a broken connection failed: the thread must live on
            logger.exception("Org sweep failed")
        time.sleep(interval)


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, resumed after the database comes back instead of exiting.

    A task interrupted by the outage keeps its row RUNNING; the sweep fails it after
    TASK_RUNNING_LEASE_SECONDS, and its org is re-queued by the org's own lease.
    """

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except database.UNAVAILABLE as exc:
                self._wait_for_database(exc)
                self.startup_delay = False

    def _wait_for_database(self, error: BaseException) -> None:
        delay = OUTAGE.failed(error)
        while self.running:
            _drop_connections()
            time.sleep(delay)
            try:
                connection.ensure_connection()
            except database.UNAVAILABLE as again:
                delay = OUTAGE.failed(again)
            else:
                OUTAGE.recovered()
                return


def _drop_connections() -> None:
    """Forget the connections the outage broke (if closing one fails, Django drops it anyway)."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(*database.UNAVAILABLE):
            conn.close()


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
        self._serve(**options)

    def _serve(self, *, reload: bool, queue_name: str, exclude_queues: str, **options: Any) -> None:
        """db_worker's own `handle`, running a `ResilientWorker`."""
        self.configure_logging(options["verbosity"])
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=False,
            **{k: options[k] for k in _WORKER_OPTIONS},
        )
        if not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            worker.configure_signals()
        if reload:
            run_with_reloader(worker.run)
        else:
            worker.run()

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
