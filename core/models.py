"""The platform's one table: idempotency records of /cp/ POSTs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

# Longer paths are stored cut short (their idempotency fingerprint still covers the whole path).
PATH_MAX_LENGTH = 300


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one caller: claimed before the call runs, then its response.

    `caller` is the principal the call authenticated as (a key id, or `master`), so a key's records
    are its own. `status_code` is null while the first call runs.
    """

    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=PATH_MAX_LENGTH)
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
