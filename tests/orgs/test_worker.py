"""The worker's promises: retries with backoff, `failed` with a reason, no org lost, TTLs kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import idempotency
from core.models import IdempotencyRecord
from orgs.models import Org, Subscription, Workspace
from orgs.provisioning import create_default_workspace
from orgs.tasks import provision_org
from tests.orgs.provisioners import FlakyProvisioner

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}


@pytest.fixture
def client(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    return as_key(token)


def create(client, **extra) -> str:
    response = client.post("/cp/orgs", {**BODY, **extra})
    assert response.status_code == 201
    return response.json()["id"]


def test_a_failing_step_is_retried_and_the_org_still_gets_ready_once(
    client, worker, settings, fast_retries
):
    settings.ORG_PROVISIONER = "tests.orgs.provisioners.FlakyProvisioner"
    FlakyProvisioner.failures = 2
    org_id = create(client)
    worker()
    org = Org.objects.get(pk=org_id)
    assert (org.status, org.attempts, org.error) == ("ready", 3, "")
    assert Workspace.objects.filter(org=org).count() == 1
    assert Subscription.objects.filter(org=org).count() == 1


def test_a_retry_waits_for_its_backoff(client, worker, settings):
    settings.ORG_PROVISIONER = "tests.orgs.provisioners.FlakyProvisioner"
    settings.ORG_RETRY_BASE_SECONDS = 30
    FlakyProvisioner.failures = 1
    org_id = create(client)
    before = timezone.now()
    worker()
    org = Org.objects.get(pk=org_id)
    assert (org.status, org.attempts) == ("provisioning", 1)
    # The partner sees why, but not the internal exception text.
    status = client.get(f"/cp/orgs/{org_id}/status").json()
    assert status["error"] == "The 'flaky_step' step failed with an internal error."
    assert "hunter2" not in status["error"]
    assert not DBTaskResult.objects.ready().exists()
    retry = DBTaskResult.objects.get(status="READY")
    assert before + timedelta(seconds=29) < retry.run_after < timezone.now() + timedelta(seconds=31)

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    worker()
    org.refresh_from_db()
    assert (org.status, org.attempts) == ("ready", 2)


def test_after_the_last_attempt_the_org_is_failed_with_its_reason(
    client, worker, settings, fast_retries
):
    settings.ORG_PROVISIONER = "tests.orgs.provisioners.BrokenProvisioner"
    org_id = create(client)
    worker()
    status = client.get(f"/cp/orgs/{org_id}/status")
    assert status.json()["status"] == "failed"
    assert status.json()["error"] == "The region is out of capacity."
    assert not status.has_header("Retry-After")
    org = Org.objects.get(pk=org_id)
    assert org.attempts == 3 and org.failed_at is not None and org.lease_expires_at is None
    assert client.delete(f"/cp/orgs/{org_id}").status_code == 202


def test_an_org_whose_worker_died_is_requeued_by_the_sweep_and_gets_ready(client, worker, settings):
    org_id = create(client)
    # A worker claimed the org, made the workspace, and died: its task is gone, its lease stale.
    org = Org.objects.get(pk=org_id)
    create_default_workspace(org)
    Org.objects.filter(pk=org_id).update(
        attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    DBTaskResult.objects.all().delete()

    output = worker()
    assert "re-queued 1" in output
    org.refresh_from_db()
    assert (org.status, org.attempts) == ("ready", 2)
    assert Workspace.objects.filter(org=org, is_default=True).count() == 1
    assert Subscription.objects.filter(org=org).count() == 1


def test_the_sweep_leaves_an_org_alone_while_its_lease_holds(client, worker):
    org_id = create(client)
    DBTaskResult.objects.all().delete()
    assert "re-queued 0" in worker()
    assert Org.objects.get(pk=org_id).status == "provisioning"
    assert not DBTaskResult.objects.exists()


def test_a_lost_last_attempt_fails_the_org_instead_of_looping(client, worker, settings):
    settings.ORG_MAX_ATTEMPTS = 2
    org_id = create(client)
    DBTaskResult.objects.all().delete()
    Org.objects.filter(pk=org_id).update(
        attempts=2, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    worker()
    org = Org.objects.get(pk=org_id)
    assert org.status == "failed"
    assert "stopped" in org.error


def test_an_expired_ephemeral_org_is_deprovisioned_by_the_sweep(client, worker):
    org_id = create(client, ttl_seconds=60)
    keeper = create(client, slug="keeper", ttl_seconds=3600)
    worker()
    assert Org.objects.get(pk=org_id).status == "ready"
    Org.objects.filter(pk=org_id).update(expires_at=timezone.now() - timedelta(seconds=1))

    output = worker()
    assert "expired 1" in output
    org = Org.objects.get(pk=org_id)
    assert org.status == "deleted" and org.deleted_at is not None
    assert Subscription.objects.get(org=org).status == "canceled"
    assert Org.objects.get(pk=keeper).status == "ready"


def test_duplicate_tasks_for_one_attempt_provision_the_org_once(client, worker):
    org_id = create(client)
    provision_org.enqueue(org_id, 0)
    provision_org.enqueue(org_id, 0)
    worker()
    org = Org.objects.get(pk=org_id)
    assert (org.status, org.attempts) == ("ready", 1)
    results = sorted(r.return_value for r in DBTaskResult.objects.all())
    assert results == ["done", "skipped", "skipped"]


def test_a_deprovisioning_that_keeps_failing_is_parked_with_its_error(
    client, worker, settings, fast_retries
):
    org_id = create(client)
    worker()
    settings.ORG_PROVISIONER = "tests.orgs.provisioners.BrokenProvisioner"
    client.delete(f"/cp/orgs/{org_id}")
    worker()
    org = Org.objects.get(pk=org_id)
    assert (org.status, org.error, org.lease_expires_at) == (
        "deleting",
        "The region is out of capacity.",
        None,
    )
    # Billing stopped at the DELETE, whatever the worker's troubles.
    assert Subscription.objects.get(org=org).status == "canceled"


def test_a_task_row_whose_worker_died_is_failed_by_the_sweep_after_its_lease(
    client, worker, settings
):
    settings.TASK_RUNNING_LEASE_SECONDS = 60
    create(client)
    (task,) = DBTaskResult.objects.all()
    task.claim("a-worker-that-was-killed")  # what db_worker commits before running the task
    fresh = DBTaskResult.objects.get(pk=task.pk)
    assert "abandoned tasks failed 0" in worker()  # within its lease: left alone
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - timedelta(seconds=61)
    )

    assert "abandoned tasks failed 1" in worker()
    task.refresh_from_db()
    assert (fresh.status, task.status) == ("RUNNING", "FAILED")
    assert task.exception_class_path == "orgs.tasks.TaskAbandoned"
    assert task.finished_at is not None and task.worker_ids == ["a-worker-that-was-killed"]


def test_the_sweep_prunes_idempotency_records_past_their_replay_window(master, worker):
    body = {"name": "k", "scopes": [], "org_id": None}
    for n in range(3):
        master.post("/cp/admin/partner-keys", body, headers={"Idempotency-Key": f"old-{n}"})
    master.post("/cp/admin/partner-keys", body, headers={"Idempotency-Key": "recent"})
    IdempotencyRecord.objects.exclude(key="recent").update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )

    assert "idempotency records pruned 3" in worker()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert idempotency.prune(older_than=timedelta(0), batch=1) == 1
