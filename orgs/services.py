"""Writes on orgs: create, deprovision, retry, workspaces; each holds its rule and transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.credentials import Principal
from core.errors import DomainError
from core.integrity import violated_constraint
from orgs import lifecycle
from orgs.events import org_event_record
from orgs.models import (
    EXTERNAL_ID_CONSTRAINT,
    SLUG_CONSTRAINT,
    BillingChannel,
    Org,
    Subscription,
    Workspace,
)
from orgs.provisioning import cancel_subscription
from orgs.tasks import queue
from partners.models import PartnerKey


class SlugTaken(DomainError):
    code = "slug_taken"
    message = "An org with this slug already exists."


class ExternalIdTaken(DomainError):
    code = "external_id_taken"
    message = "Another of your orgs already has this external_id."


class OrgBoundKey(DomainError):
    code = "org_bound_key"
    message = "This key is bound to one org and cannot create orgs."


class OrgNotReady(DomainError):
    code = "org_not_ready"

    def __init__(self, org: Org, what: str) -> None:
        super().__init__(f"The org is {org.status}; only a ready org can {what}.")


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
    seats: int = 1,
    external_id: str = "",
    branding: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
    billing_channel: str = BillingChannel.DIRECT,
    sandbox: bool = False,
    ttl_seconds: int | None = None,
) -> Org:
    """Create an org in `provisioning` and queue its provisioning once the row is committed.

    The unique indexes (slug; external id per manager) decide a race between two creates, not a
    prior SELECT.
    """
    if principal.org_id is not None:
        raise OrgBoundKey()
    now = timezone.now()
    org = Org(
        name=name,
        slug=slug,
        plan=plan,
        seats=seats,
        external_id=external_id or "",
        branding=branding or {},
        metadata=metadata or {},
        billing_channel=billing_channel,
        sandbox=sandbox,
        partner_id=principal.partner_id,
        created_by_key=principal if isinstance(principal, PartnerKey) else None,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds) if ttl_seconds else None,
        lease_expires_at=lifecycle.lease_until(now),
    )
    try:
        with transaction.atomic():
            org.save(force_insert=True)
    except IntegrityError as exc:
        raise _conflict(exc) from exc
    queue(org)
    return org


@transaction.atomic
def org_update(
    *,
    org: Org,
    name: str | None = None,
    plan: str | None = None,
    seats: int | None = None,
    external_id: str | None = None,
    branding: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
) -> Org:
    """Change what a partner may change on a ready org; None leaves a field as it is.

    Branding and metadata are replaced whole. A plan or seat change reaches the subscription in
    the same transaction, so billing shows it at once.
    """
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status != Org.Status.READY:
        raise OrgNotReady(org, "be changed")
    wanted = {
        "name": name,
        "plan": plan,
        "seats": seats,
        "external_id": external_id,
        "branding": branding,
        "metadata": metadata,
    }
    changed = [field for field, value in wanted.items() if value is not None]
    changed = [field for field in changed if getattr(org, field) != wanted[field]]
    if not changed:
        return org
    for field in changed:
        setattr(org, field, wanted[field])
    try:
        with transaction.atomic():
            org.save(update_fields=changed)
    except IntegrityError as exc:
        raise _conflict(exc) from exc
    if {"plan", "seats"} & set(changed):
        _follow_plan_and_seats(org)
    org_event_record(org_id=org.pk, type="org.updated")
    return org


def _follow_plan_and_seats(org: Org) -> None:
    """The subscription takes the org's plan and seats (saved, so its field history shows it)."""
    subscription = Subscription.objects.select_for_update().filter(org=org).first()
    if subscription is None:
        return
    changed = [
        field for field in ("plan", "seats") if getattr(subscription, field) != getattr(org, field)
    ]
    for field in changed:
        setattr(subscription, field, getattr(org, field))
    if changed:
        subscription.save(update_fields=changed)


def _conflict(exc: IntegrityError) -> DomainError:
    """The domain error of a uniqueness race; anything else is a bug and raised as it is."""
    constraint = violated_constraint(exc, Org)
    if constraint == SLUG_CONSTRAINT:
        return SlugTaken()
    if constraint == EXTERNAL_ID_CONSTRAINT:
        return ExternalIdTaken()
    raise exc


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
        raise OrgNotReady(org, "get workspaces")
    workspace, token = Workspace.objects.mint(org=org, name=name)
    return IssuedWorkspace(workspace=workspace, token=token)
