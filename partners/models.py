"""Partners and their `mol_pk_` keys. Only the SHA-256 of a key is ever stored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import tokens
from core.ids import ID_MAX_LENGTH, new_id
from core.ratelimit import RateLimit, is_rate
from core.statements import Compiled

logger = logging.getLogger("cp.ratelimit")

# Scope → what it grants (see the contract's scope table).
SCOPES: dict[str, str] = {
    "orgs:create": "Create orgs and read the status of orgs the key may see.",
    "orgs:list": "List and read orgs, their status and workspaces.",
    "orgs:update": "Change an org's name, plan, seats, external id, branding and metadata.",
    "orgs:delete": "Deprovision orgs.",
    "workspaces:create": "Create workspaces in orgs.",
    "billing:read": "Read an org's billing status.",
    "webhooks:manage": "Manage webhook endpoints and read and redeliver events.",
}

LAST_USED_RESOLUTION = timedelta(minutes=1)
# A key whose expiry is this close shows as `expiring` (and gets the `partner_key.expiring` event).
EXPIRING_WITHIN = timedelta(days=7)

# How a partner slug looks, wherever one is entered (API, admin, commands).
PARTNER_SLUG_VALIDATORS: list[Callable[[Any], None]] = [
    MinLengthValidator(2),
    RegexValidator(
        r"^[a-z0-9]+(-[a-z0-9]+)*$",
        "Lower-case letters, digits and single hyphens, not at either end.",
    ),
]


def validate_rate(value: str | None) -> None:
    """`600/m`-style rates, as django-ratelimit reads them (count and period at least 1)."""
    if value and not is_rate(value):
        raise ValidationError(
            "Use COUNT/PERIOD with COUNT ≥ 1, e.g. 600/m or 100/10s (periods: s, m, h, d)."
        )


def new_partner_id() -> str:
    return new_id("prt")


def new_partner_key_id() -> str:
    return new_id("pak")


class PartnerQuerySet(models.QuerySet["Partner"]):
    def by_ref(self, ref: str) -> Partner | None:
        """The partner an API caller or an operator names: by slug, or by `prt_` id."""
        return self.filter(Q(slug=ref) | Q(pk=ref)).first()


class Partner(models.Model):
    """A company that integrates with us; deactivating it stops all its keys at once."""

    class Plan(models.TextChoices):
        PARTNER = "partner"
        ENTERPRISE = "enterprise"

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_partner_id)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True, validators=PARTNER_SLUG_VALIDATORS)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.PARTNER)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def audit_partner_id(self) -> str:
        return self.pk


class KeyState(models.TextChoices):
    """What the account team reads on a key: its `status`, refined for keys that still work."""

    ACTIVE = "active", "active"
    EXPIRING = "expiring", "expiring within 7 days"
    IN_GRACE = "in_grace", "in grace after rotation"
    REVOKED = "revoked", "revoked"
    EXPIRED = "expired", "expired"
    PARTNER_INACTIVE = "partner_inactive", "partner inactive"


# States in which a key may still be rotated or revoked (the admin offers the buttons only there).
ROTATABLE_STATES = frozenset({KeyState.ACTIVE, KeyState.EXPIRING})
REVOCABLE_STATES = frozenset(
    {KeyState.ACTIVE, KeyState.EXPIRING, KeyState.IN_GRACE, KeyState.PARTNER_INACTIVE}
)


class PartnerKeyQuerySet(models.QuerySet["PartnerKey"]):
    def with_successor(self) -> PartnerKeyQuerySet:
        """Annotate `successor_pk` (the key this was rotated to): `state()` then needs no query."""
        successors = self.model._default_manager.filter(rotated_from=models.OuterRef("pk"))
        return self.annotate(successor_pk=models.Subquery(successors.values("pk")[:1]))

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
        """The key whose hash matches `token` (one indexed lookup), with its partner.

        Every /cp/ call makes it: compiled once per thread (`core.statements`).
        """
        return _KEY_BY_HASH.first(tokens.hash_token(token))


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
    rate_limit = models.CharField(max_length=32, blank=True, default="", validators=[validate_rate])
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=120, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=120, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors"
    )
    # The first key of its rotation chain: a rotated key and its successors share it, and with it
    # the orgs they see (one indexed filter instead of a walk up and down the chain).
    family_id = models.CharField(max_length=ID_MAX_LENGTH, db_index=True, editable=False)

    objects = PartnerKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        permissions = [("revoke_partnerkey", "Can revoke partner keys")]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint})"

    # DRF treats the authenticated principal as a user; a key is always authenticated.
    is_authenticated = True
    is_master = False

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.family_id:
            self.family_id = self.rotated_from.family_id if self.rotated_from else self.id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def actor_label(self) -> str:
        return self.id

    @property
    def audit_partner_id(self) -> str | None:
        return self.partner_id

    @property
    def status(self) -> str:
        """`active`, or why the key cannot authenticate (`revoked`, `expired`, …)."""
        return self.unusable_reason() or "active"

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

    @property
    def successor_id(self) -> str | None:
        """The id of the key this one was rotated to (a key is rotated at most once), or None."""
        if "successor_pk" in self.__dict__:  # annotated by `with_successor()`
            return self.__dict__["successor_pk"]
        return self.successors.values_list("pk", flat=True).first()

    def state(self, now: datetime | None = None) -> KeyState:
        """The one display state (admin badge and filter): `status`, plus `in_grace` (rotated,
        still working until its grace deadline, `expires_at`) and `expiring` (within 7 days)."""
        now = now or timezone.now()
        reason = self.unusable_reason(now)
        if reason is not None:
            return KeyState(reason)
        if self.successor_id is not None:
            return KeyState.IN_GRACE
        if self.expires_at is not None and self.expires_at <= now + EXPIRING_WITHIN:
            return KeyState.EXPIRING
        return KeyState.ACTIVE

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def budget(self) -> RateLimit:
        """The key's own rate, else its partner plan's default, else PARTNER_KEY_DEFAULT_RATE.

        Counted for the key's rotation family: a rotated key and its successors share one budget,
        so rotating a key never grants a fresh one.
        """
        if self.rate_limit:
            if is_rate(self.rate_limit):
                return RateLimit(self.family_id, self.rate_limit, "key")
            logger.warning(
                "Key %s has an unreadable rate_limit %r; using the default.",
                self.id,
                self.rate_limit,
            )
        plan = self.partner.plan if self.partner_id and self.partner else None
        if plan in settings.PARTNER_PLAN_RATES:
            return RateLimit(self.family_id, settings.PARTNER_PLAN_RATES[plan], f"plan {plan}")
        return RateLimit(self.family_id, settings.PARTNER_KEY_DEFAULT_RATE, "default")


# Unordered and LIMIT 1: the hash is unique.
_KEY_BY_HASH: Compiled[PartnerKey] = Compiled(
    lambda key_hash: (
        PartnerKey.objects.select_related("partner").filter(key_hash=key_hash).order_by()[:1]
    )
)


def bindable_org(org_id: str, partner: Partner | None) -> Any:
    """The org a key may be bound to: not deleted, and managed by the key's partner if it has one.

    Read through the foreign key's model, so the partners app needs no import of the orgs app.
    """
    org_model: Any = PartnerKey._meta.get_field("org").related_model
    org = org_model.objects.filter(pk=org_id).first()
    if org is None or not org.can_bind_keys or (partner and org.partner_id != partner.pk):
        return None
    return org


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

    def budget(self) -> None:
        """Not limited: operators must never be locked out during an incident."""
        return None

    def __str__(self) -> str:
        return "master key"


MASTER_KEY = MasterKey()
