"""Webhook endpoints, the events recorded for them (the outbox) and every delivery attempt.

An endpoint belongs to a partner, or (for a key issued without one) to that key's rotation family.
An event is written in the same transaction as the change it announces; one `Delivery` per
receiving endpoint tracks its attempts, the way `Org` tracks provisioning (`attempts` is the claim
token, `lease_expires_at` says until when nobody needs to look at it).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils import timezone

from core.ids import ID_MAX_LENGTH, new_id

EVENT_TYPES: dict[str, str] = {
    "org.ready": "An org finished provisioning; data.login_url is where its users sign in.",
    "org.failed": "Provisioning gave up; data.error says why.",
    "org.deleted": "An org finished deprovisioning.",
    "org.updated": "An org's name, plan, seats, external_id, branding or metadata changed.",
    "partner_key.revoked": "A key was revoked; it is refused from now on.",
    "partner_key.rotated": "A key was rotated; data is the new key, data.rotated_from the old.",
    "partner_key.leaked": "A key was found in public and revoked at once.",
    "partner_key.expiring": "A key expires within 7 days (data.expires_at).",
}
ALL_EVENTS = "*"
URL_MAX_LENGTH = 2048


def new_endpoint_id() -> str:
    return new_id("we")


def new_event_id() -> str:
    return new_id("msg")


def new_delivery_id() -> str:
    return new_id("whd")


class WebhookEndpoint(models.Model):
    """Where a partner wants its events, and the secrets that sign them (encrypted at rest)."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_endpoint_id)
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
    )
    # Owner of a partner-less endpoint: the rotation family of the key that made it.
    owner_family_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="")
    created_by_key = models.ForeignKey(
        "partners.PartnerKey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
    )
    url = models.URLField(max_length=URL_MAX_LENGTH)
    events = models.JSONField(default=list)
    description = models.CharField(max_length=500, blank=True, default="")
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True, default="")
    # First failed attempt since the last success; past CP_WEBHOOK_DISABLE_AFTER_SECONDS, disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner_family_id"], name="webhook_endpoint_family")]

    def __str__(self) -> str:
        return self.url

    @property
    def audit_partner_id(self) -> str | None:
        return self.partner_id

    def subscribes_to(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events


class Event(models.Model):
    """One thing that happened, as sent: `body` is the exact JSON every attempt signs and posts."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_event_id)
    type = models.CharField(max_length=40, db_index=True)
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_events",
    )
    key_family_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="")
    subject_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="", db_index=True)
    body = models.TextField()
    # Set for events raised at most once (`partner_key.expiring` per key and expiry date).
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["key_family_id"], name="webhook_event_family")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    @property
    def audit_partner_id(self) -> str | None:
        return self.partner_id

    @property
    def data(self) -> Any:
        return json.loads(self.body)["data"]


class Delivery(models.Model):
    """One event to one endpoint: pending until a 2xx (succeeded) or the schedule runs out."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELED = "canceled"  # the endpoint was disabled before it could be sent

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_delivery_id)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"

    @property
    def audit_partner_id(self) -> str | None:
        return self.endpoint.partner_id


class DeliveryAttempt(models.Model):
    """One POST (or one that a dead worker never finished): what the receiver answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"
