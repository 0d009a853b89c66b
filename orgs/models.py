"""Orgs (tenants provisioned through the API), their workspaces and billing subscription."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core import tokens
from core.ids import ID_MAX_LENGTH, new_id


def new_org_id() -> str:
    return new_id("org")


def new_workspace_id() -> str:
    return new_id("ws")


class Org(models.Model):
    """A tenant. Its status moves provisioning → ready|failed → deleting → deleted."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning"
        READY = "ready"
        FAILED = "failed"
        DELETING = "deleting"
        DELETED = "deleted"

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_org_id)
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=63)
    plan = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PROVISIONING, db_index=True
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="orgs"
    )
    created_by_key = models.ForeignKey(
        "partners.PartnerKey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_orgs",
    )
    external_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    deleting_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    error = models.TextField(blank=True, default="")
    # The worker's bookkeeping: how many attempts so far, and until when the current one holds
    # the org (a crashed worker's lease runs out and the sweep re-queues the org).
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="org_slug_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def audit_partner_id(self) -> str | None:
        return self.partner_id

    @property
    def can_bind_keys(self) -> bool:
        """A key may be bound to any org that is not deleted."""
        return self.status != Org.Status.DELETED


class WorkspaceQuerySet(models.QuerySet["Workspace"]):
    def mint(self, *, org: Org, name: str, is_default: bool = False) -> tuple[Workspace, str]:
        """A new workspace and its `mol_ws_` token (only the hash and hint are stored)."""
        token = tokens.mint(tokens.WORKSPACE_TOKEN_PREFIX)
        workspace = self.create(
            org=org,
            name=name,
            is_default=is_default,
            token_hash=token.hash,
            token_hint=token.hint,
        )
        return workspace, token.plaintext


class Workspace(models.Model):
    """A workspace inside an org; its `mol_ws_` token is shown once and stored as a hash."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_workspace_id)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=32, editable=False)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=models.Q(is_default=True), name="one_default_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_partner_id(self) -> str | None:
        return self.org.partner_id


class Subscription(models.Model):
    """An org's billing subscription: created active by provisioning, canceled on delete."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        CANCELED = "canceled"

    org = models.OneToOneField(Org, on_delete=models.CASCADE, related_name="subscription")
    plan = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    canceled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.org_id} {self.plan} ({self.status})"

    @property
    def audit_partner_id(self) -> str | None:
        return self.org.partner_id
