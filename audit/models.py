"""The append-only audit trail: one event per /cp/ call (and per admin change)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.ids import ID_MAX_LENGTH, new_id
from core.statements import Insert


def new_event_id() -> str:
    return new_id("evt")


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted through the ORM (only the retention command)."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only; use the prune_audit command.")

    def prune(self) -> int:
        """Delete these events; the retention command's only way in."""
        return models.QuerySet._raw_delete(self, self.db)


class AuditEvent(models.Model):
    """One call (or admin change): who, what, on what, and how it ended."""

    class ActorType(models.TextChoices):
        PARTNER_KEY = "partner_key"
        MASTER_KEY = "master_key"
        ADMIN_USER = "admin_user"
        SYSTEM = "system"
        ANONYMOUS = "anonymous"
        # Reporters of leaked keys: GitHub's secret scanning (signed), anyone (public revocation).
        GITHUB = "github", "GitHub secret scanning"
        PUBLIC_REPORT = "public_report"

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_event_id)
    occurred_at = models.DateTimeField(default=timezone.now)
    request_id = models.CharField(max_length=ID_MAX_LENGTH, db_index=True)
    actor_type = models.CharField(max_length=20, choices=ActorType.choices)
    key_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="")
    key_hint = models.CharField(max_length=32, blank=True, default="")
    partner_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="")
    admin_user = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True, default="")
    method = models.CharField(max_length=10, blank=True, default="")
    path = models.CharField(max_length=300, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["partner_id", "-id"], name="audit_partner_recent"),
            models.Index(fields=["key_id", "-id"], name="audit_key_recent"),
            models.Index(fields=["action", "-id"], name="audit_action_recent"),
            models.Index(fields=["occurred_at"], name="audit_occurred_at"),
            # "Events about this org/key": the admin's links from an object to its trail.
            models.Index(fields=["target_id", "-id"], name="audit_target_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.status_code}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def append(self) -> None:
        """Add this event to the trail: one INSERT written once (`core.statements.Insert`), as
        every /cp/ call makes one; the same row `save()` would write."""
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        _insert_event(self)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only; use the prune_audit command.")


_insert_event = Insert(AuditEvent)
