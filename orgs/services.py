"""Writes on orgs: create, deprovision, retry, workspaces; each holds its rule and transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.credentials import Principal
from core.errors import DomainError
from orgs import lifecycle
from orgs.models import Org, Workspace
from orgs.provisioning import cancel_subscription
from orgs.tasks import queue


class SlugTaken(DomainError):
    code = "slug_taken"
    message = "An org with this slug already exists."


class OrgBoundKey(DomainError):
    code = "org_bound_key"
    message = "This key is bound to one org and cannot create orgs."


class OrgNotReady(DomainError):
    code = "org_not_ready"

    def __init__(self, org: Org) -> None:
        super().__init__(f"The org is {org.status}; workspaces can be created once it is ready.")


class NotRetryable(DomainError):
    code = "org_not_failed"


@dataclass(frozen=True)
class IssuedWorkspace:
    """A new workspace and its token: the only moment the plaintext exists."""

    workspace: Workspace
    token: str


def org_create(
    *,
    principal: Principal,
    name: str,
    slug: str,
    plan: str,
    external_id: str = "",
    ttl_seconds: int | None = None,
) -> Org:
    """Create an org in `provisioning` and queue its provisioning once the row is committed.

    The unique index on lower(slug) decides a race between two creates, not a prior SELECT.
    """
    if principal.org_id is not None:
        raise OrgBoundKey()
    now = timezone.now()
    org = Org(
        name=name,
        slug=slug,
        plan=plan,
        external_id=external_id or "",
        partner_id=principal.partner_id,
        created_by_key_id=principal.id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds) if ttl_seconds else None,
        lease_expires_at=lifecycle.lease_until(now),
    )
    try:
        with transaction.atomic():
            org.save(force_insert=True)
    except IntegrityError as exc:
        raise SlugTaken() from exc
    queue(org)
    return org


@transaction.atomic
def org_deprovision(*, org: Org, restart: bool = False) -> Org:
    """Begin deprovisioning: billing stops now, the worker does the rest.

    Deleting an org already deleting or deleted changes nothing (idempotent); `restart` (ops)
    re-queues a deprovisioning that is stuck or gave up.
    """
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status == Org.Status.DELETED:
        return org
    if org.status == Org.Status.DELETING and not restart:
        return org
    now = timezone.now()
    if org.status != Org.Status.DELETING:
        org.status, org.deleting_at = Org.Status.DELETING, now
    org.attempts, org.lease_expires_at, org.error = 0, lifecycle.lease_until(now), ""
    org.save(update_fields=["status", "deleting_at", "attempts", "lease_expires_at", "error"])
    cancel_subscription(org)
    queue(org)
    return org


@transaction.atomic
def org_retry(*, org: Org) -> Org:
    """Put a failed org back into provisioning with fresh attempts (ops: `retry_org`)."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status != Org.Status.FAILED:
        raise NotRetryable(f"Org {org.pk} is {org.status}; only failed orgs can be retried.")
    org.status, org.failed_at, org.error = Org.Status.PROVISIONING, None, ""
    org.attempts, org.lease_expires_at = 0, lifecycle.lease_until()
    org.save(update_fields=["status", "failed_at", "error", "attempts", "lease_expires_at"])
    queue(org)
    return org


@transaction.atomic
def workspace_create(*, org: Org, name: str) -> IssuedWorkspace:
    """A workspace in a ready org, with its `mol_ws_` token (stored as hash and hint only)."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status != Org.Status.READY:
        raise OrgNotReady(org)
    workspace, token = Workspace.objects.mint(org=org, name=name)
    return IssuedWorkspace(workspace=workspace, token=token)
