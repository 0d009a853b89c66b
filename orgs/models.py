"""Orgs (tenants provisioned through the API), their workspaces and billing subscription."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core import tokens
from core.ids import ID_MAX_LENGTH, new_id

if TYPE_CHECKING:
    from partners.models import PartnerKey

# A sandbox org (CI, demos) is never billed and must expire within this many seconds.
SANDBOX_MAX_TTL_SECONDS = 7 * 86400
# Names of the constraints whose violation a service maps to a domain error.
SLUG_CONSTRAINT = "org_slug_unique_ci"
EXTERNAL_ID_CONSTRAINT = "org_external_id_unique"
# Who manages an org created with the master key (no partner, no key).
MANAGED_BY_MASTER = "master"


def manager_of(partner_id: str | None, created_by_key: PartnerKey | None) -> str:
    """An org's `managed_by`: its partner, else its creating key's rotation family, else master.

    The same owners the visibility rule (`orgs.selectors.org_visible`) gives an org.
    """
    if partner_id:
        return partner_id
    return created_by_key.family_id if created_by_key is not None else MANAGED_BY_MASTER


def new_org_id() -> str:
    return new_id("org")


def new_workspace_id() -> str:
    return new_id("ws")


class BillingChannel(models.TextChoices):
    """Who bills the customer: us directly, a cloud marketplace, or the partner's own invoice."""

    DIRECT = "direct", "Direct"
    AWS_MARKETPLACE = "aws_marketplace", "AWS Marketplace"
    GCP_MARKETPLACE = "gcp_marketplace", "Google Cloud Marketplace"
    AZURE_MARKETPLACE = "azure_marketplace", "Azure Marketplace"
    PARTNER_INVOICE = "partner_invoice", "Partner invoice"


class Org(models.Model):
    """A tenant. Its status moves provisioning → ready|failed → deleting → deleted.

    A live org (any status but `deleted`) holds its slug, and its external id among the orgs of
    the same manager; once deprovisioning has finished (`deleted`) both are free again.
    """

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
    # Whose org it is, for the uniqueness of `external_id`: the partner's id, else the rotation
    # family (`pak_…`) of the partner-less key that created it, else `master`. Set at creation.
    managed_by = models.CharField(max_length=ID_MAX_LENGTH, editable=False)
    seats = models.PositiveIntegerField(default=1)
    # {"display_name"?, "logo_url"?, "primary_color"?}: validated by the API's serializer.
    branding = models.JSONField(default=dict, blank=True)
    # At most 20 string keys and string values (the partner's own references).
    metadata = models.JSONField(default=dict, blank=True)
    billing_channel = models.CharField(
        max_length=32, choices=BillingChannel.choices, default=BillingChannel.DIRECT
    )
    sandbox = models.BooleanField(default=False)
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
            models.UniqueConstraint(
                Lower("slug"), condition=~models.Q(status="deleted"), name=SLUG_CONSTRAINT
            ),
            models.UniqueConstraint(
                fields=["managed_by", "external_id"],
                condition=~models.Q(status="deleted") & ~models.Q(external_id=""),
                name=EXTERNAL_ID_CONSTRAINT,
            ),
        ]
        # The list a key sees, newest first: one index range scan whatever the partner's share.
        indexes = [models.Index(fields=["managed_by", "-id"], name="org_managed_by_recent")]

    def __str__(self) -> str:
        return self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.managed_by:
            self.managed_by = manager_of(self.partner_id, self.created_by_key)
        super().save(*args, **kwargs)

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
    """An org's billing subscription: created by provisioning (`active`, or `sandbox` for a
    sandbox org, which is never billed), `canceled` on delete. Plan and seats follow the org's."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SANDBOX = "sandbox"
        CANCELED = "canceled"

    org = models.OneToOneField(Org, on_delete=models.CASCADE, related_name="subscription")
    plan = models.CharField(max_length=40)
    seats = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    canceled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.org_id} {self.plan} ({self.status})"

    @property
    def audit_partner_id(self) -> str | None:
        return self.org.partner_id
