"""The background tasks (Django Tasks API): provision and deprovision one org, one attempt each.

Defined with `django_tasks.task` so they move to `django.tasks` unchanged on Django 6.
django-tasks-db neither retries nor recovers a task whose worker died: the org row does
(see `orgs.lifecycle`), and the sweep closes the dead task's row (`fail_abandoned_tasks`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from orgs import lifecycle
from orgs.models import Org
from orgs.provisioning import ProvisioningError, get_provisioner

logger = logging.getLogger("orgs.worker")


@task()
def provision_org(org_id: str, attempt: int) -> str:
    return run_attempt(org_id=org_id, status=Org.Status.PROVISIONING, attempt=attempt)


@task()
def deprovision_org(org_id: str, attempt: int) -> str:
    return run_attempt(org_id=org_id, status=Org.Status.DELETING, attempt=attempt)


def queue(org: Org, *, run_after: datetime | None = None) -> None:
    """Enqueue the org's next attempt once the current transaction commits.

    `robust`: a failed enqueue is logged, not raised; the org's lease runs out and the sweep
    re-queues it, so a crash between commit and enqueue loses nothing.
    """
    job = provision_org if org.status == Org.Status.PROVISIONING else deprovision_org
    if run_after is not None:
        job = job.using(run_after=run_after)
    org_id, attempt = org.pk, org.attempts
    transaction.on_commit(lambda: job.enqueue(org_id, attempt), robust=True)


def run_attempt(*, org_id: str, status: str, attempt: int) -> str:
    """Claim the attempt, run the provisioner's steps, then finish, retry or fail the org."""
    org = lifecycle.claim(org_id=org_id, status=status, attempt=attempt)
    if org is None:
        return "skipped"
    provisioner = get_provisioner()
    steps = (
        provisioner.provision_steps()
        if status == Org.Status.PROVISIONING
        else provisioner.deprovision_steps()
    )
    try:
        for step in steps:
            with lifecycle.holding(org) as held:
                step(held)
    except lifecycle.LostClaim:
        return "lost"
    except Exception as exc:
        logger.exception("Org %s: %s step failed (attempt %s)", org_id, status, org.attempts)
        with transaction.atomic():
            retry_at = lifecycle.fail_attempt(org, _describe(exc, step))
            if retry_at is not None:
                queue(org, run_after=retry_at)
        return "retrying" if retry_at else "gave_up"
    return "done" if lifecycle.finish(org) else "lost"


class TaskAbandoned(Exception):
    """The worker running the task stopped (killed, lost its database) before finishing it."""


def fail_abandoned_tasks(*, now: datetime) -> int:
    """Fail the task rows still RUNNING past TASK_RUNNING_LEASE_SECONDS; how many.

    django-tasks-db records when a task started and on which worker, but keeps no heartbeat: the
    row of a task whose worker was killed says RUNNING for ever. The lease is longer than any task
    runs. Nothing is run again by this: an org's own lease re-queues its work.
    """
    started_before = now - timedelta(seconds=settings.TASK_RUNNING_LEASE_SECONDS)
    return (
        DBTaskResult.objects.running()
        .filter(started_at__lt=started_before)
        .update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{__name__}.{TaskAbandoned.__qualname__}",
            traceback=f"{TaskAbandoned.__doc__}\n",
        )
    )


def _describe(exc: Exception, step: object) -> str:
    """A partner-safe error: a ProvisioningError's own message, else only the step's name."""
    if isinstance(exc, ProvisioningError):
        return str(exc)
    name = getattr(step, "__name__", type(step).__name__)
    return f"The {name!r} step failed with an internal error."
