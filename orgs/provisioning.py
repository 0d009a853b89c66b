"""The provisioner: the steps that build an org in the worker, and those that tear it down.

`ORG_PROVISIONER` names the class, so a deployment can add its own steps (DNS, a database, …).
Every step may run twice (a retry, or a new worker after a crash): it checks before it creates.
Each step runs in its own transaction with the org row locked, so a DELETE waits for the step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from orgs.models import Org, Subscription, Workspace

Step = Callable[[Org], None]

BILLING_PERIOD = timedelta(days=30)
DEFAULT_WORKSPACE_NAME = "Default"


class ProvisioningError(Exception):
    """A step failed for a reason the partner may read (shown as the org's `error`)."""


class Provisioner(Protocol):
    def provision_steps(self) -> list[Step]: ...

    def deprovision_steps(self) -> list[Step]: ...


def get_provisioner() -> Provisioner:
    return import_string(settings.ORG_PROVISIONER)()


def create_default_workspace(org: Org) -> None:
    """The workspace every tenant starts with; its token is never shown (new ones are)."""
    if org.workspaces.filter(is_default=True).exists():
        return
    try:
        with transaction.atomic():
            Workspace.objects.mint(org=org, name=DEFAULT_WORKSPACE_NAME, is_default=True)
    except IntegrityError:
        pass  # another attempt made it first: the one_default_workspace constraint decided


def start_subscription(org: Org) -> None:
    """The subscription on the org's plan and seats (`sandbox` for a sandbox org, which is never
    billed; `active` otherwise); never a second one."""
    now = timezone.now()
    Subscription.objects.get_or_create(
        org=org,
        defaults={
            "plan": org.plan,
            "seats": org.seats,
            "status": Subscription.Status.SANDBOX if org.sandbox else Subscription.Status.ACTIVE,
            "started_at": now,
            "current_period_start": now,
            "current_period_end": now + BILLING_PERIOD,
        },
    )


def cancel_subscription(org: Org) -> None:
    """Stop billing; canceling a canceled (or missing) subscription changes nothing."""
    running = [Subscription.Status.ACTIVE, Subscription.Status.SANDBOX]
    Subscription.objects.filter(org=org, status__in=running).update(
        status=Subscription.Status.CANCELED, canceled_at=timezone.now()
    )


class DefaultProvisioner:
    """A tenant needs its default workspace and an active subscription; deleting stops billing."""

    def provision_steps(self) -> list[Step]:
        return [create_default_workspace, start_subscription]

    def deprovision_steps(self) -> list[Step]:
        return [cancel_subscription]
