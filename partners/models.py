"""Partners and their `mol_pk_` keys. Only the SHA-256 of a key is ever stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.ids import ID_MAX_LENGTH, new_id
from partners import keys

# Scope → what it grants (see the contract's scope table).
SCOPES: dict[str, str] = {
    "orgs:create": "Create orgs and read the status of orgs the key may see.",
    "orgs:list": "List and read orgs, their status and workspaces.",
    "orgs:delete": "Deprovision orgs.",
    "workspaces:create": "Create workspaces in orgs.",
    "billing:read": "Read an org's billing status.",
}

LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_partner_id() -> str:
    return new_id("prt")


def new_partner_key_id() -> str:
    return new_id("pak")


class Partner(models.Model):
    """A company that integrates with us; deactivating it stops all its keys at once."""

    class Plan(models.TextChoices):
        PARTNER = "partner"
        ENTERPRISE = "enterprise"

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_partner_id)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.PARTNER)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class PartnerKeyQuerySet(models.QuerySet):
    def usable(self, now: datetime | None = None) -> PartnerKeyQuerySet:
        """Keys that authenticate right now: not revoked, not expired, partner active."""
        now = now or timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(partner__isnull=True) | Q(partner__active=True),
        )

    def mark_used(self, key: PartnerKey, now: datetime) -> None:
        """Record use at most once per LAST_USED_RESOLUTION per key: one conditional UPDATE.

        Most requests see a recent `last_used_at` on the row they already loaded and write nothing,
        so the hot path takes no row lock; the condition makes concurrent writers collapse to one.
        """
        stale_before = now - LAST_USED_RESOLUTION
        if key.last_used_at is not None and key.last_used_at > stale_before:
            return
        self.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before), pk=key.pk
        ).update(last_used_at=now)
        key.last_used_at = now

    def for_token(self, token: str) -> PartnerKey | None:
        """The key whose hash matches `token` (one indexed lookup), with its partner."""
        return self.select_related("partner").filter(key_hash=keys.hash_token(token)).first()


class PartnerKey(models.Model):
    """A bearer credential for one integration: scoped, optionally org-bound, revocable."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_partner_key_id)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="keys"
    )
    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=32, editable=False)
    scopes = models.JSONField(default=list)
    org = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="bound_keys"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    rate_limit = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=120, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=120, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors"
    )

    objects = PartnerKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint})"

    # DRF treats the authenticated principal as a user; a key is always authenticated.
    is_authenticated = True
    is_master = False

    @property
    def actor_label(self) -> str:
        return self.id

    def unusable_reason(self, now: datetime | None = None) -> str | None:
        """Why this key cannot authenticate now, or None when it can."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.partner is not None and not self.partner.active:
            return "partner_inactive"
        return None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class MasterKey:
    """The admin master key principal (configured by CP_ADMIN_MASTER_KEY)."""

    id = None
    partner = None
    partner_id = None
    org_id = None
    is_authenticated = True
    is_master = True
    actor_label = "master"

    def has_scope(self, scope: str) -> bool:
        return True

    def __str__(self) -> str:
        return "master key"


MASTER_KEY = MasterKey()


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one caller: claimed before the call runs, then its response.

    `caller` is the SHA-256 of the bearer token (the key's own hash for partner keys), so records
    are per key without a database lookup. `status_code` is null while the first call runs.
    """

    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_per_caller")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
